import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createProposalDbActivities, type CreateProposalInput } from '../../activities/db/proposals.js';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { SYSTEM_ACTOR } from '../../domain/actors.js';
import { activityRunner, testDb } from '../support/context.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';

let db: Db;
let activities: ReturnType<typeof createProposalDbActivities>;
const run = activityRunner();

beforeAll(() => {
  db = testDb();
  activities = createProposalDbActivities({ db });
});
afterAll(() => db.destroy());

const input = (m: Marketplace, overrides: Partial<CreateProposalInput> = {}): CreateProposalInput => {
  const proposalId = randomUUID();
  return {
    proposalId,
    workflowId: `proposal-${proposalId}`,
    candidateId: m.candidateId,
    jobId: m.jobId,
    companyId: m.companyId,
    recruiterId: m.recruiterId,
    pitch: 'pitch',
    actor: m.actors.recruiter,
    createdAt: '2026-01-05T09:00:00.000Z',
    ...overrides,
  };
};

async function rejection(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('createProposal', () => {
  it('computes the deadline from the workflow clock and the company window, and is idempotent on retry', async () => {
    const m = await createMarketplace(db, { proposalTimeoutHours: 48 });
    const i = input(m);
    const first = await run(activities.createProposal, i);
    const retry = await run(activities.createProposal, i);
    expect(first).toEqual({ decisionDeadline: '2026-01-07T09:00:00.000Z', reminderAt: '2026-01-06T09:00:00.000Z' });
    expect(retry).toEqual(first);
    expect(await db('candidate_role_assignments').where({ id: i.proposalId })).toHaveLength(1);
    expect(await db('candidate_role_assignment_history').where({ assignment_id: i.proposalId })).toHaveLength(1);
  });

  it('refuses a duplicate open proposal and a closed job permanently', async () => {
    const m = await createMarketplace(db);
    await run(activities.createProposal, input(m));
    const dup = await rejection(run(activities.createProposal, input(m)));
    expect(dup).toMatchObject({ type: FAILURE_TYPES.DuplicateOpenProposal, nonRetryable: true });

    const closed = await createMarketplace(db);
    await db('jobs').where({ id: closed.jobId }).update({ status: 'closed' });
    expect(await rejection(run(activities.createProposal, input(closed)))).toMatchObject({
      type: FAILURE_TYPES.JobNotOpen,
      nonRetryable: true,
    });
  });

  it('refuses a job the recruiter no longer sees (not marketplace-shared, not held or shared with them) as not found; a partner proposes', async () => {
    const m = await createMarketplace(db);
    await db('jobs').where({ id: m.jobId }).update({ shared_with_marketplace: false });
    const outsider = input(m);
    expect(await rejection(run(activities.createProposal, outsider))).toMatchObject({
      type: FAILURE_TYPES.JobNotFound,
      nonRetryable: true,
    });
    expect(await db('candidate_role_assignments').where({ id: outsider.proposalId })).toHaveLength(0);

    // Product §3.8: the holder shared the job with this recruiter.
    await db('job_recruiters').insert([
      { job_id: m.jobId, recruiter_id: m.otherRecruiterId, relation: 'holder' },
      { job_id: m.jobId, recruiter_id: m.recruiterId, relation: 'partner' },
    ]);
    const partner = input(m);
    await run(activities.createProposal, partner);
    expect(await db('candidate_role_assignments').where({ id: partner.proposalId }).first()).toMatchObject({ recruiter_id: m.recruiterId });
  });
});

describe('transitionProposal', () => {
  it('accepts once: a retried activity writes no second history row or application', async () => {
    const m = await createMarketplace(db);
    const i = input(m);
    await run(activities.createProposal, i);
    const accept = { proposalId: i.proposalId, to: 'accepted' as const, actor: m.actors.companyAdmin, at: '2026-01-05T10:00:00.000Z' };
    const first = await run(activities.transitionProposal, accept);
    const retry = await run(activities.transitionProposal, accept);
    expect(first.state).toBe('accepted');
    expect(retry).toEqual(first);
    expect(await db('applications').where({ source_proposal_id: i.proposalId })).toHaveLength(1);
    const history = await db('candidate_role_assignment_history').where({ assignment_id: i.proposalId }).orderBy('id');
    expect(history.map((r) => r.new_state)).toEqual(['proposed', 'accepted']);
    const row = await db('candidate_role_assignments').where({ id: i.proposalId }).first();
    expect(row!.decided_at!.toISOString()).toBe('2026-01-05T10:00:00.000Z');
  });

  it('refuses transitions the state machine does not allow and unknown proposals', async () => {
    const m = await createMarketplace(db);
    const i = input(m);
    await run(activities.createProposal, i);
    await run(activities.transitionProposal, {
      proposalId: i.proposalId,
      to: 'timed_out',
      actor: SYSTEM_ACTOR,
      at: '2026-01-08T09:00:00.000Z',
    });
    const late = await rejection(
      run(activities.transitionProposal, {
        proposalId: i.proposalId,
        to: 'accepted',
        actor: m.actors.companyAdmin,
        at: '2026-01-08T10:00:00.000Z',
      }),
    );
    expect(late).toMatchObject({ type: FAILURE_TYPES.InvalidTransition, nonRetryable: true });
    const missing = await rejection(
      run(activities.transitionProposal, {
        proposalId: randomUUID(),
        to: 'declined',
        actor: m.actors.companyAdmin,
        at: '2026-01-08T10:00:00.000Z',
      }),
    );
    expect(missing.type).toBe(FAILURE_TYPES.ProposalNotFound);
  });

  it('keeps the history append-only at the database level', async () => {
    const m = await createMarketplace(db);
    const i = input(m);
    await run(activities.createProposal, i);
    await expect(
      db('candidate_role_assignment_history').where({ assignment_id: i.proposalId }).update({ reason: 'edited' }),
    ).rejects.toThrow(/append-only/);
    await expect(db('candidate_role_assignment_history').where({ assignment_id: i.proposalId }).delete()).rejects.toThrow(/append-only/);
  });
});
