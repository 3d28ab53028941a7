import { ActivityFailure, allHandlersFinished, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
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
import { checkApprovalCommand } from '../domain/approval-rules.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { refuseIf } from './commands.js';
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

type AutomationDb = Pick<
  AutomationActivities,
  'recordConditions' | 'openApproval' | 'recordApprovalDecision' | 'finishExecution' | 'changeApplicationStage' | 'createRecruiterTask'
>;
const db = proxyActivities<AutomationDb>(DATABASE_ACTIVITY);
const email = proxyActivities<Pick<AutomationActivities, 'sendAutomationEmail' | 'sendApprovalRequestEmail'>>(NOTIFICATION_ACTIVITY);

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
  const execution = new Execution(input);
  execution.acceptCommands();

  if (!(await execution.conditionsMet())) return execution.finish('skipped');
  if (input.requiresApproval) {
    const answer = await execution.awaitApproval();
    if (answer !== 'approved') return execution.finish(answer);
  }
  return execution.finish(await execution.takeActions());
}

interface Decision {
  status: 'approved' | 'rejected';
  actor: Actor;
  comment: string | null;
}

/** One execution's state, the approvers' answers (update handlers) and the steps of the run. */
class Execution {
  readonly view: AutomationView;
  private decision: Decision | undefined;
  private decisionRecorded = false;
  private readonly commands = commandWriter(DECISION_AFTER_WRITE);

  constructor(private readonly input: AutomationExecutionInput) {
    this.view = { executionId: input.executionId, status: 'pending', conditionsMet: null, approval: null, actionsTaken: [], error: null };
  }

  // ── Commands ────────────────────────────────────────────────────────────────────────

  acceptCommands() {
    setHandler(automationStateQuery, () => this.view);
    const validator = ({ actor }: ApprovalCommand) => {
      const situation = { approval: this.view.approval, beingDecided: this.commands.writing, now: Date.now() };
      refuseIf(checkApprovalCommand(actor, this.input, situation));
    };
    setHandler(approveExecutionUpdate, (cmd) => this.decide('approved', cmd), { validator });
    setHandler(rejectExecutionUpdate, (cmd) => this.decide('rejected', cmd), { validator });
  }

  /** While an answer is recorded, a second one is refused and the timer waits; a refused record leaves the approval pending. */
  private async decide(status: Decision['status'], { actor, comment }: ApprovalCommand) {
    const answer = { status, actor, comment: comment?.trim() || null };
    await this.commands.run(
      `approval ${status}`,
      () => db.recordApprovalDecision({ executionId: this.input.executionId, status, actor, comment: answer.comment, at: this.now() }),
      () => {
        this.decision = answer;
        Object.assign(this.view.approval!, { status, decidedBy: actor.userId, comment: answer.comment });
        this.view.status = status === 'approved' ? 'running' : 'rejected';
        this.show();
      },
    );
    this.decisionRecorded = true;
    return this.view;
  }

  // ── The process ─────────────────────────────────────────────────────────────────────

  async conditionsMet(): Promise<boolean> {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: this.input.companyId ?? 'marketplace' }]);
    const evaluation = evaluateCondition(this.input.conditions, this.input.event.data);
    this.view.conditionsMet = evaluation.met;
    await db.recordConditions({ executionId: this.input.executionId, met: evaluation.met, trace: evaluation.trace });
    return evaluation.met;
  }

  /** Asks the approvers and waits for their answer until the approval expires. */
  async awaitApproval(): Promise<'approved' | 'rejected' | 'expired'> {
    const { input, view } = this;
    const expiresAt = new Date(Date.now() + input.approvalTimeoutHours * HOUR_MS).toISOString();
    view.approval = { status: 'pending', expiresAt, decidedBy: null, comment: null };
    await db.openApproval({
      executionId: input.executionId,
      companyId: input.companyId,
      approverRole: input.approverRole,
      requestedAt: this.now(),
      expiresAt,
      summary: {
        ruleName: input.ruleName,
        trigger: input.event.type,
        entityType: input.event.entityType,
        entityId: input.event.entityId,
        actions: input.actions,
      },
    });
    view.status = 'awaiting_approval';
    this.show();
    await this.askApprovers();
    const answered = await condition(() => this.decision !== undefined, Math.max(1, new Date(expiresAt).getTime() - Date.now()));
    if (!answered && !(await this.answeredMeanwhile())) {
      await this.expire();
      return 'expired';
    }
    await condition(() => this.decisionRecorded);
    return this.decision!.status;
  }

  /** Takes the rule's actions in order; the first that fails ends the run (the rest are not taken). */
  async takeActions(): Promise<'succeeded' | 'failed'> {
    const { input, view } = this;
    view.status = 'running';
    this.show();
    for (const [index, action] of input.actions.entries()) {
      try {
        const result = await this.runAction(action, `${input.executionId}:${index}`, this.decision?.actor);
        view.actionsTaken.push({ type: action.type, status: 'done', result });
      } catch (err) {
        const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        view.actionsTaken.push({ type: action.type, status: 'failed', error: message });
        view.error = `action ${index + 1} (${action.type}) failed: ${message}`;
        return 'failed';
      }
    }
    return 'succeeded';
  }

  /** Every path ends here: the complete execution record, once every update has been answered. */
  async finish(status: ExecutionStatus): Promise<AutomationView> {
    const { view } = this;
    view.status = status;
    this.show();
    await db.finishExecution({
      executionId: this.input.executionId,
      status,
      conditionsMet: view.conditionsMet,
      actionsTaken: view.actionsTaken,
      error: view.error,
      at: this.now(),
    });
    await condition(allHandlersFinished);
    return view;
  }

  // ── Steps ───────────────────────────────────────────────────────────────────────────

  /** Whether an answer being recorded when the approval expired was recorded (a refused one was not). */
  private async answeredMeanwhile(): Promise<boolean> {
    await this.commands.settled();
    return this.decision !== undefined;
  }

  private async expire() {
    this.view.approval!.status = 'expired';
    this.view.status = 'expired';
    this.show();
    await db.recordApprovalDecision({
      executionId: this.input.executionId,
      status: 'expired',
      actor: SYSTEM_ACTOR,
      comment: null,
      at: this.now(),
    });
  }

  private runAction(action: AutomationAction, key: string, approvedBy: Actor | undefined): Promise<unknown> {
    const { input } = this;
    const context = { key, executionId: input.executionId, event: input.event, approvedBy: approvedBy ?? null, at: this.now() };
    switch (action.type) {
      case 'advance_stage':
        return db.changeApplicationStage({ ...context, stage: action.stage, reason: `automation rule "${input.ruleName}"` });
      case 'reject_application':
        return db.changeApplicationStage({ ...context, stage: 'rejected', reason: action.reason });
      case 'create_task':
        return db.createRecruiterTask({ ...context, title: action.title, dueInDays: action.dueInDays });
      case 'send_email':
        return email.sendAutomationEmail({ ...context, template: action.template, to: action.to });
    }
  }

  private async askApprovers() {
    try {
      await email.sendApprovalRequestEmail({ executionId: this.input.executionId });
    } catch {
      // The request is in the approvals inbox and the Web UI (NeedsAttention); a failing e-mail must not hold it.
    }
  }

  private show() {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.AutomationStatus, value: this.view.status },
      { key: SEARCH_ATTRIBUTES.NeedsAttention, value: this.view.status === 'awaiting_approval' },
    ]);
  }

  private now(): string {
    return new Date().toISOString();
  }
}
