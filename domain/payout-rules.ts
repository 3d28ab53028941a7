import type { Actor } from './actors.js';
import { type CommandCheck, requirePlatformAdmin, requireReason, requireThat, invalidState } from './command-rules.js';
import { STRIPE_ACCOUNT_ID, type SplitState } from './payout.js';

/** An admin's answer to a blocked split, and its arguments. */
export type SplitCommandCall =
  | { command: 'retry'; actor: Actor; splitId: string }
  | { command: 'changeAccount'; actor: Actor; splitId: string; stripeAccountId: string }
  | { command: 'cancel'; actor: Actor; splitId: string; reason?: string };

/** The split the command names, as the payout knows it (`undefined`: not one of its splits). */
export interface SplitSituation {
  split: Pick<SplitState, 'status'> | undefined;
  /** Another answer to this split is being recorded. */
  resolving: boolean;
}

/** The one check behind an admin's answer to a blocked split (product §3.3). */
export function checkSplitCommand(call: SplitCommandCall, { split, resolving }: SplitSituation): CommandCheck {
  return requireAdminOrSystem(call) ?? requireBlocked(call.splitId, split, resolving) ?? checkArguments(call);
}

/**
 * Platform admins answer blocked splits; the system may too when a recruiter's connected account
 * becomes able to receive transfers (retry, or the new account; never a cancel). The API never
 * sends the system actor (it takes actors from verified credentials).
 */
function requireAdminOrSystem(call: SplitCommandCall): CommandCheck {
  if (call.actor.role === 'system' && call.command !== 'cancel') return undefined;
  return requirePlatformAdmin(call.actor, 'only a platform admin can resolve a blocked split');
}

function requireBlocked(splitId: string, split: SplitSituation['split'], resolving: boolean): CommandCheck {
  if (!split) return invalidState(`split ${splitId} is not part of this payout`);
  if (split.status === 'blocked' && !resolving) return undefined;
  return invalidState(`split ${splitId} is ${resolving ? 'being resolved' : split.status}, not blocked`);
}

function checkArguments(call: SplitCommandCall): CommandCheck {
  switch (call.command) {
    case 'retry':
      return undefined;
    case 'changeAccount':
      return requireThat(STRIPE_ACCOUNT_ID.test(call.stripeAccountId), 'not a Stripe connected account id (acct_…)');
    case 'cancel':
      return requireReason(call.reason, 'cancelling a split requires a reason');
  }
}
