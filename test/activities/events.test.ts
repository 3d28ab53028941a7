import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createEventPublisher } from '../../activities/events.js';
import type { Db } from '../../lib/db.js';
import { activityRunner, temporalAddress, testDb } from '../support/context.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { createApplication, createRule, stageChanged } from '../../testkit/harness/automation-harness.js';

let db: Db;
let connection: Connection;
let temporal: Client;
const run = activityRunner();
// Nobody polls this queue: started executions just wait, which is all these tests look at.
const taskQueue = `automation-events-test-${randomUUID()}`;

beforeAll(async () => {
  db = testDb();
  connection = await Connection.connect({ address: temporalAddress() });
  temporal = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  await db?.destroy();
});

async function company() {
  const m = await createMarketplace(db);
  return { m, applicationId: await createApplication(db, m, 'screening') };
}
const started = async (workflowId: string) => (await temporal.workflow.getHandle(workflowId).describe()).status.name;
const terminateAll = async (workflowIds: string[]) =>
  Promise.all(workflowIds.map((id) => temporal.workflow.getHandle(id).terminate('test done')));

describe('publishDomainEvent', () => {
  it('stores the event once and starts one execution per listening rule, however often it is retried', async () => {
    const { m, applicationId } = await company();
    const rule = await createRule(db, m);
    const publisher = createEventPublisher({ db, temporal, taskQueue });
    const event = stageChanged(m, applicationId, 'interview');
    const results = await Promise.all([1, 2, 3].map(() => run(publisher.publishDomainEvent, event)));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    const [{ eventId, executionIds }] = results as [(typeof results)[number]];
    expect(await db('domain_events').where({ event_key: event.key })).toHaveLength(1);
    const executions = await db('automation_executions').where({ event_id: eventId });
    expect(executions).toMatchObject([
      { id: executionIds[0], rule_id: rule.id, status: 'pending', workflow_id: `approval-${executionIds[0]}` },
    ]);
    expect(executions[0]!.rule_snapshot).toMatchObject({
      ruleId: rule.id,
      requiresApproval: true,
      approverRole: 'company_admin',
      event: { data: { stageTo: 'interview' } },
    });
    expect(await started(executions[0]!.workflow_id)).toBe('RUNNING');
    await terminateAll([executions[0]!.workflow_id]);
  });

  it('starts the workflow on retry when the first attempt stored the execution but could not start it', async () => {
    const { m, applicationId } = await company();
    await createRule(db, m, { requires_approval: false, actions: [{ type: 'create_task', title: 'Call', dueInDays: 1 }] });
    let failures = 1;
    const flaky = new Proxy(temporal.workflow, {
      get: (target, prop) =>
        prop === 'start' && failures-- > 0 ? () => Promise.reject(new Error('Temporal unavailable')) : Reflect.get(target, prop, target),
    });
    const publisher = createEventPublisher({ db, temporal: { workflow: flaky } as unknown as Client, taskQueue });
    const event = stageChanged(m, applicationId, 'interview');
    await expect(run(publisher.publishDomainEvent, event)).rejects.toThrow('Temporal unavailable');
    const { executionIds } = await run(publisher.publishDomainEvent, event);
    expect(executionIds).toHaveLength(1);
    expect(await started(`automation-${executionIds[0]}`)).toBe('RUNNING');
    await terminateAll([`automation-${executionIds[0]}`]);
  });

  it("ignores disabled, retired and other companies' rules, and applies marketplace-wide ones", async () => {
    const { m, applicationId } = await company();
    const other: Marketplace = await createMarketplace(db);
    await createRule(db, m, { enabled: false });
    await createRule(db, m, { deleted_at: new Date() } as never);
    await createRule(db, other);
    await createRule(db, m, { trigger_event: 'proposal.accepted' });
    // Marketplace-wide, narrowed to this company so parallel tests' events do not match it.
    const global = await createRule(db, m, { company_id: null, conditions: { field: 'companyId', op: 'eq', value: m.companyId } });
    const publisher = createEventPublisher({ db, temporal, taskQueue });
    const { executionIds } = await run(publisher.publishDomainEvent, stageChanged(m, applicationId, 'interview'));
    const executions = await db('automation_executions').whereIn('id', executionIds);
    expect(executions.map((e) => e.rule_id)).toEqual([global.id]);
    expect(executions[0]!.company_id).toBe(m.companyId);
    await terminateAll(executions.map((e) => e.workflow_id));
  });

  it('stores an event raised too deep in a chain of automations but runs no rules for it', async () => {
    const { m, applicationId } = await company();
    await createRule(db, m);
    const publisher = createEventPublisher({ db, temporal, taskQueue });
    const { executionIds } = await run(publisher.publishDomainEvent, { ...stageChanged(m, applicationId, 'interview'), depth: 4 });
    expect(executionIds).toEqual([]);
    expect(await db('domain_events').where({ entity_id: applicationId, depth: 4 })).toHaveLength(1);
  });
});
