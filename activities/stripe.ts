import { ApplicationFailure, log } from '@temporalio/activity';
import type Stripe from 'stripe';
import type { Db } from '../lib/db.js';
import { payoutsDal } from '../db/dal/payouts.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { withTransaction } from '../db/dal/once.js';
import { type SplitState, toSplitState } from './db/payouts.js';

/** The Stripe idempotency key of one transfer attempt of one collaborator's share of one payout. */
export const transferIdempotencyKey = (payoutId: string, collaboratorId: string, attempt: number) =>
  `payout-${payoutId}-collaborator-${collaboratorId}-attempt-${attempt}`;

/** Stripe errors retrying cannot fix: the request itself is refused (bad account, capability, params). */
function isPermanent(err: unknown): err is Stripe.errors.StripeError {
  const e = err as Partial<Stripe.errors.StripeError>;
  if (typeof e?.type !== 'string' || !e.type.startsWith('Stripe')) return false;
  if (e.code === 'lock_timeout' || e.code === 'rate_limit') return false;
  return ['StripeInvalidRequestError', 'StripePermissionError', 'StripeCardError', 'StripeIdempotencyError'].includes(e.type);
}

/** Money movements through Stripe Connect, each exactly once (idempotency keys + Postgres state). */
export function createStripeActivities({ stripe, db }: { stripe: Stripe; db: Db }) {
  const payouts = payoutsDal(db);

  async function block(split: { id: string; payout_id: string; transfer_attempt: number }, reason: string): Promise<never> {
    await withTransaction(db, async (trx) => {
      await payouts.updateSplit(split.id, { status: 'blocked', block_reason: reason }, trx);
      await payouts.setPayoutStatus(split.payout_id, 'blocked', trx);
      await payouts.audit(
        {
          payout_id: split.payout_id,
          split_id: split.id,
          event: 'split_blocked',
          old_status: 'pending',
          new_status: 'blocked',
          actor_role: 'system',
          reason,
          event_key: `${split.id}:blocked:attempt-${split.transfer_attempt}`,
        },
        trx,
      );
    });
    throw ApplicationFailure.nonRetryable(reason, FAILURE_TYPES.TransferRefused);
  }

  return {
    /**
     * Transfers one split to its collaborator's connected account. A retry after a crash
     * reuses the attempt's idempotency key, so Stripe returns the first transfer instead of
     * making a second. A permanent refusal blocks the split (and throws TransferRefused).
     */
    async transferSplit(input: { splitId: string }): Promise<SplitState> {
      const split = await payouts.findSplit(input.splitId);
      if (!split) throw ApplicationFailure.nonRetryable(`split ${input.splitId} not found`, FAILURE_TYPES.InvalidState);
      if (split.status !== 'pending') return toSplitState(split);
      const payout = (await payouts.findPayout(split.payout_id))!;
      if (!split.stripe_account_id) return block(split, 'the collaborator has no connected Stripe account');

      let transfer: Stripe.Transfer;
      try {
        transfer = await stripe.transfers.create(
          {
            amount: split.amount_cents,
            currency: payout.currency.toLowerCase(),
            destination: split.stripe_account_id,
            transfer_group: payout.placement_id,
            description: `${payout.tranche} payout of placement ${payout.placement_id}`,
            metadata: { payout_id: payout.id, split_id: split.id, collaborator_id: split.collaborator_id, tranche: payout.tranche },
          },
          { idempotencyKey: transferIdempotencyKey(payout.id, split.collaborator_id, split.transfer_attempt) },
        );
      } catch (err) {
        if (isPermanent(err)) return block(split, `Stripe refused the transfer: ${err.message}${err.code ? ` (${err.code})` : ''}`);
        log.warn('transient Stripe error; Temporal retries', { splitId: split.id, error: String(err) });
        throw err;
      }

      await withTransaction(db, async (trx) => {
        const current = await payouts.lockSplit(split.id, trx);
        if (current?.status !== 'pending') return;
        await payouts.updateSplit(split.id, { status: 'paid', stripe_transfer_id: transfer.id, block_reason: null }, trx);
        await payouts.audit(
          {
            payout_id: split.payout_id,
            split_id: split.id,
            event: 'split_paid',
            old_status: 'pending',
            new_status: 'paid',
            actor_role: 'system',
            details: {
              stripeTransferId: transfer.id,
              amountCents: split.amount_cents,
              destination: split.stripe_account_id,
              attempt: split.transfer_attempt,
            },
            event_key: `${split.id}:paid`,
          },
          trx,
        );
      });
      return toSplitState({ ...split, status: 'paid' });
    },

    /**
     * Claws back every paid split of a placement (refund after a failed guarantee) with a
     * Stripe transfer reversal each, keyed per split so a retry reverses nothing twice.
     */
    async reversePaidSplits(input: { placementId: string; reason: string }): Promise<{ reversedCents: number; refused: string[] }> {
      const paid = await payouts.paidSplitsOf(input.placementId);
      let reversedCents = 0;
      const refused: string[] = [];
      for (const split of paid) {
        const amount = split.amount_cents - split.reversed_cents;
        try {
          await stripe.transfers.createReversal(
            split.stripe_transfer_id!, // whereNotNull above
            { amount, description: input.reason, metadata: { split_id: split.id, placement_id: input.placementId } },
            { idempotencyKey: `reversal-${split.id}` },
          );
        } catch (err) {
          if (!isPermanent(err)) throw err;
          refused.push(`${split.id}: ${err.message}`);
          continue;
        }
        await withTransaction(db, async (trx) => {
          await payouts.updateSplit(split.id, { status: 'reversed', reversed_cents: split.amount_cents }, trx);
          await payouts.audit(
            {
              payout_id: split.payout_id,
              split_id: split.id,
              event: 'split_reversed',
              old_status: 'paid',
              new_status: 'reversed',
              actor_role: 'system',
              reason: input.reason,
              details: { amountCents: amount, stripeTransferId: split.stripe_transfer_id },
              event_key: `${split.id}:reversed`,
            },
            trx,
          );
        });
        reversedCents += amount;
      }
      return { reversedCents, refused };
    },
  };
}
