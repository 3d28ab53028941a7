import { ApplicationFailure } from '@temporalio/activity';
import type { Db, Executor } from '../../lib/db.js';
import { payoutsDal, type PayoutStatus, type SplitRow, type Tranche } from '../../db/dal/payouts.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { allocateTrancheWithFee } from '../../domain/money.js';
import type { Actor } from '../../domain/actors.js';
import { withTransaction } from '../../db/dal/once.js';

export interface PreparePayoutInput {
  payoutId: string;
  workflowId: string;
  placementId: string;
  tranche: Tranche;
  amountCents: number;
  currency: string;
  /** Workflow time (ISO). */
  at: string;
}

export type { AdminSplitAction, SplitState } from '../../domain/payout.js';
import type { AdminSplitAction, SplitState } from '../../domain/payout.js';

export interface AdminSplitInput {
  payoutId: string;
  splitId: string;
  action: AdminSplitAction;
  actor: Actor;
  reason?: string;
  /** The attempt the admin acted on: makes the action idempotent under activity retries. */
  attempt: number;
}

export const toSplitState = (s: SplitRow): SplitState => ({
  splitId: s.id,
  collaboratorId: s.collaborator_id,
  recruiterId: s.recruiter_id,
  amountCents: s.amount_cents,
  status: s.status,
  blockReason: s.block_reason,
});

const SYSTEM = { actor_role: 'system', actor_user_id: null };

/** Makes `account` the recruiter's connected account for future payouts; what it was and is, for the audit row. */
async function switchRecruiterAccount(trx: Executor, recruiterId: string, account: string) {
  const from = await payoutsDal(trx).switchRecruiterAccount(recruiterId, account, trx);
  return { recruiterId, from, to: account };
}

