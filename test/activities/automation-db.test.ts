import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createAutomationDbActivities } from '../../activities/db/automation.js';
import type { DomainEventInput, EventPublisher } from '../../activities/events.js';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { activityRunner, testDb } from '../support/context.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { createApplication, createRule, stageChanged } from '../../testkit/harness/automation-harness.js';
import { automationDal } from '../../db/dal/automation.js';

let db: Db;
const published: DomainEventInput[] = [];
/** Records what the actions raise; the publisher itself is tested in events.test.ts. */
const publisher = {
  publishDomainEvent: async (e: DomainEventInput) => {
    published.push(e);
    return { eventId: randomUUID(), executionIds: [] };
  },
} as EventPublisher;
let activities: ReturnType<typeof createAutomationDbActivities>;
const run = activityRunner();

beforeAll(() => {
  db = testDb();
  activities = createAutomationDbActivities({ db, events: publisher });
});
afterAll(() => db.destroy());

async function rejection(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** An execution row (as the publisher stores it) for a stage-changed event of a fresh application. */
async function execution() {
  const m = await createMarketplace(db);
  const applicationId = await createApplication(db, m, 'interview');
  const rule = await createRule(db, m);
  const event = stageChanged(m, applicationId, 'interview');
  const eventId = randomUUID();
  const dal = automationDal(db);
  await dal.insertEvent({
    id: eventId,
    type: event.type,
    company_id: m.companyId,
    entity_type: 'application',
    entity_id: applicationId,
    data: event.data,
    depth: 0,
    occurred_at: new Date(),
    event_key: event.key,
  });
  const id = randomUUID();
  await dal.insertExecution({
    id,
    rule_id: rule.id,
    event_id: eventId,
    company_id: m.companyId,
    trigger_event: event.type,
    entity_type: 'application',
    entity_id: applicationId,
    status: 'pending',
    rule_snapshot: {},
    workflow_id: `approval-${id}`,
    created_at: new Date(),
  });
  const domainEvent = {
    id: eventId,
    type: event.type,
    companyId: m.companyId,
    entityType: 'application',
    entityId: applicationId,
    data: event.data,
    depth: 0,
  };
  return { m, applicationId, executionId: id, domainEvent };
}

describe('automation activities', () => {
  it('moves an application once per action key, however often retried, and raises one stage change one step deeper', async () => {
    const { m, applicationId, executionId, domainEvent } = await execution();
    const input = {
      key: `${executionId}:0`,
      executionId,
      event: domainEvent,
      approvedBy: m.actors.companyAdmin,
      at: new Date().toISOString(),
      stage: 'offer',
      reason: 'rule',
    };
    const first = await run(activities.changeApplicationStage, input);
    const retry = await run(activities.changeApplicationStage, input);
    expect(retry).toEqual(first);
    expect(first).toEqual({ applicationId, from: 'interview', to: 'offer' });
    expect(await db('application_stage_history').where({ application_id: applicationId })).toHaveLength(1);
    const raised = published.filter((e) => e.entityId === applicationId);
    expect(new Set(raised.map((e) => e.key))).toEqual(new Set([`${executionId}:0:stage-changed`]));
    expect(raised[0]).toMatchObject({
      type: 'application.stage_changed',
      depth: 1,
      data: { stageFrom: 'interview', stageTo: 'offer', source: 'automation' },
    });
  });

  it('refuses for good to move a finished application or an event without one', async () => {
    const { executionId, domainEvent, applicationId } = await execution();
    await db('applications').where({ id: applicationId }).update({ stage: 'hired' });
    const base = { key: `${executionId}:0`, executionId, approvedBy: null, at: new Date().toISOString(), stage: 'offer', reason: 'rule' };
    expect((await rejection(run(activities.changeApplicationStage, { ...base, event: domainEvent }))).type).toBe(
      FAILURE_TYPES.ActionNotApplicable,
    );
    const noApplication = { ...domainEvent, data: { ...domainEvent.data, applicationId: undefined } };
    expect((await rejection(run(activities.changeApplicationStage, { ...base, event: noApplication }))).type).toBe(
      FAILURE_TYPES.ActionNotApplicable,
    );
  });

  it('records an approval decision once with its audit row, and refuses a different answer afterwards', async () => {
    const { m, executionId } = await execution();
    const at = new Date();
    await run(activities.openApproval, {
      executionId,
      companyId: m.companyId,
      approverRole: 'company_admin',
      summary: {},
      requestedAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + 3_600_000).toISOString(),
    });
    await run(activities.openApproval, {
      executionId,
      companyId: m.companyId,
      approverRole: 'company_admin',
      summary: {},
      requestedAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + 3_600_000).toISOString(),
    });
    expect(await db('automation_executions').where({ id: executionId }).first()).toMatchObject({ status: 'awaiting_approval' });
    const decision = {
      executionId,
      status: 'approved' as const,
      actor: m.actors.companyAdmin,
      comment: 'ok',
      at: new Date().toISOString(),
    };
    await run(activities.recordApprovalDecision, decision);
    await run(activities.recordApprovalDecision, decision);
    expect(await db('decision_audit_log').where({ entity_id: executionId })).toHaveLength(1);
    expect(await db('automation_executions').where({ id: executionId }).first()).toMatchObject({ status: 'running' });
    expect((await rejection(run(activities.recordApprovalDecision, { ...decision, status: 'expired' }))).type).toBe(
      FAILURE_TYPES.InvalidState,
    );
  });

  it("creates one task per action key for the event's recruiter", async () => {
    const { m, executionId, domainEvent } = await execution();
    const input = {
      key: `${executionId}:1`,
      executionId,
      event: domainEvent,
      approvedBy: null,
      at: new Date().toISOString(),
      title: 'Call',
      dueInDays: 3,
    };
    const [a, b] = await Promise.all([run(activities.createRecruiterTask, input), run(activities.createRecruiterTask, input)]);
    expect(a).toEqual(b);
    const tasks = await db('recruiter_tasks').where({ recruiter_id: m.recruiterId });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.due_at.getTime() - new Date(input.at).getTime()).toBe(3 * 86_400_000);
  });
});
