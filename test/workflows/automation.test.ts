import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEventRow } from '../../db/dal/automation.js';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { EventPublisher } from '../../activities/events.js';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { SEARCH_ATTRIBUTES } from '../../domain/temporal.js';
import type { automationExecutionWorkflow } from '../../workflows/automation.js';
import { approveExecutionUpdate, automationStateQuery, rejectExecutionUpdate } from '../../domain/automation.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { startTimeSkippingEnv, testDb } from '../support/context.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { automationTestWorker, createApplication, createRule, stageChanged } from '../../testkit/harness/automation-harness.js';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let db: Db;
let resend: FakeResend;
let worker: Worker;
let publisher: EventPublisher;
let running: Promise<void>;

beforeAll(async () => {
  resend = await startFakeResend();
  db = testDb();
});
afterAll(async () => {
  await Promise.all([resend?.close(), db?.destroy()]);
});
// A fresh time-skipping server per test: the test server's time lock accounting can break
// ("Unbalanced lock and unlock calls") when one server sees several update-driven workflows.
beforeEach(async () => {
  env = await startTimeSkippingEnv();
  ({ worker, publisher } = await automationTestWorker(env, db, resend));
  running = worker.run();
});
afterEach(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

type Handle = WorkflowHandle<typeof automationExecutionWorkflow>;

/** A company with an application at "interview" and a rule that wants to move it to "offer" (high impact: approval). */
async function interviewTriggersOffer(rule: Parameters<typeof createRule>[2] = {}) {
  const m = await createMarketplace(db);
  const applicationId = await createApplication(db, m, 'interview');
  const stored = await createRule(db, m, rule);
  const { executionIds } = await publisher.publishDomainEvent(stageChanged(m, applicationId, 'interview'));
  expect(executionIds).toHaveLength(1);
  const execution = await db('automation_executions').where({ id: executionIds[0] }).first();
  const handle: Handle = env.client.workflow.getHandle(execution!.workflow_id);
  return { m, applicationId, rule: stored, executionId: executionIds[0]!, handle };
}

async function awaitingApproval(handle: Handle) {
  for (let i = 0; i < 100; i++) {
    if ((await handle.query(automationStateQuery)).status === 'awaiting_approval') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('execution never waited for approval');
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type;
}

const stageOf = async (applicationId: string) => (await db('applications').where({ id: applicationId }).first())!.stage;
const executionRow = (id: string) => db('automation_executions').where({ id }).first();

describe('automation execution workflow', () => {
  it('waits for approval, e-mails the approvers, and on approval moves the application once with a complete record', async () => {
    const { m, applicationId, executionId, handle } = await interviewTriggersOffer();
    expect(handle.workflowId).toBe(`approval-${executionId}`);
    await awaitingApproval(handle);
    expect(await stageOf(applicationId)).toBe('interview');
    const approval = await db('automation_approvals').where({ id: executionId }).first();
    expect(approval).toMatchObject({ status: 'pending', approver_role: 'company_admin', company_id: m.companyId });
    expect(approval!.expires_at.getTime() - approval!.requested_at.getTime()).toBe(24 * HOUR);
    // The request e-mail is sent after the execution shows awaiting_approval: wait for it.
    await expect
      .poll(() => resend.emails().find((e) => e.idempotencyKey === `approval-${executionId}-requested`)?.to)
      .toEqual([m.emails.companyAdmin]);

    const view = await handle.executeUpdate(approveExecutionUpdate, {
      args: [{ actor: m.actors.companyAdmin, comment: 'strong interview' }],
    });
    expect(view.approval).toMatchObject({ status: 'approved', decidedBy: m.actors.companyAdmin.userId, comment: 'strong interview' });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'succeeded', conditionsMet: true, error: null });
    expect(result.actionsTaken).toEqual([
      { type: 'advance_stage', status: 'done', result: { applicationId, from: 'interview', to: 'offer' } },
    ]);

    expect(await stageOf(applicationId)).toBe('offer');
    const history = await db('application_stage_history').where({ application_id: applicationId });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      from_stage: 'interview',
      to_stage: 'offer',
      source: 'automation',
      actor_user_id: m.actors.companyAdmin.userId,
    });
    const record = await executionRow(executionId);
    expect(record).toMatchObject({
      status: 'succeeded',
      conditions_met: true,
      error: null,
      trigger_event: 'application.stage_changed',
      entity_id: applicationId,
    });
    expect(record!.condition_trace).toEqual([{ field: 'stageTo', op: 'eq', expected: 'interview', actual: 'interview', met: true }]);
    expect(record!.finished_at).not.toBeNull();
    expect(record!.duration_ms).toBeGreaterThanOrEqual(0);
    const audit = await db('decision_audit_log').where({ entity_type: 'automation_execution', entity_id: executionId });
    expect(audit).toMatchObject([
      { decision: 'approval_approved', actor_user_id: m.actors.companyAdmin.userId, reason: 'strong interview', source: 'human' },
    ]);
    // The move raised its own event, one automation step deeper.
    const raised = await db<DomainEventRow>('domain_events')
      .where({ entity_id: applicationId, type: 'application.stage_changed' })
      .orderBy('depth');
    expect(raised.map((e) => [e.depth, e.data.stageTo])).toEqual([
      [0, 'interview'],
      [1, 'offer'],
    ]);
  });

  it('does nothing when the approver rejects, and records who rejected', async () => {
    const { m, applicationId, executionId, handle } = await interviewTriggersOffer();
    await awaitingApproval(handle);
    await handle.executeUpdate(rejectExecutionUpdate, { args: [{ actor: m.actors.companyAdmin, comment: 'not yet' }] });
    expect(await handle.result()).toMatchObject({ status: 'rejected', actionsTaken: [] });
    expect(await stageOf(applicationId)).toBe('interview');
    expect(await executionRow(executionId)).toMatchObject({ status: 'rejected', actions_taken: [] });
    expect(await db('automation_approvals').where({ id: executionId }).first()).toMatchObject({
      status: 'rejected',
      decided_by_user_id: m.actors.companyAdmin.userId,
    });
  });

  it("keeps the approval pending when the database refuses an answer's comment: the update fails, NeedsAttention stays, a later answer works", async () => {
    const { m, applicationId, executionId, handle } = await interviewTriggersOffer();
    await awaitingApproval(handle);
    const approve = handle.executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.companyAdmin, comment: 'go\u0000' }] });
    const outcome = await Promise.race([
      approve.then(
        () => 'approved',
        (err: unknown) => err,
      ),
      new Promise((r) => setTimeout(() => r('no answer in 20 s'), 20_000)),
    ]);
    expect(outcome).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((outcome as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FAILURE_TYPES.InvalidData);
    expect(await handle.query(automationStateQuery)).toMatchObject({
      status: 'awaiting_approval',
      approval: { status: 'pending', decidedBy: null },
    });
    expect(await db('automation_approvals').where({ id: executionId }).first()).toMatchObject({ status: 'pending' });
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.NeedsAttention)).toBe(true);
    expect(await stageOf(applicationId)).toBe('interview');

    await handle.executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.companyAdmin, comment: 'go' }] });
    expect(await handle.result()).toMatchObject({ status: 'succeeded' });
    expect(await stageOf(applicationId)).toBe('offer');
  });

  it('refuses answers from the wrong role or company, and a second answer', async () => {
    const { m, applicationId, handle } = await interviewTriggersOffer();
    await awaitingApproval(handle);
    for (const actor of [m.actors.hiringManager, m.actors.foreignAdmin, m.actors.recruiter]) {
      expect(await refusal(handle.executeUpdate(approveExecutionUpdate, { args: [{ actor }] }))).toBe(FAILURE_TYPES.Forbidden);
    }
    expect((await handle.query(automationStateQuery)).status).toBe('awaiting_approval');
    await handle.executeUpdate(rejectExecutionUpdate, { args: [{ actor: m.actors.platformAdmin }] });
    expect(await refusal(handle.executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.companyAdmin }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    expect(await handle.result()).toMatchObject({ status: 'rejected' });
    expect(await stageOf(applicationId)).toBe('interview');
  });

  it('expires after 24 hours without an answer: nothing is done, and a late approval is refused', async () => {
    const { m, applicationId, executionId, handle } = await interviewTriggersOffer();
    await awaitingApproval(handle);
    await env.sleep(24 * HOUR - 60_000);
    expect((await handle.query(automationStateQuery)).status).toBe('awaiting_approval');
    expect(await handle.result()).toMatchObject({ status: 'expired', approval: { status: 'expired' }, actionsTaken: [] });
    expect(await stageOf(applicationId)).toBe('interview');
    expect(await db('automation_approvals').where({ id: executionId }).first()).toMatchObject({
      status: 'expired',
      decided_by_role: 'system',
    });
    expect(await db('decision_audit_log').where({ entity_id: executionId }).first()).toMatchObject({
      decision: 'approval_expired',
      source: 'system',
    });
    const late = await handle.executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.companyAdmin }] }).then(
      () => 'accepted',
      () => 'refused',
    );
    expect(late).toBe('refused');
    expect(await stageOf(applicationId)).toBe('interview');
  });

  it('honours a configured approval timeout', async () => {
    const { handle, executionId } = await interviewTriggersOffer({ approval_timeout_hours: 2 });
    await awaitingApproval(handle);
    await env.sleep(2 * HOUR - 60_000);
    expect((await handle.query(automationStateQuery)).status).toBe('awaiting_approval');
    expect(await handle.result()).toMatchObject({ status: 'expired' });
    const approval = await db('automation_approvals').where({ id: executionId }).first();
    expect(approval!.expires_at.getTime() - approval!.requested_at.getTime()).toBe(2 * HOUR);
  });

  it('skips without asking anyone when the conditions do not match', async () => {
    const { applicationId, executionId, handle } = await interviewTriggersOffer({
      conditions: { field: 'stageTo', op: 'eq', value: 'hired' },
    });
    expect(await handle.result()).toMatchObject({ status: 'skipped', conditionsMet: false, approval: null });
    expect(await db('automation_approvals').where({ id: executionId }).first()).toBeUndefined();
    expect(await stageOf(applicationId)).toBe('interview');
  });

  it('runs a low-impact rule at once, and a repeated event changes nothing more', async () => {
    const m = await createMarketplace(db);
    const applicationId = await createApplication(db, m, 'screening');
    await createRule(db, m, {
      requires_approval: false,
      conditions: null,
      actions: [
        { type: 'create_task', title: 'Prepare the candidate', dueInDays: 2 },
        { type: 'send_email', template: 'stage_update', to: 'recruiter' },
      ],
    });
    const event = stageChanged(m, applicationId, 'interview');
    const first = await publisher.publishDomainEvent(event);
    const again = await publisher.publishDomainEvent(event);
    expect(again).toEqual(first);
    const handle: Handle = env.client.workflow.getHandle(`automation-${first.executionIds[0]}`);
    expect(await handle.result()).toMatchObject({
      status: 'succeeded',
      actionsTaken: [
        { type: 'create_task', status: 'done' },
        { type: 'send_email', status: 'done' },
      ],
    });
    const tasks = await db('recruiter_tasks').where({ recruiter_id: m.recruiterId });
    expect(tasks).toMatchObject([{ title: 'Prepare the candidate', entity_id: applicationId, status: 'open' }]);
    expect(resend.emails().filter((e) => e.to.includes(m.emails.recruiter))).toHaveLength(1);
    expect(await db('domain_events').where({ event_key: event.key })).toHaveLength(1);
  });

  it('records a failed action with its error and takes none after it', async () => {
    const m = await createMarketplace(db);
    const applicationId = await createApplication(db, m, 'rejected');
    await createRule(db, m, {
      requires_approval: false,
      conditions: null,
      actions: [
        { type: 'advance_stage', stage: 'screening' },
        { type: 'create_task', title: 'never', dueInDays: 1 },
      ],
    });
    const { executionIds } = await publisher.publishDomainEvent(stageChanged(m, applicationId, 'rejected'));
    const result = await env.client.workflow.getHandle(`automation-${executionIds[0]}`).result();
    expect(result).toMatchObject({ status: 'failed', actionsTaken: [{ type: 'advance_stage', status: 'failed' }] });
    expect(result.error).toContain('already rejected');
    expect(await executionRow(executionIds[0]!)).toMatchObject({ status: 'failed', error: result.error });
    expect(await db('recruiter_tasks').where({ recruiter_id: m.recruiterId })).toHaveLength(0);
  });

  it('stops a chain of rules that trigger each other after a bounded depth', async () => {
    const m = await createMarketplace(db);
    const applicationId = await createApplication(db, m, 'submitted');
    // Two rules that bounce the application between stages forever, if nothing stopped them.
    await createRule(db, m, {
      requires_approval: false,
      conditions: { field: 'stageTo', op: 'eq', value: 'screening' },
      actions: [{ type: 'advance_stage', stage: 'interview' }],
    });
    await createRule(db, m, {
      requires_approval: false,
      conditions: { field: 'stageTo', op: 'eq', value: 'interview' },
      actions: [{ type: 'advance_stage', stage: 'screening' }],
    });
    await publisher.publishDomainEvent(stageChanged(m, applicationId, 'screening'));
    for (let i = 0; i < 200; i++) {
      const deepest = await db('domain_events').where({ entity_id: applicationId }).max<{ depth: number }[]>('depth as depth').first();
      if (deepest?.depth === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const depths = (await db('domain_events').where({ entity_id: applicationId }).orderBy('depth')).map((e) => e.depth);
    expect(depths).toEqual([0, 1, 2, 3, 4]);
  });
});
