import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../lib/db.js';
import { applicationsDal } from '../../db/dal/applications.js';
import { automationDal } from '../../db/dal/automation.js';
import { withTransaction } from '../../db/dal/once.js';
import { nameBasedUuid } from '../../lib/ids.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import type { ConditionTrace } from '../../domain/automation-rules.js';
import type { ActionOutcome, ApproverRole, ExecutionStatus } from '../../domain/automation.js';
import type { DomainEvent } from '../../domain/events.js';
import { SYSTEM_ACTOR, type Actor } from '../../domain/actors.js';
import type { EventPublisher } from '../events.js';

/** What every action gets: its key (execution + action index), the event, and who approved it. */
export interface ActionContext {
  key: string;
  executionId: string;
  event: DomainEvent;
  approvedBy: Actor | null;
  at: string;
}

const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FINAL_STAGES = new Set(['rejected', 'hired', 'left']);

const notApplicable = (message: string) => ApplicationFailure.nonRetryable(message, FAILURE_TYPES.ActionNotApplicable);

/** A uuid field of the event's data that an action needs. */
export function eventId(event: DomainEvent, field: string): string {
  const value = event.data[field];
  if (typeof value !== 'string' || !UUID.test(value)) throw notApplicable(`the ${event.type} event carries no ${field}`);
  return value;
}

/** Postgres side of automation executions: their record, approvals, and the actions that write rows. */
export function createAutomationDbActivities({ db, events }: { db: Db; events: EventPublisher }) {
  const applications = applicationsDal(db);
  const automation = automationDal(db);
  return {
    async recordConditions(input: { executionId: string; met: boolean; trace: ConditionTrace[] }): Promise<void> {
      await automation.recordConditions(input.executionId, input.met, input.trace);
    },

    /** The approval request (once), and the execution waiting for it. */
    async openApproval(input: {
      executionId: string;
      companyId: string | null;
      approverRole: ApproverRole;
      summary: Record<string, unknown>;
      requestedAt: string;
      expiresAt: string;
    }): Promise<void> {
      await withTransaction(db, (trx) =>
        automation.openApproval(
          {
            id: input.executionId,
            company_id: input.companyId,
            approver_role: input.approverRole,
            summary: input.summary,
            requested_at: new Date(input.requestedAt),
            expires_at: new Date(input.expiresAt),
          },
          trx,
        ),
      );
    },

    /** Approved, rejected or expired: the approval's answer, with its decision in decision_audit_log. */
    async recordApprovalDecision(input: {
      executionId: string;
      status: 'approved' | 'rejected' | 'expired';
      actor: Actor;
      comment: string | null;
      at: string;
    }): Promise<void> {
      await withTransaction(db, async (trx) => {
        const approval = await automation.lockApproval(input.executionId, trx);
        if (!approval)
          throw ApplicationFailure.nonRetryable(`no approval request for execution ${input.executionId}`, FAILURE_TYPES.InvalidState);
        if (approval.status === input.status) return; // a retry
        if (approval.status !== 'pending')
          throw ApplicationFailure.nonRetryable(`approval is already ${approval.status}`, FAILURE_TYPES.InvalidState);
        const at = new Date(input.at);
        await automation.answerApproval(
          input.executionId,
          {
            status: input.status,
            decided_by_user_id: input.actor.userId,
            decided_by_role: input.actor.role,
            comment: input.comment,
            decided_at: at,
          },
          input.status === 'approved' ? 'running' : input.status,
          {
            entity_type: 'automation_execution',
            entity_id: input.executionId,
            decision: `approval_${input.status}`,
            actor_user_id: input.actor.userId,
            actor_role: input.actor.role,
            reason: input.comment,
            details: JSON.stringify({ summary: approval.summary }),
            occurred_at: at,
            decision_key: `${input.executionId}:approval`,
            source: input.actor.role === 'system' ? 'system' : 'human',
            company_id: approval.company_id,
            outcome: input.status,
          },
          trx,
        );
      });
    },

    /** The execution's complete record: final status, what its actions did, the error, and how long it took. */
    async finishExecution(input: {
      executionId: string;
      status: ExecutionStatus;
      conditionsMet: boolean | null;
      actionsTaken: ActionOutcome[];
      error: string | null;
      at: string;
    }): Promise<void> {
      await automation.finishExecution(input.executionId, {
        status: input.status,
        conditions_met: input.conditionsMet,
        actions_taken: input.actionsTaken,
        error: input.error,
        finished_at: new Date(input.at),
      });
    },

    /**
     * Moves the event's application to `stage` once (keyed), with a history row, and raises
     * `application.stage_changed` (one step deeper, so chains of rules end).
     */
    async changeApplicationStage(
      input: ActionContext & { stage: string; reason: string },
    ): Promise<{ applicationId: string; from: string; to: string }> {
      const applicationId = eventId(input.event, 'applicationId');
      const actor = input.approvedBy ?? SYSTEM_ACTOR;
      const change = await withTransaction(db, async (trx) => {
        const app = await automation.lockApplicationWithCompany(applicationId, trx);
        if (!app) throw ApplicationFailure.nonRetryable(`application ${applicationId} not found`, FAILURE_TYPES.ApplicationNotFound);
        const retried = await automation.stageMoveRecorded(input.key, trx);
        if (!retried && FINAL_STAGES.has(app.stage)) throw notApplicable(`the application is already ${app.stage}`);
        if (!retried && app.stage === input.stage) throw notApplicable(`the application is already at ${input.stage}`);
        const move = await applications.moveStage(
          {
            applicationId,
            to: input.stage,
            actor,
            source: 'automation',
            reason: input.reason,
            at: new Date(input.at),
            key: input.key,
          },
          trx,
        );
        return { app, from: move.from as string, to: move.to };
      });
      await events.publishDomainEvent({
        key: `${input.key}:stage-changed`,
        type: 'application.stage_changed',
        companyId: change.app.company_id,
        entityType: 'application',
        entityId: applicationId,
        occurredAt: input.at,
        depth: input.event.depth + 1,
        data: {
          applicationId,
          candidateId: change.app.candidate_id,
          jobId: change.app.job_id,
          companyId: change.app.company_id,
          recruiterId: change.app.recruiter_id,
          stageFrom: change.from,
          stageTo: change.to,
          source: 'automation',
        },
      });
      return { applicationId, from: change.from, to: change.to };
    },

    /** A follow-up task for the event's recruiter, once per action. */
    async createRecruiterTask(input: ActionContext & { title: string; dueInDays: number }): Promise<{ taskId: string }> {
      const recruiterId = eventId(input.event, 'recruiterId');
      if (!(await automation.recruiterExists(recruiterId))) throw notApplicable(`recruiter ${recruiterId} not found`);
      const taskId = nameBasedUuid('splits:recruiter-task', input.key);
      await automation.createTask({
        id: taskId,
        recruiter_id: recruiterId,
        company_id: input.event.companyId,
        title: input.title,
        entity_type: input.event.entityType,
        entity_id: input.event.entityId,
        due_at: new Date(new Date(input.at).getTime() + input.dueInDays * DAY_MS),
        execution_id: input.executionId,
        created_at: new Date(input.at),
        task_key: input.key,
      });
      return { taskId };
    },
  };
}
