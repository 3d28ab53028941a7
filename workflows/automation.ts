import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { AutomationActivities } from '../activities/index.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/actors.js';
import {
  type ApprovalCommand,
  type AutomationExecutionInput,
  type AutomationView,
  type ExecutionStatus,
  approveExecutionUpdate,
  automationStateQuery,
  rejectExecutionUpdate,
} from '../domain/automation.js';
import { type AutomationAction, evaluateCondition } from '../domain/automation-rules.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { commandWriter } from './failures.js';

// The messages live in domain/ (the API sends them without loading workflow code); re-exported beside the workflow.
export {
  type ActionOutcome,
  type ApprovalCommand,
  type ApprovalView,
  type ApproverRole,
  type AutomationExecutionInput,
  type AutomationView,
  type ExecutionStatus,
  approveExecutionUpdate,
  automationStateQuery,
  rejectExecutionUpdate,
} from '../domain/automation.js';
export type { DomainEvent } from '../domain/events.js';

const db = proxyActivities<AutomationActivities>(DATABASE_ACTIVITY);
const email = proxyActivities<AutomationActivities>(NOTIFICATION_ACTIVITY);

const HOUR_MS = 3_600_000;
/** An approval's answer counts only once it is recorded (before: at once, then recorded). */
const DECISION_AFTER_WRITE = 'automation-decision-after-write';

/**
 * One triggered automation rule (product §3.5): evaluates the rule's conditions against the
 * event, and — when the rule takes a high-impact action — asks the approver role and
 * waits for an approve / reject update up to the timeout (expired: nothing is done).
 * Every path ends with a complete execution record.
 */
export async function automationExecutionWorkflow(input: AutomationExecutionInput): Promise<AutomationView> {
  const view: AutomationView = { executionId: input.executionId, status: 'pending', conditionsMet: null, approval: null, actionsTaken: [], error: null };
  let decision: { status: 'approved' | 'rejected'; actor: Actor; comment: string | null } | undefined;
  let decisionRecorded = false;
  const commands = commandWriter(DECISION_AFTER_WRITE);
  const now = () => new Date().toISOString();
  const refuse = (type: string, message: string): never => { throw ApplicationFailure.create({ type, message }); };
  const show = () =>
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.AutomationStatus, value: view.status },
      { key: SEARCH_ATTRIBUTES.NeedsAttention, value: view.status === 'awaiting_approval' },
    ]);

  setHandler(automationStateQuery, () => view);

  const decide = (status: 'approved' | 'rejected') => async ({ actor, comment }: ApprovalCommand) => {
    const answer = { status, actor, comment: comment?.trim() || null };
    // While it is recorded, a second answer is refused and the timer waits; a refused record leaves the approval pending.
    await commands.run(
      `approval ${status}`,
      () => db.recordApprovalDecision({ executionId: input.executionId, status, actor, comment: answer.comment, at: now() }),
      () => {
        decision = answer;
        Object.assign(view.approval!, { status, decidedBy: actor.userId, comment: answer.comment });
        view.status = status === 'approved' ? 'running' : 'rejected';
        show();
      },
    );
    decisionRecorded = true;
    return view;
  };
  const validator = ({ actor }: ApprovalCommand) => {
    if (view.approval?.status !== 'pending') {
      refuse(FAILURE_TYPES.InvalidState, view.approval ? `this approval is already ${view.approval.status}` : 'this execution is not waiting for approval');
    }
    if (commands.writing) refuse(FAILURE_TYPES.InvalidState, 'this approval is being decided');
    if (Date.now() >= new Date(view.approval!.expiresAt).getTime()) refuse(FAILURE_TYPES.ApprovalExpired, 'this approval has expired');
    const roleFits = actor.role === 'platform_admin' || (actor.role === input.approverRole && !!input.companyId && actor.companyId === input.companyId);
    if (!roleFits) refuse(FAILURE_TYPES.Forbidden, `only a ${input.approverRole.replace('_', ' ')} of this company can decide this approval`);
  };
  setHandler(approveExecutionUpdate, decide('approved'), { validator });
  setHandler(rejectExecutionUpdate, decide('rejected'), { validator });

  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: input.companyId ?? 'marketplace' }]);
  const evaluation = evaluateCondition(input.conditions, input.event.data);
  view.conditionsMet = evaluation.met;
  await db.recordConditions({ executionId: input.executionId, met: evaluation.met, trace: evaluation.trace });
  if (!evaluation.met) return finish('skipped');

  if (input.requiresApproval) {
    const expiresAt = new Date(Date.now() + input.approvalTimeoutHours * HOUR_MS).toISOString();
    view.approval = { status: 'pending', expiresAt, decidedBy: null, comment: null };
    await db.openApproval({
      executionId: input.executionId, companyId: input.companyId, approverRole: input.approverRole, requestedAt: now(), expiresAt,
      summary: { ruleName: input.ruleName, trigger: input.event.type, entityType: input.event.entityType, entityId: input.event.entityId, actions: input.actions },
    });
    view.status = 'awaiting_approval';
    show();
    await askApprovers();
    if (!(await condition(() => decision !== undefined, Math.max(1, new Date(expiresAt).getTime() - Date.now()))) && !(await answeredMeanwhile())) {
      view.approval.status = 'expired';
      view.status = 'expired';
      show();
      await db.recordApprovalDecision({ executionId: input.executionId, status: 'expired', actor: SYSTEM_ACTOR, comment: null, at: now() });
      return finish('expired');
    }
    await condition(() => decisionRecorded);
    if (decision!.status === 'rejected') return finish('rejected');
  }

  view.status = 'running';
  show();
  for (const [index, action] of input.actions.entries()) {
    try {
      const result = await runAction(action, `${input.executionId}:${index}`, decision?.actor);
      view.actionsTaken.push({ type: action.type, status: 'done', result });
    } catch (err) {
      const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      view.actionsTaken.push({ type: action.type, status: 'failed', error: message });
      view.error = `action ${index + 1} (${action.type}) failed: ${message}`;
      return finish('failed'); // the remaining actions are not taken
    }
  }
  return finish('succeeded');

  /** Whether an answer being recorded when the approval expired was recorded (a refused one was not). */
  async function answeredMeanwhile(): Promise<boolean> {
    await commands.settled();
    return decision !== undefined;
  }

  async function finish(status: ExecutionStatus): Promise<AutomationView> {
    view.status = status;
    show();
    await db.finishExecution({ executionId: input.executionId, status, conditionsMet: view.conditionsMet, actionsTaken: view.actionsTaken, error: view.error, at: now() });
    await condition(allHandlersFinished);
    return view;
  }

  function runAction(action: AutomationAction, key: string, approvedBy: Actor | undefined): Promise<unknown> {
    const context = { key, executionId: input.executionId, event: input.event, approvedBy: approvedBy ?? null, at: now() };
    switch (action.type) {
      case 'advance_stage': return db.changeApplicationStage({ ...context, stage: action.stage, reason: `automation rule "${input.ruleName}"` });
      case 'reject_application': return db.changeApplicationStage({ ...context, stage: 'rejected', reason: action.reason });
      case 'create_task': return db.createRecruiterTask({ ...context, title: action.title, dueInDays: action.dueInDays });
      case 'send_email': return email.sendAutomationEmail({ ...context, template: action.template, to: action.to });
    }
  }

  async function askApprovers() {
    try {
      await email.sendApprovalRequestEmail({ executionId: input.executionId });
    } catch {
      // The request is in the approvals inbox and the Web UI (NeedsAttention); a failing e-mail must not hold it.
    }
  }
}
