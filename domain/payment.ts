import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './actors.js';
import type { RefundPolicy } from './terms.js';

/**
 * Money in (product §3.3, "Collecting the fee"): the hiring company pays the placement fee
 * through one Stripe invoice per placement, created when the hire is recorded. Nothing is paid
 * out before that invoice is paid (each transfer names its charge as `source_transaction`), the
 * platform fee stays with the platform, and a failed guarantee refunds the company by its refund
 * policy. Stripe's Invoice object: https://docs.stripe.com/api/invoices/object.
 */

/** The stored life of the fee invoice: `creating` until Stripe has it finalized. */
export const PAYMENT_STATES = ['creating', 'open', 'paid', 'void'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/** The company's refund after a failed guarantee: `blocked` when Stripe refused it (an admin retries or cancels). */
export const REFUND_STATES = ['none', 'refunded', 'blocked', 'cancelled'] as const;
export type RefundState = (typeof REFUND_STATES)[number];

/** Rows of the append-only `payment_changes` audit. */
export const PAYMENT_EVENTS = [
  'invoice_created',
  'payment_failed',
  'paid',
  'marked_paid',
  'due_extended',
  'voided',
  'reminder_sent',
  'disputed',
  'dispute_closed',
  'refunded_outside',
  'refund_planned',
  'refunded',
  'refund_blocked',
  'refund_retried',
  'refund_cancelled',
] as const;
export type PaymentEvent = (typeof PAYMENT_EVENTS)[number];

/**
 * What ops and the web app see (the placement's `PaymentStatus` search attribute): the stored
 * state read together with the due date, an open dispute and the refund.
 */
export const PAYMENT_STATUSES = [
  'awaiting_payment',
  'payment_failed',
  'overdue',
  'paid',
  'disputed',
  'void',
  'refunded',
  'refund_blocked',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Reminders to the company, in days after the due date; after the last one the payment needs a person. */
export const REMINDER_DAYS_AFTER_DUE = [3, 10] as const;
/** While unpaid after the last reminder, the invoice is re-read this often (a webhook may have been lost). */
export const UNPAID_RESYNC_DAYS = 7;

/** The fee payment as an activity returns it (after it re-read Stripe and wrote the projection). */
export interface FeePayment {
  state: PaymentState;
  amountCents: number;
  amountPaidCents: number;
  currency: string;
  /** ISO time the invoice is due (null until finalized). */
  dueAt: string | null;
  /** The charge that paid it; null when unpaid or paid out of band. */
  chargeId: string | null;
  paidOutOfBand: boolean;
  hostedInvoiceUrl: string | null;
  lastPaymentError: string | null;
  /** A dispute on the charge that is not closed yet: nothing more is paid out meanwhile. */
  disputeOpen: boolean;
  /** The company won its dispute: the money went back to it. */
  disputeLost: boolean;
  remindersSent: number;
  refundState: RefundState;
  refundDueCents: number | null;
  refundedCents: number;
  refundBlockReason: string | null;
}

/** The fee may fund payouts: paid, and no open or lost dispute. */
export function isFunded(p: Pick<FeePayment, 'state' | 'disputeOpen' | 'disputeLost'>): boolean {
  return p.state === 'paid' && !p.disputeOpen && !p.disputeLost;
}

/** No more money will come in for this fee: payouts not yet made never will be. */
export function isSettledUnpaid(p: Pick<FeePayment, 'state' | 'disputeLost'>): boolean {
  return p.state === 'void' || p.disputeLost;
}

/** The status shown for a payment at `now` (ms). */
export function paymentStatusOf(p: FeePayment, now: number): PaymentStatus {
  if (p.refundState === 'blocked') return 'refund_blocked';
  if (p.refundState === 'refunded') return 'refunded';
  if (p.state === 'void') return 'void';
  if (p.disputeOpen) return 'disputed';
  if (p.state === 'paid') return 'paid';
  if (p.dueAt && new Date(p.dueAt).getTime() < now) return 'overdue';
  return p.lastPaymentError ? 'payment_failed' : 'awaiting_payment';
}

/**
 * What a failed guarantee returns to the company (product §3.3): `full` everything collected,
 * `none` nothing, `pro_rata` the share of the guarantee the hire did not work (whole days left
 * of the guarantee over its length, rounded down to the cent).
 */
export function refundableCents(r: {
  policy: RefundPolicy;
  collectedCents: number;
  guaranteeDays: number;
  /** Whole days of the guarantee left when the failure was reported. */
  daysLeft: number;
}): number {
  if (r.policy === 'none' || r.collectedCents <= 0) return 0;
  if (r.policy === 'full') return r.collectedCents;
  const left = Math.min(Math.max(0, Math.floor(r.daysLeft)), r.guaranteeDays);
  return Math.floor((r.collectedCents * left) / r.guaranteeDays);
}

/** The share of each paid split taken back from its recruiter: the same share as the company gets back, in bps. */
export function reversalBps(refundCents: number, collectedCents: number): number {
  if (collectedCents <= 0) return 10_000;
  return Math.min(10_000, Math.floor((refundCents * 10_000) / collectedCents));
}

/** What the placement's view shows of its fee. */
export interface PaymentView {
  status: PaymentStatus;
  dueAt: string | null;
  amountCents: number;
  remindersSent: number;
  refundedCents: number;
}

// ── Messages (the placement workflow handles them; the API sends them) ─────────────────

/** Who sends a payment command, and why (a placement command's shape). */
export interface PaymentCommand {
  actor: Actor;
  reason?: string;
}

/** A Stripe event about this placement's invoice or charge: the workflow re-reads the invoice. */
export const feePaymentEventSignal = defineSignal<[{ eventId: string; type: string }]>('feePaymentEvent');

/** A platform admin records a payment made outside Stripe (bank wire, cheque). */
export const markFeePaidUpdate = defineUpdate<PaymentView, [PaymentCommand & { reason: string }]>('markFeePaid');
/** A platform admin gives the company more days (reminders follow the new due date). */
export const extendPaymentDueUpdate = defineUpdate<PaymentView, [PaymentCommand & { days: number; reason: string }]>('extendPaymentDue');
/** A platform admin voids the invoice: the fee will not be collected and nothing more is paid out. */
export const voidFeeUpdate = defineUpdate<PaymentView, [PaymentCommand & { reason: string }]>('voidFee');
/** A platform admin retries a refund (or reversal) Stripe refused. */
export const retryRefundUpdate = defineUpdate<PaymentView, [PaymentCommand]>('retryRefund');
/** A platform admin gives up a refund Stripe refused (settled outside, or not owed after all). */
export const cancelRefundUpdate = defineUpdate<PaymentView, [PaymentCommand & { reason: string }]>('cancelRefund');
