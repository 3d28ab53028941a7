import type { Actor } from './actors.js';
import { type CommandCheck, forbidden, requireExtensionDays, requirePlatformAdmin, requireReason, requireThat } from './command-rules.js';
import type { ProtectionView } from './protection.js';

/** A command on a candidate's protection (the claim itself is first-wins, not checked here). */
export type ProtectionCommandCall =
  | { command: 'release'; actor: Actor }
  | { command: 'override'; actor: Actor; recruiterId: string; reason: string }
  | { command: 'extend'; actor: Actor; days: number; reason: string };

/** Where the protection stands when a command arrives. */
export interface ProtectionSituation extends Pick<ProtectionView, 'state' | 'recruiterId'> {
  /** Another change is being recorded (the API has no such moment: false). */
  changing: boolean;
}

/** The one check behind a protection command (product §3.4): the sourcer releases, admins override or extend. */
export function checkProtectionCommand(call: ProtectionCommandCall, protection: ProtectionSituation): CommandCheck {
  switch (call.command) {
    case 'release':
      return requireSourcer(call.actor, protection.recruiterId) ?? requireProtected(protection) ?? requireNoChangeRecording(protection);
    case 'override':
      return (
        requireAdminDecision(call.actor, call.reason, protection) ??
        requireThat(call.recruiterId !== protection.recruiterId, 'this recruiter already owns the candidate')
      );
    case 'extend':
      return requireAdminDecision(call.actor, call.reason, protection) ?? requireExtensionDays(call.days);
  }
}

function requireSourcer(actor: Actor, sourcerId: string | null): CommandCheck {
  const isSourcer = actor.role === 'recruiter' && actor.recruiterId === sourcerId;
  return isSourcer ? undefined : forbidden('only the sourcer can release the protection');
}

function requireProtected(protection: ProtectionSituation): CommandCheck {
  return requireThat(protection.state === 'protected', `the candidate is ${protection.state}, not protected`);
}

function requireNoChangeRecording(protection: ProtectionSituation): CommandCheck {
  return requireThat(!protection.changing, 'another change of this protection is being recorded');
}

function requireAdminDecision(actor: Actor, reason: string | undefined, protection: ProtectionSituation): CommandCheck {
  return (
    requirePlatformAdmin(actor, 'only a platform admin can do this') ??
    requireReason(reason) ??
    requireProtected(protection) ??
    requireNoChangeRecording(protection)
  );
}
