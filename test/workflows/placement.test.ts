import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEventRow } from '../../db/dal/automation.js';
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { SEARCH_ATTRIBUTES, workflowIds } from '../../domain/temporal.js';
import { placementWorkflow } from '../../workflows/placement.js';
import {
  activateEarlyUpdate,
  chooseRefundUpdate,
  chooseReplacementUpdate,
  extendGuaranteeUpdate,
  placementRecordedUpdate,
  placementStateQuery,
  releaseEarlyUpdate,
  reportFailureUpdate,
  type PlacementInput,
} from '../../domain/placement.js';
import type { FakeResend } from '../../testkit/fakes/resend.js';
import type { FakeStripe } from '../../testkit/fakes/stripe.js';
import { startPlacementHarness, type PlacementHarness } from '../../testkit/harness/placement-harness.js';
import { createCandidate, createCollaborators, type CollaboratorSpec } from '../../testkit/harness/factories.js';
import { refusal } from '../support/updates.js';

const DAY = 86_400_000;
let h: PlacementHarness;
let env: TestWorkflowEnvironment;
let db: Db;
let stripe: FakeStripe;
let resend: FakeResend;
let taskQueue: string;

beforeAll(async () => {
  h = await startPlacementHarness();
  ({ env, db, stripe, resend, taskQueue } = h);
});
afterAll(() => h?.stop());

const TEAM: CollaboratorSpec[] = [
  { role: 'sourcer', splitBps: 5000 },
  { role: 'closer', splitBps: 3000 },
  { role: 'support', splitBps: 2000 },
];
const PLATFORM = { userId: randomUUID(), role: 'platform_admin' as const };

async function hire(opts: { startInDays?: number; feeCents?: number } = {}) {
  const { marketplace: m, recruiters } = await createCollaborators(db, stripe, TEAM);
  // The candidate's application, moved along by the company's process so far.
  await db('applications').insert({
    candidate_id: m.candidateId,
    job_id: m.jobId,
    recruiter_id: recruiters[0]!.recruiterId,
    stage: 'screening',
  });
  const start = new Date((await env.currentTimeMs()) + (opts.startInDays ?? 0) * DAY);
  const input: PlacementInput = {
    placementId: randomUUID(),
    companyId: m.companyId,
    jobId: m.jobId,
    candidateId: m.candidateId,
    feeCents: opts.feeCents ?? 2_000_000,
    currency: 'USD',
    startDate: start.toISOString().slice(0, 10),
    collaborators: recruiters.map((r) => ({ recruiterId: r.recruiterId, role: r.spec.role, splitBps: r.spec.splitBps })),
    actor: m.actors.companyAdmin,
  };
  const handle = await env.client.workflow.start(placementWorkflow, {
    workflowId: workflowIds.placement(input.placementId),
    taskQueue,
    args: [input],
  });
  await handle.executeUpdate(placementRecordedUpdate);
  return { m, input, handle, admin: m.actors.companyAdmin };
}

const transfersOf = (placementId: string) => stripe.transfers().filter((t) => t.transfer_group === placementId);
const historyOf = async (placementId: string) =>
  (await db('placement_states').where({ placement_id: placementId }).orderBy('id')).map((h) => h.new_state);

