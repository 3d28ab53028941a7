import { log } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { integrationsDal } from '../db/dal/integrations.js';
import { pushApplicationSignal } from '../domain/ats.js';
import { withTransaction } from '../db/dal/once.js';
import type { Db } from '../lib/db.js';
import { nameBasedUuid } from '../lib/ids.js';
import { automationDal, type ExecutionRow } from '../db/dal/automation.js';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIds } from '../domain/temporal.js';
import type { AutomationExecutionWorkflow } from '../domain/automation.js';
import type { AutomationExecutionInput } from '../domain/automation.js';
import { MAX_AUTOMATION_DEPTH } from '../domain/automation-rules.js';

/** A domain event as a workflow or an action raises it; `key` names the occurrence (one event per key). */
export type { DomainEventInput } from '../domain/events.js';
import type { DomainEventInput } from '../domain/events.js';

export interface PublishResult {
  eventId: string;
  /** Executions of the rules the event triggered (started, or already running). */
  executionIds: string[];
}

export interface EventPublisherDeps {
  db: Db;
  temporal: Client;
  /** Where automation executions run. */
  taskQueue: string;
}

const EVENT_NAMESPACE = 'splits:domain-event';
const EXECUTION_NAMESPACE = 'splits:automation-execution';

/**
 * The one way domain events reach the rule engine, so the workflows that raise them know
 * nothing about rules: the event is stored once (keyed), each enabled rule listening to
 * it gets one execution (keyed by event + rule, with a snapshot of the rule), and each
 * execution runs as its own workflow. An accepted proposal is also handed to the company's
 * ATS integrations that push applications. Safe to repeat: a retry finds the same event,
 * the same executions and the already started workflows, and a push is idempotent.
 */
export function createEventPublisher({ db, temporal, taskQueue }: EventPublisherDeps) {
  const automation = automationDal(db);
  const integrations = integrationsDal(db);

  async function start(execution: ExecutionRow) {
    const input = execution.rule_snapshot as unknown as AutomationExecutionInput;
    try {
      await temporal.workflow.start<AutomationExecutionWorkflow>(WORKFLOW_TYPES.automation, {
        workflowId: execution.workflow_id,
        taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.AutomationStatus, value: 'pending' },
          { key: SEARCH_ATTRIBUTES.CompanyId, value: input.companyId ?? 'marketplace' },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  async function pushToAts(companyId: string, proposalId: string) {
    for (const integration of await integrations.pushing(companyId)) {
      try {
        await temporal.workflow.getHandle(integration.workflow_id).signal(pushApplicationSignal, { proposalId });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // disconnected meanwhile
      }
    }
  }

  return {
    async publishDomainEvent(event: DomainEventInput): Promise<PublishResult> {
      const eventId = nameBasedUuid(EVENT_NAMESPACE, event.key);
      const depth = event.depth ?? 0;
      await withTransaction(db, async (trx) => {
        const stored = await automation.insertEvent(
          {
            id: eventId,
            type: event.type,
            company_id: event.companyId,
            entity_type: event.entityType,
            entity_id: event.entityId,
            data: event.data,
            depth,
            occurred_at: new Date(event.occurredAt),
            event_key: event.key,
          },
          trx,
        );
        if (!stored) return; // a retry: the executions were created with the event
        if (depth > MAX_AUTOMATION_DEPTH) {
          log.warn('automation chain too deep: event stored, no rules run', { key: event.key, depth });
          return;
        }
        for (const rule of await automation.rulesListening(event.type, event.companyId, trx)) {
          const executionId = nameBasedUuid(EXECUTION_NAMESPACE, `${eventId}:${rule.id}`);
          const input: AutomationExecutionInput = {
            executionId,
            ruleId: rule.id,
            ruleName: rule.name,
            companyId: event.companyId ?? rule.company_id,
            event: {
              id: eventId,
              type: event.type,
              companyId: event.companyId,
              entityType: event.entityType,
              entityId: event.entityId,
              data: event.data,
              depth,
            },
            conditions: rule.conditions,
            actions: rule.actions,
            requiresApproval: rule.requires_approval,
            approvalTimeoutHours: rule.approval_timeout_hours,
            approverRole: rule.approver_role,
          };
          await automation.insertExecution(
            {
              id: executionId,
              rule_id: rule.id,
              event_id: eventId,
              company_id: input.companyId,
              trigger_event: event.type,
              entity_type: event.entityType,
              entity_id: event.entityId,
              status: 'pending',
              rule_snapshot: input,
              workflow_id: workflowIds.automation(executionId, rule.requires_approval),
              created_at: new Date(event.occurredAt),
            },
            trx,
          );
        }
      });
      const executions = await automation.executionsOfEvent(eventId);
      // Executions past `pending` have their workflow; the others are started (or found started).
      await Promise.all(executions.filter((e) => e.status === 'pending').map(start));
      if (event.type === 'proposal.accepted' && event.companyId) await pushToAts(event.companyId, event.entityId);
      return { eventId, executionIds: executions.map((e) => e.id) };
    },
  };
}

export type EventPublisher = ReturnType<typeof createEventPublisher>;
