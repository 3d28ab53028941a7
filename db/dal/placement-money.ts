import type { Db, Executor } from '../../lib/db.js';
import { type Keyset, newestFirst } from './keyset.js';
import { insertOnce } from './once.js';
import { type AllTables, table } from './tables.js';

export type PaymentChangeRow = AllTables['payment_changes'];

/** What the placement's payouts have moved so far (the escrow's numbers, domain/placement-money.ts). */
export interface PayoutMoneyRow {
  /** Paid (or since reversed) splits: amount − reversed_cents, summed. */
  splitsOutCents: number;
  /** The platform fee of the payouts that were paid. */
  paidPayoutsFeeCents: number;
}

/** A Stripe object named by a money-in event: the fee invoice itself, or the charge that paid it. */
export type PaymentReference = { invoiceId: string } | { chargeId: string };

/**
 * Reads of a placement's money for the API (the payment's audit page by page, what its payouts
 * moved, whose invoice or charge an event names) and the webhook's record of money-in events.
 * The payment itself is read and written through db/dal/payments.ts.
 */
export const placementMoneyDal = (db: Db) => ({
  async payoutMoney(placementId: string, trx: Executor = db): Promise<PayoutMoneyRow> {
    const [splits, fees] = await Promise.all([
      table(trx, 'payout_splits')
        .join('payout_schedules', 'payout_schedules.id', 'payout_splits.payout_id')
        .where('payout_schedules.placement_id', placementId)
        .whereIn('payout_splits.status', ['paid', 'reversed'])
        .first(trx.raw('coalesce(sum(payout_splits.amount_cents - payout_splits.reversed_cents), 0)::bigint as cents')),
      table(trx, 'payout_schedules')
        .where({ placement_id: placementId, status: 'paid' })
        .first(trx.raw('coalesce(sum(platform_fee_cents), 0)::bigint as cents')),
    ]);
    const cents = (row: unknown) => (row as { cents: number } | undefined)?.cents ?? 0;
    return { splitsOutCents: cents(splits), paidPayoutsFeeCents: cents(fees) };
  },

  /**
   * The placement whose fee invoice (or paying charge) this is, by our own record of it: an
   * object we did not create for a placement is not ours, whatever its metadata says.
   */
  async placementOf(ref: PaymentReference, trx: Executor = db): Promise<{ placementId: string; workflowId: string } | undefined> {
    const q = table(trx, 'placement_payments').join('placements', 'placements.id', 'placement_payments.placement_id');
    if ('invoiceId' in ref) q.where('placement_payments.stripe_invoice_id', ref.invoiceId);
    else q.where('placement_payments.stripe_charge_id', ref.chargeId);
    const row: { placementId: string; workflowId: string } | undefined = await q.first(
      'placements.id as placementId',
      'placements.workflow_id as workflowId',
    );
    return row;
  },

  /** Records a money-in Stripe event once by its id; false when it was received before (a repeat delivery). */
  async recordEvent(event: { id: string; type: string; placementId: string }, trx: Executor = db): Promise<boolean> {
    const { inserted } = await insertOnce(
      trx,
      'stripe_webhook_events',
      { id: event.id, type: event.type, account: null, placement_id: event.placementId },
      { key: ['id'] },
    );
    return inserted;
  },

  /** The payment's audit, newest first, keyset-paginated on (occurred_at, id). */
  changes: (placementId: string, page: Keyset, trx: Executor = db): Promise<PaymentChangeRow[]> =>
    newestFirst(table(trx, 'payment_changes').where({ placement_id: placementId }), page, undefined, 'occurred_at'),
});
