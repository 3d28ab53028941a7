import type { z } from 'zod';
import { blocks, type SourcerRow } from '../db/dal/sourcing.js';
import type { AuthedActor } from './auth.js';
import type { sourcingDto } from './routes/candidates.schemas.js';

/** Sourcing status as the actor may see it: who owns the candidate only for the owner and platform admins. */
export function sourcingView(
  candidateId: string,
  row: SourcerRow | undefined,
  actor: AuthedActor,
  now = new Date(),
): z.infer<typeof sourcingDto> {
  const mine = !!row && actor.recruiterId === row.recruiter_id;
  const named = row && (mine || actor.role === 'platform_admin');
  return {
    candidateId,
    state: row?.protection_state ?? 'unclaimed',
    recruiterId: named ? row.recruiter_id : null,
    recruiterName: named ? (row.recruiter_name ?? null) : null,
    ownedByYou: mine,
    claimedAt: row?.claimed_at.toISOString() ?? null,
    protectionEndsAt: row?.protection_ends_at.toISOString() ?? null,
    protectedNow: blocks(row, null, now),
    /** The `protection-…` workflow, for operators; null for other callers and before the first claim. */
    workflowId: row && actor.role === 'platform_admin' ? row.workflow_id : null,
  };
}
