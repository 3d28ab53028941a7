import { ApplicationFailure } from '@temporalio/activity';
import type { Db, Executor } from '../../lib/db.js';
import { settingsDal } from '../../db/dal/settings.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import type { Actor } from '../../domain/actors.js';
import { sourcingDal } from '../../db/dal/sourcing.js';
import { withTransaction } from '../../db/dal/once.js';

export interface ClaimInput {
  candidateId: string;
  recruiterId: string;
  actor: Actor;
  /** The job the claim is made for: its company's window applies (else the marketplace default). */
  jobId?: string;
  workflowId: string;
  at: string;
}

export interface Protection {
  recruiterId: string;
  protectionEndsAt: string;
  noticeDaysBefore: number;
}

export interface MarketplaceEvent {
  key: string;
  type: string;
  candidateId: string;
  recruiterId?: string | null;
  actor: Actor;
  details?: unknown;
  at: string;
}

/** A change of the protection: new end, new owner or new state, with the admin decision behind it. */
export interface ProtectionChange {
  candidateId: string;
  key: string;
  actor: Actor;
  at: string;
  reason?: string | null;
  state?: 'protected' | 'released' | 'expired';
  protectionEndsAt?: string;
  recruiterId?: string;
  /** Recorded in decision_audit_log (overrides, extensions, releases). */
  decision?: string;
}

const DAY_MS = 86_400_000;

async function recordEvent(trx: Executor, e: MarketplaceEvent) {
  await sourcingDal(trx).recordEvent({
    type: e.type,
    candidate_id: e.candidateId,
    recruiter_id: e.recruiterId ?? null,
    actor_user_id: e.actor.userId,
    actor_role: e.actor.role,
    details: e.details === undefined ? null : JSON.stringify(e.details),
    occurred_at: new Date(e.at),
    event_key: e.key,
  });
}

/** Postgres side of candidate ownership: the first claim, protection changes, marketplace events. */
export function createProtectionDbActivities({ db }: { db: Db }) {
  const settings = settingsDal(db);
  const sourcing = sourcingDal(db);
  return {
    /** Records the first sourcing claim; the unique constraint on the candidate decides races. */
    async claimCandidate(input: ClaimInput): Promise<Protection> {
      return withTransaction(db, async (trx) => {
        const existing = await sourcing.find(input.candidateId, trx);
        const { windowDays, noticeDaysBefore } = await settings.protectionTerms(input.jobId, trx);
        if (existing) {
          if (existing.recruiter_id === input.recruiterId && existing.workflow_id === input.workflowId) {
            return { recruiterId: existing.recruiter_id, protectionEndsAt: existing.protection_ends_at.toISOString(), noticeDaysBefore };
          }
          throw ApplicationFailure.nonRetryable(
            'this candidate has already been sourced by another recruiter',
            FAILURE_TYPES.AlreadySourced,
          );
        }
        if (!(await sourcing.candidateExists(input.candidateId, trx))) {
          throw ApplicationFailure.nonRetryable(`candidate ${input.candidateId} not found`, FAILURE_TYPES.CandidateNotFound);
        }
        const at = new Date(input.at);
        const endsAt = new Date(at.getTime() + windowDays * DAY_MS);
        await sourcing.claimSourcing(
          {
            candidate_id: input.candidateId,
            recruiter_id: input.recruiterId,
            claimed_at: at,
            window_days: windowDays,
            protection_ends_at: endsAt,
            workflow_id: input.workflowId,
            updated_at: at,
          },
          trx,
        );
        await recordEvent(trx, {
          key: `${input.workflowId}:sourced`,
          type: 'candidate_sourced',
          candidateId: input.candidateId,
          recruiterId: input.recruiterId,
          actor: input.actor,
          details: { windowDays, protectionEndsAt: endsAt.toISOString(), jobId: input.jobId ?? null },
          at: input.at,
        });
        return { recruiterId: input.recruiterId, protectionEndsAt: endsAt.toISOString(), noticeDaysBefore };
      });
    },

    async recordMarketplaceEvent(event: MarketplaceEvent): Promise<void> {
      await recordEvent(db, event);
    },

    /** Applies a change once (keyed), with its decision in decision_audit_log when it is one. */
    async changeProtection(change: ProtectionChange): Promise<void> {
      await withTransaction(db, async (trx) => {
        const row = await sourcing.lock(change.candidateId, trx);
        if (!row) throw ApplicationFailure.nonRetryable(`candidate ${change.candidateId} has no sourcer`, FAILURE_TYPES.InvalidState);
        if (await sourcing.eventRecorded(change.key, trx)) return;
        const patch = {
          ...(change.state && { protection_state: change.state }),
          ...(change.protectionEndsAt && { protection_ends_at: new Date(change.protectionEndsAt) }),
          ...(change.recruiterId && { recruiter_id: change.recruiterId }),
          updated_at: new Date(change.at),
        };
        await sourcing.changeProtection(change.candidateId, patch, trx);
        const details = {
          from: { recruiterId: row.recruiter_id, state: row.protection_state, protectionEndsAt: row.protection_ends_at.toISOString() },
          to: {
            recruiterId: change.recruiterId ?? row.recruiter_id,
            state: change.state ?? row.protection_state,
            protectionEndsAt: change.protectionEndsAt ?? row.protection_ends_at.toISOString(),
          },
        };
        await recordEvent(trx, {
          key: change.key,
          type: `protection_${change.decision ?? change.state}`,
          candidateId: change.candidateId,
          recruiterId: change.recruiterId ?? row.recruiter_id,
          actor: change.actor,
          details: { ...details, reason: change.reason ?? null },
          at: change.at,
        });
        if (change.decision) {
          await sourcing.recordDecision(
            {
              entity_type: 'candidate_protection',
              entity_id: change.candidateId,
              decision: change.decision,
              actor_user_id: change.actor.userId,
              actor_role: change.actor.role,
              reason: change.reason ?? null,
              details: JSON.stringify(details),
              occurred_at: new Date(change.at),
              decision_key: change.key,
            },
            trx,
          );
        }
      });
    },
  };
}
