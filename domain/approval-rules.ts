import type { Actor } from './actors.js';
import type { ApprovalView, AutomationExecutionInput } from './automation.js';
import { type CommandCheck, actsForCompany, forbidden, invalidState } from './command-rules.js';
import { FAILURE_TYPES } from './failure-types.js';

/** Who decides an execution's approval: its approver role of its company, or a platform admin. */
export type ApprovalParties = Pick<AutomationExecutionInput, 'approverRole' | 'companyId'>;

/** Where the approval stands when an answer arrives. */
export interface ApprovalSituation {
  approval: ApprovalView | null;
  /** Another answer is being recorded (the API has no such moment: false). */
  beingDecided: boolean;
  /** The workflow's time, epoch milliseconds. */
  now: number;
}

/**
 * The one check behind approving or rejecting an automation execution (product §3.5):
 * pending, not being decided, not expired, and the actor may decide it.
 */
export function checkApprovalCommand(
  actor: Actor,
  parties: ApprovalParties,
  { approval, beingDecided, now }: ApprovalSituation,
): CommandCheck {
  if (approval?.status !== 'pending') {
    return invalidState(approval ? `this approval is already ${approval.status}` : 'this execution is not waiting for approval');
  }
  if (beingDecided) return invalidState('this approval is being decided');
  if (now >= new Date(approval.expiresAt).getTime()) {
    return { type: FAILURE_TYPES.ApprovalExpired, message: 'this approval has expired' };
  }
  return mayDecide(actor, parties)
    ? undefined
    : forbidden(`only a ${parties.approverRole.replace('_', ' ')} of this company can decide this approval`);
}

export function mayDecide(actor: Actor, parties: ApprovalParties): boolean {
  return actsForCompany(actor, [parties.approverRole, 'platform_admin'], parties.companyId);
}
