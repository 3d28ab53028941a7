import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './actors.js';
import type { AutomationAction, Condition } from './automation-rules.js';
import type { DomainEvent } from './events.js';

/** One triggered automation rule (product §3.5): statuses, approvals, the execution's input, view and messages. */
export const EXECUTION_STATUSES = [
  'pending',
  'awaiting_approval',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'rejected',
  'expired',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export const APPROVER_ROLES = ['company_admin', 'hiring_manager', 'platform_admin'] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];
/** Who made a recorded decision (decision_audit_log). */
export const DECISION_SOURCES = ['human', 'ai', 'system'] as const;
export type DecisionSource = (typeof DECISION_SOURCES)[number];

/** One triggered rule: the rule as it was when the event arrived, and the event. */
export interface AutomationExecutionInput {
  executionId: string;
  ruleId: string;
  ruleName: string;
  /** Whose approvers decide: the event's company (else the rule's). */
  companyId: string | null;
  event: DomainEvent;
  conditions: Condition | null;
  actions: AutomationAction[];
  requiresApproval: boolean;
  approvalTimeoutHours: number;
  approverRole: ApproverRole;
}

export interface ActionOutcome {
  type: AutomationAction['type'];
  status: 'done' | 'failed';
  result?: unknown;
  error?: string;
}

export interface ApprovalView {
  status: ApprovalStatus;
  expiresAt: string;
  decidedBy: string | null;
  comment: string | null;
}

export interface AutomationView {
  executionId: string;
  status: ExecutionStatus;
  conditionsMet: boolean | null;
  approval: ApprovalView | null;
  actionsTaken: ActionOutcome[];
  error: string | null;
}

export interface ApprovalCommand {
  actor: Actor;
  comment?: string;
}

export const approveExecutionUpdate = defineUpdate<AutomationView, [ApprovalCommand]>('approveExecution');
export const rejectExecutionUpdate = defineUpdate<AutomationView, [ApprovalCommand]>('rejectExecution');
export const automationStateQuery = defineQuery<AutomationView>('automationState');

/** The automation execution workflow's signature: started by name (WORKFLOW_TYPES.automation) with typed args. */
export type AutomationExecutionWorkflow = (input: AutomationExecutionInput) => Promise<AutomationView>;
