import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createEventPublisher, type DomainEventInput } from '../../activities/events.js';
import type { Db } from '../../lib/db.js';
import { createAutomationWorker } from '../../workers/automation.js';
import { automationDal, type RuleRow } from '../../db/dal/automation.js';
import type { AutomationAction } from '../../domain/automation-rules.js';
import type { FakeResend } from '../fakes/resend.js';
import { workflowBundle } from '../env/suite-context.js';
import type { Marketplace } from './factories.js';

/** A worker of the automation queue on a private task queue, with the real activities. */
export async function automationTestWorker(env: TestWorkflowEnvironment, db: Db, resend: FakeResend) {
  const taskQueue = `automation-test-${randomUUID()}`;
  // The production factory: the same activities and activity interceptor as a worker process.
  const worker = await createAutomationWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    db,
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    temporal: env.client,
    automationTaskQueue: taskQueue,
  });
  const publisher = createEventPublisher({ db, temporal: env.client, taskQueue });
  return { worker, taskQueue, publisher };
}

/** The application of the marketplace's candidate for its job, at `stage`. */
export async function createApplication(db: Db, m: Marketplace, stage = 'submitted'): Promise<string> {
  const id = randomUUID();
  await db('applications').insert({ id, candidate_id: m.candidateId, job_id: m.jobId, recruiter_id: m.recruiterId, stage });
  return id;
}

/** A rule of the marketplace's company, stored directly (the API's checks are tested on the API). */
export async function createRule(
  db: Db,
  m: Marketplace,
  overrides: Partial<RuleRow> & { actions?: AutomationAction[] } = {},
): Promise<RuleRow> {
  const now = new Date();
  return automationDal(db).insertRule({
    id: randomUUID(),
    company_id: m.companyId,
    name: 'Offer strong candidates',
    trigger_event: 'application.stage_changed',
    conditions: { field: 'stageTo', op: 'eq', value: 'interview' },
    actions: [{ type: 'advance_stage', stage: 'offer' }],
    requires_approval: true,
    approval_timeout_hours: 24,
    approver_role: 'company_admin',
    enabled: true,
    created_by_user_id: m.actors.companyAdmin.userId,
    created_at: now,
    updated_at: now,
    ...overrides,
  });
}

/** The event an ATS or a person moving the application to `stageTo` raises. */
export function stageChanged(m: Marketplace, applicationId: string, stageTo: string, key = randomUUID()): DomainEventInput {
  return {
    key,
    type: 'application.stage_changed',
    companyId: m.companyId,
    entityType: 'application',
    entityId: applicationId,
    occurredAt: new Date().toISOString(),
    data: {
      applicationId,
      candidateId: m.candidateId,
      jobId: m.jobId,
      companyId: m.companyId,
      recruiterId: m.recruiterId,
      stageFrom: 'screening',
      stageTo,
      source: 'test',
    },
  };
}
