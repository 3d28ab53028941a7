import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createProposalDbActivities } from '../../activities/db/proposals.js';
import { createEmailActivities } from '../../activities/email.js';
import type { ProposalEmailEvent } from '../../activities/email-templates.js';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { activityRunner, testDb } from '../support/context.js';
import { createMarketplace } from '../../testkit/harness/factories.js';

let db: Db;
let resend: FakeResend;
let email: ReturnType<typeof createEmailActivities>;
const run = activityRunner();

beforeAll(async () => {
  db = testDb();
  resend = await startFakeResend();
  email = createEmailActivities({ db, resend: resend.client(), from: 'Splits <noreply@splits.test>', appUrl: 'http://app.test' });
});
beforeEach(() => resend.reset());
afterAll(async () => {
  await resend.close();
  await db.destroy();
});

const send = (proposalId: string, event: ProposalEmailEvent) => run(email.sendProposalEmail, { proposalId, event });

async function proposal(opts: { withCompanyUsers?: boolean } = {}) {
  const m = await createMarketplace(db);
  if (opts.withCompanyUsers === false) {
    await db('jobs').where({ id: m.jobId }).update({ hiring_manager_user_id: null });
    await db('users').where({ company_id: m.companyId }).update({ role: 'hiring_manager' });
  }
  const proposalId = randomUUID();
  await run(createProposalDbActivities({ db }).createProposal, {
    proposalId,
    workflowId: `proposal-${proposalId}`,
    candidateId: m.candidateId,
    jobId: m.jobId,
    companyId: m.companyId,
    recruiterId: m.recruiterId,
    pitch: 'p',
    actor: m.actors.recruiter,
    createdAt: new Date().toISOString(),
  });
  return { m, proposalId };
}

describe('sendProposalEmail', () => {
  it("e-mails the job's decision makers once, even when the activity runs again", async () => {
    const { m, proposalId } = await proposal();
    const first = await send(proposalId, 'created');
    const again = await send(proposalId, 'created');
    expect(first.status).toBe('sent');
    expect(again).toEqual({ status: 'already_sent', messageId: first.messageId });
    const sent = resend.emails();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      to: [m.emails.companyAdmin, m.emails.hiringManager].sort(),
      idempotencyKey: `proposal-${proposalId}-created`,
    });
    expect(sent[0]!.subject).toContain('New candidate proposed');
    expect(await db('email_log').where({ idempotency_key: `proposal-${proposalId}-created` })).toHaveLength(1);
  });

  it('sends decisions to the recruiter', async () => {
    const { m, proposalId } = await proposal();
    await send(proposalId, 'declined');
    expect(resend.emails()[0]).toMatchObject({ to: [m.emails.recruiter] });
  });

  it('lets Temporal retry transient Resend failures and stops on permanent ones', async () => {
    const { proposalId } = await proposal();
    resend.injectFailure({ path: '/emails', status: 500, name: 'internal_server_error', times: 1 });
    const transient = await send(proposalId, 'created').catch((e: unknown) => e);
    expect(transient).not.toBeInstanceOf(ApplicationFailure);
    expect((await send(proposalId, 'created')).status).toBe('sent');

    resend.injectFailure({ path: '/emails', status: 422, name: 'validation_error', times: 1 });
    const permanent = await send(proposalId, 'accepted').catch((e: unknown) => e);
    expect(permanent).toBeInstanceOf(ApplicationFailure);
    expect(permanent).toMatchObject({ type: FAILURE_TYPES.EmailRejected, nonRetryable: true });
  });

  it('reports a company without decision makers instead of failing', async () => {
    const { proposalId } = await proposal({ withCompanyUsers: false });
    expect(await send(proposalId, 'created')).toEqual({ status: 'no_recipients', messageId: null });
    expect(resend.emails()).toHaveLength(0);
  });
});
