import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Db } from '../../lib/db.js';
import {
  acceptProposalUpdate,
  declineProposalUpdate,
  proposalRecordedUpdate,
  proposalStateQuery,
  reviewProposalUpdate,
  withdrawProposalUpdate,
} from '../../domain/proposal.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { SEARCH_ATTRIBUTES } from '../../domain/temporal.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { startTimeSkippingEnv, testDb, workflowBundle } from '../support/context.js';
import { createCandidate, createMarketplace } from '../../testkit/harness/factories.js';
import { proposalInput, proposalTestWorker, startProposal } from '../../testkit/harness/proposal-harness.js';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let db: Db;
let resend: FakeResend;
let worker: Worker;
let taskQueue: string;
let running: Promise<void>;

beforeAll(async () => {
  [env, resend] = await Promise.all([startTimeSkippingEnv(), startFakeResend()]);
  db = testDb();
  ({ worker, taskQueue } = await proposalTestWorker(env, db, resend, workflowBundle()));
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.all([env?.teardown(), resend?.close(), db?.destroy()]);
});

const emailsFor = (proposalId: string) =>
  resend
    .emails()
    .filter((e) => e.idempotencyKey?.startsWith(`proposal-${proposalId}-`))
    .map((e) => ({ key: e.idempotencyKey, to: e.to }));

async function failureType(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type ?? undefined;
}

