import { TOTAL_BPS, platformFeeCents } from './money.js';
import { type FeePayment, type PaymentState, type RefundState, reversalBps } from './payment.js';

/**
 * The escrow's real numbers for one placement (product §3.3, "The escrow's numbers"), computed
 * from what is stored: the fee invoice's projection and the payouts' splits. All in cents.
 */
export interface PlacementMoney {
  feeCents: number;
  /** The placement's platform fee: fee × platform_fee_bps / 10 000, rounded down. */
  platformFeeCents: number;
  /** What the company paid on the invoice (or was marked paid out of band). */
  collectedCents: number;
  /** Transferred to recruiters and not taken back: paid splits' amounts minus their reversals. */
  paidOutCents: number;
  /** Returned to the company (refund or credit note). */
  refundedCents: number;
  /** Still owed on an open invoice; 0 once paid or void, and before the invoice is finalized. */
  outstandingCents: number;
  /**
   * Collected money the platform holds for the placement: collected − refunded − paid out −
   * the platform fee kept so far, never below 0. The platform fee kept so far is the fee of the
   * payouts already paid, reduced by the share of the collected money refunded to the company
   * (the same share taken back from each paid split, `reversalBps`).
   */
  heldCents: number;
}

export interface MoneyInputs {
  feeCents: number;
  platformFeeBps: number;
  /** The fee invoice; null for a placement recorded before money in (nothing was collected). */
  payment: { state: PaymentState; amountCents: number; amountPaidCents: number; refundedCents: number } | null;
  /** Sum over the placement's paid (or reversed) splits of amount − reversed. */
  splitsOutCents: number;
  /** Sum of the platform fee of the placement's payouts that were paid. */
  paidPayoutsFeeCents: number;
}

export function placementMoney(m: MoneyInputs): PlacementMoney {
  const collectedCents = m.payment?.amountPaidCents ?? 0;
  const refundedCents = m.payment?.refundedCents ?? 0;
  const keptBps = TOTAL_BPS - (refundedCents > 0 ? reversalBps(refundedCents, collectedCents) : 0);
  // Products through BigInt, as in domain/money.ts: no float rounds a cent.
  const platformFeeKept = Number((BigInt(m.paidPayoutsFeeCents) * BigInt(keptBps)) / BigInt(TOTAL_BPS));
  return {
    feeCents: m.feeCents,
    platformFeeCents: platformFeeCents(m.feeCents, m.platformFeeBps),
    collectedCents,
    paidOutCents: m.splitsOutCents,
    refundedCents,
    outstandingCents: m.payment?.state === 'open' ? Math.max(0, m.payment.amountCents - collectedCents) : 0,
    heldCents: Math.max(0, collectedCents - refundedCents - m.splitsOutCents - platformFeeKept),
  };
}

/**
 * Stripe's dispute statuses that end a dispute (https://docs.stripe.com/api/disputes/object#dispute_object-status):
 * `won` (funds reinstated), `lost` (the money went back to the company), `warning_closed` (an
 * inquiry that never became a dispute) and `prevented` (resolved before it became one).
 */
const CLOSED_DISPUTE_STATUSES = new Set(['won', 'lost', 'warning_closed', 'prevented']);

/** The stored payment projection as the domain reads it (`paymentStatusOf`, `isFunded`). */
export function feePaymentOf(row: {
  state: PaymentState;
  amount_cents: number;
  amount_paid_cents: number;
  currency: string;
  due_at: Date | null;
  stripe_charge_id: string | null;
  paid_out_of_band: boolean;
  hosted_invoice_url: string | null;
  last_payment_error: string | null;
  dispute_status: string | null;
  reminders_sent: number;
  refund_state: RefundState;
  refund_due_cents: number | null;
  refunded_cents: number;
  refund_block_reason: string | null;
}): FeePayment {
  return {
    state: row.state,
    amountCents: row.amount_cents,
    amountPaidCents: row.amount_paid_cents,
    currency: row.currency,
    dueAt: row.due_at?.toISOString() ?? null,
    chargeId: row.stripe_charge_id,
    paidOutOfBand: row.paid_out_of_band,
    hostedInvoiceUrl: row.hosted_invoice_url,
    lastPaymentError: row.last_payment_error,
    disputeOpen: row.dispute_status !== null && !CLOSED_DISPUTE_STATUSES.has(row.dispute_status),
    disputeLost: row.dispute_status === 'lost',
    remindersSent: row.reminders_sent,
    refundState: row.refund_state,
    refundDueCents: row.refund_due_cents,
    refundedCents: row.refunded_cents,
    refundBlockReason: row.refund_block_reason,
  };
}
