import type { Actor } from './actors.js';
import {
  type CommandCheck,
  actsForCompany,
  forbidden,
  requireExtensionDays,
  requireReason,
  requireStorableReason,
  requireThat,
} from './command-rules.js';
import type { PlacementInput, PlacementState } from './placement.js';

/** Who may run a placement's company-side commands (activate, report a failure, choose, collaborators). */
const COMPANY_ROLES = ['company_admin', 'platform_admin'] as const;
const ADMIN_ROLES = ['platform_admin'] as const;

/** What the placement's commands are checked against: its company and where its guarantee stands. */
export interface PlacementSituation {
  companyId: string;
  state: PlacementState | null;
  /** Active, no failure waiting, no resolution chosen, no command being recorded. */
  guaranteeRunning: boolean;
  /** A reported failure waits for the company's replacement or refund (none chosen yet). */
  failureAwaitingDecision: boolean;
  /** The fee invoice is open (not paid, not void) and no payment command is being recorded. */
  paymentOpen?: boolean;
  /** A refund or reversal Stripe refused waits for a platform admin's retry or cancel. */
  refundBlocked?: boolean;
}

/** A placement command and its arguments, as the update carries them. */
export type PlacementCommandCall =
  | { command: 'activateEarly'; actor: Actor }
  | { command: 'extendGuarantee'; actor: Actor; days: number; reason: string }
  | { command: 'reportFailure'; actor: Actor; reason: string }
  | { command: 'chooseReplacement'; actor: Actor; candidateId: string }
  | { command: 'chooseRefund'; actor: Actor; reason?: string }
  | { command: 'releaseEarly'; actor: Actor; reason: string }
  | { command: 'replaceCollaborators'; actor: Actor; collaborators: PlacementInput['collaborators'] }
  | { command: 'markFeePaid' | 'voidFee'; actor: Actor; reason: string }
  | { command: 'extendPaymentDue'; actor: Actor; days: number; reason: string }
  | { command: 'retryRefund'; actor: Actor; reason?: string }
  | { command: 'cancelRefund'; actor: Actor; reason: string };

const UUID = /^[0-9a-f-]{36}$/i;

/** The one check behind a placement command (product §3.2): the first refusal that applies, or nothing. */
export function checkPlacementCommand(call: PlacementCommandCall, placement: PlacementSituation): CommandCheck {
  switch (call.command) {
    case 'activateEarly':
      return (
        requireRole(call.actor, COMPANY_ROLES, placement) ??
        requireThat(placement.state === 'hired', `cannot activate a placement that is ${placement.state}`)
      );
    case 'extendGuarantee':
      return (
        requireRole(call.actor, ADMIN_ROLES, placement) ??
        requireThat(placement.guaranteeRunning, 'only a running guarantee can be extended') ??
        requireExtensionDays(call.days) ??
        requireReason(call.reason)
      );
    case 'reportFailure':
      return (
        requireRole(call.actor, COMPANY_ROLES, placement) ??
        requireThat(placement.guaranteeRunning, 'a failure can only be reported inside a running guarantee') ??
        requireReason(call.reason)
      );
    case 'chooseReplacement':
      return requireFailureDecision(call.actor, placement) ?? requireThat(UUID.test(call.candidateId), 'candidateId must be a UUID');
    case 'chooseRefund':
      // The refund's reason is written by the main flow after money moved: refused now, not left to fail there.
      return requireFailureDecision(call.actor, placement) ?? requireStorableReason(call.reason);
    case 'releaseEarly':
      return (
        requireRole(call.actor, ADMIN_ROLES, placement) ??
        requireThat(placement.guaranteeRunning, 'only a running guarantee can be released early') ??
        requireReason(call.reason) ??
        requireStorableReason(call.reason)
      );
    case 'replaceCollaborators':
      return (
        requireRole(call.actor, COMPANY_ROLES, placement) ??
        requireThat(placement.state === 'hired', 'collaborators can change only before the first payout')
      );
    // Money in (product §3.3): platform admins settle what Stripe cannot.
    case 'markFeePaid':
    case 'voidFee':
      return requirePaymentCommand(call.actor, placement) ?? requireReason(call.reason) ?? requireStorableReason(call.reason);
    case 'extendPaymentDue':
      return (
        requirePaymentCommand(call.actor, placement) ??
        requireThat(
          Number.isInteger(call.days) && call.days >= 1 && call.days <= MAX_PAYMENT_EXTENSION_DAYS,
          `days must be a whole number from 1 to ${MAX_PAYMENT_EXTENSION_DAYS}`,
        ) ??
        requireReason(call.reason) ??
        requireStorableReason(call.reason)
      );
    case 'retryRefund':
      return requireBlockedRefund(call.actor, placement) ?? requireStorableReason(call.reason);
    case 'cancelRefund':
      return requireBlockedRefund(call.actor, placement) ?? requireReason(call.reason) ?? requireStorableReason(call.reason);
  }
}

/** The most days one extension adds to a fee invoice's due date. */
export const MAX_PAYMENT_EXTENSION_DAYS = 90;

function requirePaymentCommand(actor: Actor, placement: PlacementSituation): CommandCheck {
  return (
    requireRole(actor, ADMIN_ROLES, placement) ??
    requireThat(placement.paymentOpen === true, 'the fee invoice is not open (paid, void, or not created yet)')
  );
}

function requireBlockedRefund(actor: Actor, placement: PlacementSituation): CommandCheck {
  return requireRole(actor, ADMIN_ROLES, placement) ?? requireThat(placement.refundBlocked === true, 'no refund or reversal is blocked');
}

function requireRole(actor: Actor, roles: readonly string[], placement: PlacementSituation): CommandCheck {
  if (actsForCompany(actor, roles, placement.companyId)) return undefined;
  return forbidden(`requires role ${roles.join(' or ')} of this company`);
}

function requireFailureDecision(actor: Actor, placement: PlacementSituation): CommandCheck {
  return (
    requireRole(actor, COMPANY_ROLES, placement) ??
    requireThat(placement.failureAwaitingDecision, 'no reported failure is waiting for a decision')
  );
}