describe('proposal workflow', () => {
  it('times out after 72 hours without a decision, reminding the company 24 hours before', async () => {
    const m = await createMarketplace(db);
    const input = proposalInput(m);
    const handle = await startProposal(env, taskQueue, input);
    const recorded = await handle.executeUpdate(proposalRecordedUpdate);
    expect(recorded.state).toBe('proposed');
    expect(new Date(recorded.decisionDeadline!).getTime() - new Date(recorded.reminderAt!).getTime()).toBe(24 * HOUR);

    await env.sleep(47 * HOUR);
    expect(emailsFor(input.proposalId).map((e) => e.key)).toEqual([`proposal-${input.proposalId}-created`]);

    const result = await handle.result();
    expect(result.state).toBe('timed_out');
    expect(emailsFor(input.proposalId)).toEqual([
      { key: `proposal-${input.proposalId}-created`, to: [m.emails.companyAdmin, m.emails.hiringManager].sort() },
      { key: `proposal-${input.proposalId}-reminder`, to: [m.emails.companyAdmin, m.emails.hiringManager].sort() },
      { key: `proposal-${input.proposalId}-timed_out`, to: [m.emails.recruiter] },
    ]);
    const row = await db('candidate_role_assignments').where({ id: input.proposalId }).first();
    expect(row!.state).toBe('timed_out');
    const history = await db('candidate_role_assignment_history').where({ assignment_id: input.proposalId }).orderBy('id');
    expect(history.map((h) => [h.old_state, h.new_state, h.actor_role])).toEqual([
      [null, 'proposed', 'recruiter'],
      ['proposed', 'timed_out', 'system'],
    ]);
  });

  it("uses the company's own decision window and skips a reminder that would come before creation", async () => {
    const m = await createMarketplace(db, { proposalTimeoutHours: 12 });
    const input = proposalInput(m);
    const handle = await startProposal(env, taskQueue, input);
    const recorded = await handle.executeUpdate(proposalRecordedUpdate);
    expect(recorded.reminderAt).toBeNull();
    const started = await env.currentTimeMs();
    const result = await handle.result();
    expect(result.state).toBe('timed_out');
    const decided = await db('candidate_role_assignments').where({ id: input.proposalId }).first();
    expect(decided!.decided_at!.getTime() - started).toBeGreaterThanOrEqual(12 * HOUR - 60_000);
    expect(emailsFor(input.proposalId).map((e) => e.key)).not.toContain(`proposal-${input.proposalId}-reminder`);
  });

  it('times out on schedule even while the company notification keeps failing', async () => {
    const m = await createMarketplace(db, { proposalTimeoutHours: 1 });
    const input = proposalInput(m);
    // Every attempt of the "created" e-mail fails: its bounded retries span about 50 minutes,
    // and the deadline timer is absolute, so the timeout still comes at one hour.
    resend.injectFailure({ path: '/emails', status: 500, name: 'internal_server_error', times: 12 });
    const handle = await startProposal(env, taskQueue, input);
    await handle.executeUpdate(proposalRecordedUpdate);
    const started = await env.currentTimeMs();
    expect((await handle.result()).state).toBe('timed_out');
    const row = await db('candidate_role_assignments').where({ id: input.proposalId }).first();
    expect(row!.decided_at!.getTime() - started).toBeLessThan(HOUR + 60_000);
    expect(emailsFor(input.proposalId).map((e) => e.key)).toEqual([`proposal-${input.proposalId}-timed_out`]);
  });

  it('accepts once: creates the application, refuses later commands, e-mails the recruiter', async () => {
    const m = await createMarketplace(db);
    const input = proposalInput(m);
    const handle = await startProposal(env, taskQueue, input);
    await handle.executeUpdate(proposalRecordedUpdate);

    const reviewed = await handle.executeUpdate(reviewProposalUpdate, { args: [{ actor: m.actors.hiringManager }] });
    expect(reviewed.state).toBe('company_reviewing');
    const accepted = await handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    expect(accepted.state).toBe('accepted');
    expect(accepted.applicationId).toEqual(expect.any(String));

    expect(await failureType(handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    expect(await failureType(handle.executeUpdate(declineProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );

    expect((await handle.result()).state).toBe('accepted');
    const apps = await db('applications').where({ source_proposal_id: input.proposalId });
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ id: accepted.applicationId, stage: 'submitted', candidate_id: m.candidateId, job_id: m.jobId });
    expect(emailsFor(input.proposalId).map((e) => e.key)).toEqual([
      `proposal-${input.proposalId}-created`,
      `proposal-${input.proposalId}-accepted`,
    ]);
  });

  it('refuses commands from the wrong party and a review after the first one', async () => {
    const m = await createMarketplace(db);
    const handle = await startProposal(env, taskQueue, proposalInput(m));
    await handle.executeUpdate(proposalRecordedUpdate);
    const refusals = await Promise.all([
      failureType(handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.foreignAdmin }] })),
      failureType(handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.recruiter }] })),
      failureType(handle.executeUpdate(withdrawProposalUpdate, { args: [{ actor: m.actors.otherRecruiter }] })),
      failureType(handle.executeUpdate(withdrawProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] })),
    ]);
    expect(refusals).toEqual(Array(4).fill(FAILURE_TYPES.Forbidden));

    await handle.executeUpdate(reviewProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    expect(await failureType(handle.executeUpdate(reviewProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    expect((await handle.query(proposalStateQuery)).state).toBe('company_reviewing');

    const declined = await handle.executeUpdate(declineProposalUpdate, {
      args: [{ actor: m.actors.hiringManager, reason: 'Needs more Go experience' }],
    });
    expect(declined.state).toBe('declined');
    await handle.result();
    const row = await db('candidate_role_assignments').where({ id: declined.proposalId }).first();
    expect(row).toMatchObject({ state: 'declined', decision_reason: 'Needs more Go experience' });
    expect(await db('applications').where({ source_proposal_id: declined.proposalId })).toHaveLength(0);
  });

  it('lets the recruiter withdraw, with no decision e-mail', async () => {
    const m = await createMarketplace(db);
    const input = proposalInput(m);
    const handle = await startProposal(env, taskQueue, input);
    await handle.executeUpdate(proposalRecordedUpdate);
    const withdrawn = await handle.executeUpdate(withdrawProposalUpdate, {
      args: [{ actor: m.actors.recruiter, reason: 'Candidate took another offer' }],
    });
    expect(withdrawn.state).toBe('withdrawn');
    expect((await handle.result()).state).toBe('withdrawn');
    expect(emailsFor(input.proposalId).map((e) => e.key)).toEqual([`proposal-${input.proposalId}-created`]);
  });

  it('refuses a second open proposal for the same candidate and job, and allows one for another candidate', async () => {
    const m = await createMarketplace(db);
    const first = await startProposal(env, taskQueue, proposalInput(m));
    await first.executeUpdate(proposalRecordedUpdate);

    const duplicate = proposalInput(m, { actor: m.actors.otherRecruiter, recruiterId: m.otherRecruiterId });
    const second = await startProposal(env, taskQueue, duplicate);
    expect(await failureType(second.executeUpdate(proposalRecordedUpdate))).toBe(FAILURE_TYPES.DuplicateOpenProposal);
    expect((await second.result()).state).toBeNull();
    expect(await db('candidate_role_assignments').where({ id: duplicate.proposalId })).toHaveLength(0);

    const other = await startProposal(env, taskQueue, proposalInput(m, { candidateId: await createCandidate(db) }));
    expect((await other.executeUpdate(proposalRecordedUpdate)).state).toBe('proposed');
  });

  it('leaves the proposal as it was after a decline whose write Postgres refuses: the update fails, NeedsAttention is set, later commands work', async () => {
    const m = await createMarketplace(db);
    const input = proposalInput(m);
    const handle = await startProposal(env, taskQueue, input);
    await handle.executeUpdate(proposalRecordedUpdate);

    // A NUL in the reason reaches the database only past the API's edge check: the write fails once, for good.
    const decline = handle.executeUpdate(declineProposalUpdate, { args: [{ actor: m.actors.companyAdmin, reason: 'not\u0000now' }] });
    const outcome = await Promise.race([
      decline.then(
        () => 'declined',
        (err: unknown) => err,
      ),
      new Promise((r) => setTimeout(() => r('no answer in 20 s'), 20_000)),
    ]);
    expect(outcome).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((outcome as WorkflowUpdateFailedError).cause).toMatchObject({ type: FAILURE_TYPES.InvalidData });

    const view = await handle.query(proposalStateQuery);
    expect(view.state).toBe('proposed');
    expect(view.failure).toMatchObject({ command: 'decline', type: FAILURE_TYPES.InvalidData });
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.NeedsAttention)).toBe(true);
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.ProposalState)).toBe('proposed');
    expect(await db('candidate_role_assignments').where({ id: input.proposalId }).first()).toMatchObject({
      state: 'proposed',
      decision_reason: null,
    });

    const accepted = await handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    expect(accepted.state).toBe('accepted');
    expect(accepted.failure).toBeUndefined();
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.NeedsAttention)).toBe(false);
    expect((await handle.result()).state).toBe('accepted');
  });
});
