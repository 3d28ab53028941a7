import { ApplicationFailure, log } from '@temporalio/activity';
import type Stripe from 'stripe';
import type { Db } from '../lib/db.js';
import { payoutsDal } from '../db/dal/payouts.js';
import { paymentsDal } from '../db/dal/payments.js';
import { isFunded } from '../domain/payment.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { withTransaction } from '../db/dal/once.js';
import { type SplitState, toSplitState } from './db/payouts.js';
import { toFeePayment } from './payments.js';
import { isPermanent, stripeMessage } from './stripe-errors.js';

/** The Stripe idempotency key of one transfer attempt of one collaborator's share of one payout. */
export const transferIdempotencyKey = (payoutId: string, collaboratorId: string, attempt: number) =>
  `payout-${payoutId}-collaborator-${collaboratorId}-attempt-${attempt}`;

/** Money movements through Stripe Connect, each exactly once (idempotency keys + Postgres state). */
export function createStripeActivities({ stripe, db }: { stripe: Stripe; db: Db }) {
  const payouts = payoutsDal(db);
  const payments = paymentsDal(db);

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
      // A retry after a crash that followed the block: refused again, so the workflow still raises `payout.blocked`.
      if (split.status === 'blocked')
        throw ApplicationFailure.nonRetryable(split.block_reason ?? 'the transfer was refused', FAILURE_TYPES.TransferRefused);
      if (split.status !== 'pending') return toSplitState(split);
      const payout = (await payouts.findPayout(split.payout_id))!;
      // Money in (product §3.3): a placement with a fee invoice pays out only from the collected
      // fee, each transfer drawing on the charge that paid it (`source_transaction`), so no
      // transfer can outrun the money in. Placements recorded before money in have no invoice.
      const fee = await payments.find(payout.placement_id);
      if (fee && !isFunded(toFeePayment(fee))) {
        throw ApplicationFailure.nonRetryable(
          `the fee of placement ${payout.placement_id} is not collected (${fee.state}${fee.dispute_status ? `, dispute ${fee.dispute_status}` : ''}): nothing is paid out before it is`,
          FAILURE_TYPES.FeeNotCollected,
        );
      }
      if (!split.stripe_account_id) return block(split, 'the collaborator has no connected Stripe account');

      let transfer: Stripe.Transfer;
      try {
        transfer = await stripe.transfers.create(
          {
            amount: split.amount_cents,
            currency: payout.currency.toLowerCase(),
            destination: split.stripe_account_id,
            transfer_group: payout.placement_id,
            // Paid out of band there is no charge: the transfer draws on the platform's balance.
            ...(fee?.stripe_charge_id && { source_transaction: fee.stripe_charge_id }),
            description: `${payout.tranche} payout of placement ${payout.placement_id}`,
            metadata: { payout_id: payout.id, split_id: split.id, collaborator_id: split.collaborator_id, tranche: payout.tranche },
          },
          { idempotencyKey: transferIdempotencyKey(payout.id, split.collaborator_id, split.transfer_attempt) },
        );
      } catch (err) {
        if (isPermanent(err)) return block(split, `Stripe refused the transfer: ${stripeMessage(err)}`);
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
     * Claws back the paid splits of a placement (refund after a failed guarantee) with a Stripe
     * transfer reversal each: `reverseBps` of each split (default all of it, the company's share
     * of the refund otherwise), keyed per split and share so a retry reverses nothing twice.
     */
    async reversePaidSplits(input: {
      placementId: string;
      reason: string;
      reverseBps?: number;
    }): Promise<{ reversedCents: number; refused: string[] }> {
      const bps = input.reverseBps ?? 10_000;
      const paid = await payouts.paidSplitsOf(input.placementId);
      let reversedCents = 0;
      const refused: string[] = [];
      for (const split of paid) {
        const target = Math.floor((split.amount_cents * bps) / 10_000);
        const amount = target - split.reversed_cents;
        if (amount <= 0) continue;
        // The whole-split key is the one reversals had before shares existed (stable across deploys).
        const suffix = bps === 10_000 ? '' : `-bps-${bps}`;
        try {
          await stripe.transfers.createReversal(
            split.stripe_transfer_id!, // whereNotNull above
            { amount, description: input.reason, metadata: { split_id: split.id, placement_id: input.placementId } },
            { idempotencyKey: `reversal-${split.id}${suffix}` },
          );
        } catch (err) {
          if (!isPermanent(err)) throw err;
          refused.push(`${split.id}: ${err.message}`);
          continue;
        }
        const whole = target === split.amount_cents;
        await withTransaction(db, async (trx) => {
          await payouts.updateSplit(split.id, { ...(whole && { status: 'reversed' as const }), reversed_cents: target }, trx);
          await payouts.audit(
            {
              payout_id: split.payout_id,
              split_id: split.id,
              event: 'split_reversed',
              old_status: 'paid',
              new_status: whole ? 'reversed' : 'paid',
              actor_role: 'system',
              reason: input.reason,
              details: { amountCents: amount, reversedCents: target, reverseBps: bps, stripeTransferId: split.stripe_transfer_id },
              event_key: `${split.id}:reversed${suffix}`,
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
