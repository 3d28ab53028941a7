import { TOTAL_BPS, platformFeeCents } from './money.js';
import { type PaymentState, reversalBps } from './payment.js';

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