describe('placement workflow', () => {
  it('runs the whole 90-day guarantee: activation payout, expiry notice, completion, escrow released with the holdback payout', async () => {
    const { input, handle, m } = await hire({ feeCents: 2_000_001 });
    const started = await env.currentTimeMs();
    const result = await handle.result();
    expect(result).toMatchObject({ state: 'completed', escrowStatus: 'released' });
    expect(result.payoutIds).toHaveLength(2);
    expect(new Date(result.guaranteeEndsAt!).getTime() - started).toBeGreaterThanOrEqual(90 * DAY - 60_000);

    const transfers = transfersOf(input.placementId);
    expect(transfers).toHaveLength(6);
    expect(transfers.reduce((s, t) => s + t.amount, 0)).toBe(2_000_001);
    const byTranche = (tranche: string) => transfers.filter((t) => t.metadata.tranche === tranche).reduce((s, t) => s + t.amount, 0);
    expect([byTranche('activation'), byTranche('holdback')]).toEqual([1_600_001, 400_000]);

    const placement = await db('placements').where({ id: input.placementId }).first();
    expect(placement).toMatchObject({ state: 'completed', fee_cents: 2_000_001, holdback_bps: 2000 });
    expect(placement!.splits_locked_at).not.toBeNull();
    expect(await db('escrow_holds').where({ placement_id: input.placementId }).first()).toMatchObject({
      status: 'released',
      amount_cents: 400_000,
    });
    expect(await historyOf(input.placementId)).toEqual(['hired', 'active', 'active', 'completed']);
    const notices = resend.emails().filter((e) => e.idempotencyKey?.startsWith(`placement-${input.placementId}-guarantee-expiring`));
    expect(notices.map((e) => e.to)).toEqual([[m.emails.companyAdmin]]);
  });

  it('stays hired until the start date, unless activated early by the company', async () => {
    const { input, handle, admin, m } = await hire({ startInDays: 30 });
    expect(await refusal(handle.executeUpdate(activateEarlyUpdate, { args: [{ actor: m.actors.recruiter }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );
    expect(await refusal(handle.executeUpdate(activateEarlyUpdate, { args: [{ actor: m.actors.foreignAdmin }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );
    expect((await db('placements').where({ id: input.placementId }).first())!.state).toBe('hired');
    const activated = await handle.executeUpdate(activateEarlyUpdate, { args: [{ actor: admin }] });
    expect(activated.state).toBe('active');
    expect(await refusal(handle.executeUpdate(activateEarlyUpdate, { args: [{ actor: admin }] }))).toBe(FAILURE_TYPES.InvalidState);
    await handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: PLATFORM, reason: 'end the test' }] });
    expect((await handle.result()).state).toBe('completed');
  });

  it('refuses a second live placement of the candidate for the job in the activity (DuplicatePlacement), recording nothing, the first unaffected', async () => {
    const { input, m } = await hire({ startInDays: 30 });
    const second = { ...input, placementId: randomUUID() };
    const handle = await env.client.workflow.start(placementWorkflow, {
      workflowId: workflowIds.placement(second.placementId),
      taskQueue,
      args: [second],
    });
    expect(await refusal(handle.executeUpdate(placementRecordedUpdate))).toBe(FAILURE_TYPES.DuplicatePlacement);
    expect(await db('placements').where({ candidate_id: m.candidateId, job_id: m.jobId }).select('id')).toEqual([
      { id: input.placementId },
    ]);
    expect(await db('escrow_holds').where({ placement_id: second.placementId })).toHaveLength(0);
  });

  it('refuses a replacement who already has a live placement for the job (DuplicatePlacement), keeping the failure pending', async () => {
    const { input, handle, m, admin } = await hire();
    const other = await createCandidate(db);
    // The other candidate's live placement for the same job (a row is enough: the rule is on the rows).
    const row = await db('placements').where({ id: input.placementId }).first();
    const takenId = randomUUID();
    await db('placements').insert({ ...row, id: takenId, candidate_id: other, workflow_id: workflowIds.placement(takenId) });
    await env.sleep(7 * DAY);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'left after a week' }] });
    expect(await refusal(handle.executeUpdate(chooseReplacementUpdate, { args: [{ actor: admin, candidateId: other }] }))).toBe(
      FAILURE_TYPES.DuplicatePlacement,
    );
    expect(await db('placements').where({ id: input.placementId }).first()).toMatchObject({ candidate_id: m.candidateId });
  });

  it('restarts the guarantee for a replacement candidate, keeping the escrow held', async () => {
    const { input, handle, admin } = await hire();
    await env.sleep(40 * DAY);
    expect(await refusal(handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: admin }] }))).toBe(FAILURE_TYPES.InvalidState);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate resigned' }] });
    expect(await refusal(handle.executeUpdate(chooseReplacementUpdate, { args: [{ actor: admin, candidateId: randomUUID() }] }))).toBe(
      FAILURE_TYPES.CandidateNotFound,
    );
    const replacement = await createCandidate(db);
    const replaced = await handle.executeUpdate(chooseReplacementUpdate, { args: [{ actor: admin, candidateId: replacement }] });
    const now = await env.currentTimeMs();
    expect(replaced).toMatchObject({ candidateId: replacement, failurePending: false, escrowStatus: 'held' });
    expect(Math.abs(new Date(replaced.guaranteeEndsAt!).getTime() - (now + 90 * DAY))).toBeLessThan(60_000);
    expect((await db('escrow_holds').where({ placement_id: input.placementId }).first())!.status).toBe('held');

    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect((await db('placements').where({ id: input.placementId }).first())!.candidate_id).toBe(replacement);
    const replacementRow = (await db('placement_states').where({ placement_id: input.placementId }).orderBy('id')).find(
      (h) => (h.details as { replacement?: unknown } | null)?.replacement,
    );
    expect(replacementRow).toMatchObject({ actor_user_id: admin.userId, details: { replacement: { to: replacement } } });
  });

  it('refunds after a failure: escrow refunded, the paid activation tranche reversed, state failed', async () => {
    const { input, handle, admin } = await hire({ feeCents: 1_000_000 });
    await env.sleep(10 * DAY);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate left in week two' }] });
    const refunded = await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: admin, reason: 'company chose a refund' }] });
    expect(refunded).toMatchObject({ state: 'failed', escrowStatus: 'refunded' });
    await handle.result();

    const transfers = transfersOf(input.placementId);
    expect(transfers.map((t) => t.metadata.tranche)).toEqual(['activation', 'activation', 'activation']);
    expect(transfers.every((t) => t.reversed && t.amount_reversed === t.amount)).toBe(true);
    const splits = await db('payout_splits')
      .join('payout_schedules', 'payout_schedules.id', 'payout_splits.payout_id')
      .where('payout_schedules.placement_id', input.placementId)
      .select('payout_splits.status');
    expect(splits.map((s) => s.status)).toEqual(['reversed', 'reversed', 'reversed']);
    expect(await db('escrow_holds').where({ placement_id: input.placementId }).first()).toMatchObject({
      status: 'refunded',
      reason: 'company chose a refund',
    });
    expect((await historyOf(input.placementId)).at(-1)).toBe('failed');
  });

  it('moves the application with the placement: hired at the hire, left when the hire leaves, the replacement hired, each once in the stage history with its application.stage_changed event', async () => {
    const { m, handle, admin } = await hire();
    const original = await db('applications').where({ candidate_id: m.candidateId, job_id: m.jobId }).first();
    expect(original).toMatchObject({ stage: 'hired', status: 'hired' }); // moved before the hire answers
    await env.sleep(DAY);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate resigned' }] });
    const replacement = await createCandidate(db);
    await handle.executeUpdate(chooseReplacementUpdate, { args: [{ actor: admin, candidateId: replacement }] });

    const moves = await db('application_stage_history')
      .join('applications', 'applications.id', 'application_stage_history.application_id')
      .where('applications.job_id', m.jobId)
      .orderBy('application_stage_history.id')
      .select('applications.candidate_id', 'from_stage', 'to_stage', 'source', 'actor_user_id', 'reason');
    expect(moves).toEqual([
      {
        candidate_id: m.candidateId,
        from_stage: 'screening',
        to_stage: 'hired',
        source: 'placement',
        actor_user_id: admin.userId,
        reason: 'placement recorded',
      },
      {
        candidate_id: m.candidateId,
        from_stage: 'hired',
        to_stage: 'left',
        source: 'placement',
        actor_user_id: admin.userId,
        reason: 'candidate resigned',
      },
      // The replacement had no application for the job: it gets one, submitted then hired.
      {
        candidate_id: replacement,
        from_stage: 'submitted',
        to_stage: 'hired',
        source: 'placement',
        actor_user_id: admin.userId,
        reason: 'replacement hired',
      },
    ]);
    expect(await db('applications').where({ id: original!.id }).first()).toMatchObject({ stage: 'left', status: 'closed' });
    const events = await db<DomainEventRow>('domain_events')
      .where({ type: 'application.stage_changed', company_id: m.companyId })
      .orderBy('occurred_at');
    expect(events.map((e) => [e.data.candidateId, e.data.stageFrom, e.data.stageTo, e.data.source])).toEqual([
      [m.candidateId, 'screening', 'hired', 'placement'],
      [m.candidateId, 'hired', 'left', 'placement'],
      [replacement, 'submitted', 'hired', 'placement'],
    ]);
    await handle.terminate('seen what it does');
  });

  it('lets a platform admin extend the guarantee and release early, with a reason, and nobody else', async () => {
    const { input, handle, admin } = await hire();
    await env.sleep(DAY); // past the start date: the guarantee is running
    expect(await refusal(handle.executeUpdate(extendGuaranteeUpdate, { args: [{ actor: admin, days: 30, reason: 'x' }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );
    expect(await refusal(handle.executeUpdate(extendGuaranteeUpdate, { args: [{ actor: PLATFORM, days: 0, reason: 'x' }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    const before = (
      await handle.executeUpdate(extendGuaranteeUpdate, { args: [{ actor: PLATFORM, days: 30, reason: 'probation extended' }] })
    ).guaranteeEndsAt!;
    const start = new Date((await db('placements').where({ id: input.placementId }).first())!.guarantee_ends_at!).getTime();
    expect(new Date(before).getTime()).toBe(start);
    await env.sleep(99 * DAY);
    expect((await db('placements').where({ id: input.placementId }).first())!.state).toBe('active');
    expect(await refusal(handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: admin, reason: 'please' }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );
    expect(await refusal(handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: PLATFORM, reason: ' ' }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    const released = await handle.executeUpdate(releaseEarlyUpdate, {
      args: [{ actor: PLATFORM, reason: 'candidate confirmed permanent' }],
    });
    expect(released).toMatchObject({ state: 'completed', escrowStatus: 'released' });
    expect(await db('escrow_holds').where({ placement_id: input.placementId }).first()).toMatchObject({
      status: 'released',
      reason: 'candidate confirmed permanent',
    });
    await handle.result();
    expect(transfersOf(input.placementId).reduce((s, t) => s + t.amount, 0)).toBe(2_000_000);
  });

  it('keeps the guarantee as it was when the database refuses a failure report or an extension: the update fails, NeedsAttention is set', async () => {
    const { handle, admin } = await hire();
    await env.sleep(2 * DAY);
    const before = await handle.query(placementStateQuery);
    expect(before).toMatchObject({ state: 'active', failurePending: false });

    const within20s = (p: Promise<unknown>) =>
      Promise.race([
        p.then(
          () => 'applied',
          (err: unknown) => err,
        ),
        new Promise((r) => setTimeout(() => r('no answer in 20 s'), 20_000)),
      ]);
    const report = await within20s(handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'left\u0000early' }] }));
    expect(report).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((report as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FAILURE_TYPES.InvalidData);
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.NeedsAttention)).toBe(true);
    const extension = await within20s(
      handle.executeUpdate(extendGuaranteeUpdate, { args: [{ actor: PLATFORM, days: 30, reason: 'probation\u0000' }] }),
    );
    expect(((extension as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FAILURE_TYPES.InvalidData);
    expect(await handle.query(placementStateQuery)).toEqual(before);

    expect((await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'left early' }] })).failurePending).toBe(true);
    await handle.terminate('test over');
  });

  it('refuses an early release whose reason cannot be stored or shown before any money moves, and takes a clean one', async () => {
    const { input, handle } = await hire();
    await env.sleep(2 * DAY);
    expect(await refusal(handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: PLATFORM, reason: 'confirmed\u0000' }] }))).toBe(
      FAILURE_TYPES.InvalidData,
    );
    expect(await handle.query(placementStateQuery)).toMatchObject({ state: 'active', escrowStatus: 'held' });
    await handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: PLATFORM, reason: 'confirmed' }] });
    expect((await handle.result()).state).toBe('completed');
    expect((await db('escrow_holds').where({ placement_id: input.placementId }).first())!.status).toBe('released');
  });
});
