import type { Actor } from './actors.js';
import { FAILURE_TYPES } from './failure-types.js';
import { EXTENSION_DAYS } from './limits.js';
import { unstorableCharacter } from './text-rules.js';

/**
 * The pieces every process's `check…Command()` rule is made of. A rule is pure: it returns the
 * first refusal that applies, or nothing, so the workflow's update validator and the API's
 * pre-check refuse the same commands with the same type and message.
 */

/** Why a command is refused: the `ApplicationFailure` type and message its caller sees. */
export interface Refusal {
  type: string;
  message: string;
}

/** A rule's answer: a refusal, or `undefined` when the command may go ahead. Chain checks with `??`. */
export type CommandCheck = Refusal | undefined;

export function forbidden(message: string): Refusal {
  return { type: FAILURE_TYPES.Forbidden, message };
}

export function invalidState(message: string): Refusal {
  return { type: FAILURE_TYPES.InvalidState, message };
}

/** Refused as `InvalidState` with `message` unless `ok`. */
export function requireThat(ok: boolean, message: string): CommandCheck {
  return ok ? undefined : invalidState(message);
}

/**
 * Whether `actor` has one of `roles` and acts for `companyId`. Platform admins act for every
 * company; anyone else only for their own (never for a process without a company).
 */
export function actsForCompany(actor: Actor, roles: readonly string[], companyId: string | null | undefined): boolean {
  if (!roles.includes(actor.role)) return false;
  return actor.role === 'platform_admin' || (!!companyId && actor.companyId === companyId);
}

export function requirePlatformAdmin(actor: Actor, message: string): CommandCheck {
  return actor.role === 'platform_admin' ? undefined : forbidden(message);
}

/** A reason that is more than blanks (its length is the API's schema's to check: REASON_MAX_LENGTH). */
export function requireReason(reason: string | undefined, message = 'a reason is required'): CommandCheck {
  return requireThat(!!reason?.trim(), message);
}

/** A reason the product can store (text-rules.ts), checked before a step that would write it too late to refuse. */
export function requireStorableReason(reason: string | undefined): CommandCheck {
  const bad = reason === undefined ? undefined : unstorableCharacter(reason);
  return bad ? { type: FAILURE_TYPES.InvalidData, message: `the reason contains ${bad}` } : undefined;
}

/** A window's extension: whole days within EXTENSION_DAYS. */
export function requireExtensionDays(days: number): CommandCheck {
  const ok = Number.isInteger(days) && days >= EXTENSION_DAYS.min && days <= EXTENSION_DAYS.max;
  return requireThat(ok, `extend by ${EXTENSION_DAYS.min} to ${EXTENSION_DAYS.max} days`);
}