/** Postgres side of split payouts: the payout and its splits, admin actions, completion. */
export function createPayoutDbActivities({ db }: { db: Db }) {
  const payouts = payoutsDal(db);

  return {
    /**
     * Creates the payout and one split per collaborator (the platform fee off the top, then
     * largest remainder: fee and splits sum to the tranche) and locks the placement's splits, in one transaction; a retry returns what
     * the first attempt wrote.
     */
    async preparePayout(input: PreparePayoutInput): Promise<SplitState[]> {
      return withTransaction(db, async (trx) => {
        // The placement row lock orders this against collaborator edits.
        const placement = await payouts.lockPlacement(input.placementId, trx);
        if (!placement) throw ApplicationFailure.nonRetryable(`placement ${input.placementId} not found`, FAILURE_TYPES.PlacementNotFound);
        const existing = await payouts.findPayout(input.payoutId, trx);
        if (existing) return (await payouts.splits(input.payoutId, trx)).map(toSplitState);

        const collaborators = await payouts.collaborators(input.placementId, trx);
        if (collaborators.length === 0) {
          throw ApplicationFailure.nonRetryable(`placement ${input.placementId} has no collaborators`, FAILURE_TYPES.NoCollaborators);
        }
        const at = new Date(input.at);
        if (!placement.splits_locked_at) await payouts.lockSplitsOf(input.placementId, at, trx);
        // The platform keeps its fee (the placement's, as recorded) on the platform balance; the splits share the rest.
        const { platformFeeCents, amounts } = allocateTrancheWithFee(
          input.amountCents,
          collaborators.map((c) => c.split_bps),
          placement.platform_fee_bps,
        );
        const accounts = await payouts.recruiterAccounts(
          collaborators.map((c) => c.recruiter_id),
          trx,
        );
        await payouts.insertPayout(
          {
            id: input.payoutId,
            placement_id: input.placementId,
            tranche: input.tranche,
            amount_cents: input.amountCents,
            platform_fee_cents: platformFeeCents,
            currency: input.currency,
            status: 'processing',
            workflow_id: input.workflowId,
            created_at: at,
          },
          trx,
        );
        await payouts.insertSplits(
          collaborators.map((c, i) => ({
            payout_id: input.payoutId,
            collaborator_id: c.id,
            recruiter_id: c.recruiter_id,
            amount_cents: amounts[i]!,
            stripe_account_id: accounts.get(c.recruiter_id) ?? null,
            updated_at: at,
          })),
          trx,
        );
        const splits = await payouts.splits(input.payoutId, trx);
        await payouts.audit(
          {
            payout_id: input.payoutId,
            event: 'payout_created',
            new_status: 'processing',
            ...SYSTEM,
            details: {
              tranche: input.tranche,
              amountCents: input.amountCents,
              platformFeeCents,
              currency: input.currency,
              splits: splits.map((s) => ({ splitId: s.id, collaboratorId: s.collaborator_id, amountCents: s.amount_cents })),
            },
            event_key: `${input.payoutId}:created`,
          },
          trx,
        );
        return splits.map(toSplitState);
      });
    },

    /**
     * An admin's answer to a blocked split: retry (a new transfer attempt), change the split's
     * connected account (then retry) — and, if the admin chose so, the recruiter's account for
     * future payouts, in the same transaction and audit row — or cancel it (reason required).
     */
    async resolveBlockedSplit(input: AdminSplitInput): Promise<SplitState> {
      return withTransaction(db, async (trx) => {
        const split = await payouts.lockSplit(input.splitId, trx);
        if (!split || split.payout_id !== input.payoutId) {
          throw ApplicationFailure.nonRetryable(
            `split ${input.splitId} is not part of payout ${input.payoutId}`,
            FAILURE_TYPES.InvalidState,
          );
        }
        const applied = input.action.kind === 'cancel' ? split.status === 'cancelled' : split.transfer_attempt > input.attempt;
        if (applied) return toSplitState(split);
        if (split.status !== 'blocked' || split.transfer_attempt !== input.attempt) {
          throw ApplicationFailure.nonRetryable(`split ${input.splitId} is ${split.status}, not blocked`, FAILURE_TYPES.InvalidState);
        }
        const patch =
          input.action.kind === 'cancel'
            ? { status: 'cancelled' as const }
            : {
                status: 'pending' as const,
                block_reason: null,
                transfer_attempt: split.transfer_attempt + 1,
                ...(input.action.kind === 'change_account' && { stripe_account_id: input.action.stripeAccountId }),
              };
        await payouts.updateSplit(split.id, patch, trx);
        const recruiterAccount =
          input.action.kind === 'change_account' && input.action.updateRecruiterAccount
            ? await switchRecruiterAccount(trx, split.recruiter_id, input.action.stripeAccountId)
            : undefined;
        await payouts.audit(
          {
            payout_id: input.payoutId,
            split_id: split.id,
            event: `split_${input.action.kind}`,
            old_status: 'blocked',
            new_status: patch.status,
            actor_user_id: input.actor.userId,
            actor_role: input.actor.role,
            reason: input.action.kind === 'cancel' ? input.action.reason : (input.reason ?? null),
            details:
              input.action.kind === 'change_account'
                ? { from: split.stripe_account_id, to: input.action.stripeAccountId, recruiterAccount: recruiterAccount ?? null }
                : undefined,
            event_key: `${split.id}:${input.action.kind}:attempt-${input.attempt}`,
          },
          trx,
        );
        const anyBlocked = (await payouts.splits(input.payoutId, trx)).some((s) => s.status === 'blocked');
        if (!anyBlocked) await payouts.setPayoutStatus(input.payoutId, 'processing', trx);
        return toSplitState({ ...split, ...patch });
      });
    },

    /** Closes the payout once no split is pending or blocked: paid, or cancelled if nothing was paid. */
    async completePayout(input: { payoutId: string }): Promise<PayoutStatus> {
      return withTransaction(db, async (trx) => {
        const payout = await payouts.lockPayout(input.payoutId, trx);
        if (!payout) throw ApplicationFailure.nonRetryable(`payout ${input.payoutId} not found`, FAILURE_TYPES.InvalidState);
        if (payout.status === 'paid' || payout.status === 'cancelled') return payout.status;
        const splits = await payouts.splits(input.payoutId, trx);
        const open = splits.filter((s) => s.status === 'pending' || s.status === 'blocked');
        if (open.length)
          throw ApplicationFailure.nonRetryable(
            `payout ${input.payoutId} still has ${open.length} open splits`,
            FAILURE_TYPES.InvalidState,
          );
        const status: PayoutStatus = splits.some((s) => s.status === 'paid') ? 'paid' : 'cancelled';
        await payouts.setPayoutStatus(input.payoutId, status, trx);
        await payouts.audit(
          {
            payout_id: input.payoutId,
            event: `payout_${status}`,
            old_status: payout.status,
            new_status: status,
            ...SYSTEM,
            details: { paidCents: splits.filter((s) => s.status === 'paid').reduce((sum, s) => sum + s.amount_cents, 0) },
            event_key: `${input.payoutId}:${status}`,
          },
          trx,
        );
        return status;
      });
    },
  };
}
