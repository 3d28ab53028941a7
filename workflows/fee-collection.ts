import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PlacementActivities } from '../activities/index.js';
import type { Actor } from '../domain/actors.js';
import {
  type FeePayment,
  type PaymentView,
  REMINDER_DAYS_AFTER_DUE,
  UNPAID_RESYNC_DAYS,
  cancelRefundUpdate,
  extendPaymentDueUpdate,
  feePaymentEventSignal,
  isFunded,
  isSettledUnpaid,
  markFeePaidUpdate,
  paymentStatusOf,
  retryRefundUpdate,
  voidFeeUpdate,
} from '../domain/payment.js';
import type { PlacementCommandCall } from '../domain/placement-rules.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { DATABASE_ACTIVITY, DAY_MS, NOTIFICATION_ACTIVITY, STRIPE_REVERSAL_ACTIVITY } from './activity-options.js';
import { applicationFailureOf, asRefusal } from './failures.js';

/**
 * Placements recorded from here on collect their fee before paying anything out (product §3.3,
 * "Collecting the fee"). Runs from before have no marker and replay paying out at once.
 */
export const FEE_COLLECTION_PATCH = 'placement-collects-fee-v1';

type FeeStripe = Pick<PlacementActivities, 'invoiceFee' | 'syncFeePayment' | 'markFeePaid' | 'voidFee' | 'refundFee'>;
const stripe = proxyActivities<FeeStripe>({
  ...STRIPE_REVERSAL_ACTIVITY,
  retry: { ...STRIPE_REVERSAL_ACTIVITY.retry, nonRetryableErrorTypes: [FAILURE_TYPES.RefundRefused] },
});
const db =
  proxyActivities<Pick<PlacementActivities, 'extendPaymentDue' | 'notePaymentReminder' | 'planRefund' | 'retryRefund' | 'cancelRefund'>>(
    DATABASE_ACTIVITY,
  );
const email = proxyActivities<Pick<PlacementActivities, 'sendPaymentReminderEmail'>>(NOTIFICATION_ACTIVITY);

/** What the fee collection needs of its placement. */
export interface FeeCollectionHost {
  placementId: string;
  /** Checks a payment command against the placement and the payment's facts (throws the refusal). */
  check(call: PlacementCommandCall, facts: PaymentFacts): void;
  /** The placement's state changed what ops see (search attributes). */
  changed(): void;
}

/** What a payment command is checked against besides the placement. */
export interface PaymentFacts {
  paymentOpen: boolean;
  refundBlocked: boolean;
}

/** The outcome of the company's refund after a failed guarantee. */
export type RefundOutcome = 'refunded' | 'cancelled';

/**
 * One placement's fee, from the invoice to the last Stripe event: waits for payment durably,
 * re-reading the invoice at each Stripe event (duplicates and order do not matter: the invoice's
 * current state is what counts), reminds the company after the due date, and carries out platform
 * admins' commands (mark paid, extend, void; retry or cancel a refused refund).
 */
export class FeeCollection {
  payment: FeePayment | undefined;
  /** Stripe events not yet read. */
  private unseen = 0;
  /** A payment command is being recorded: validators refuse a second one meanwhile. */
  private commanding = false;
  /** The invoice is being re-read; a command waits for it (one writer of `payment` at a time). */
  private reading = false;
  private ended = false;
  /** A refund or reversal Stripe refused, waiting for a platform admin. */
  private blocked = false;
  private answer: { kind: 'retry' | 'cancel'; actor: Actor; reason: string } | undefined;
  /** Stripe refused to create the invoice. */
  private invoiceRefused = false;

  constructor(private readonly host: FeeCollectionHost) {}

  acceptCommands() {
    setHandler(feePaymentEventSignal, () => {
      this.unseen++;
    });
    const paymentOpen = () => !this.commanding && this.payment?.state === 'open';
    setHandler(markFeePaidUpdate, ({ actor, reason }) => this.command(() => stripe.markFeePaid({ ...this.ids(), actor, reason })), {
      validator: ({ actor, reason }) => this.host.check({ command: 'markFeePaid', actor, reason }, this.facts(paymentOpen())),
    });
    setHandler(voidFeeUpdate, ({ actor, reason }) => this.command(() => stripe.voidFee({ ...this.ids(), actor, reason })), {
      validator: ({ actor, reason }) => this.host.check({ command: 'voidFee', actor, reason }, this.facts(paymentOpen())),
    });
    setHandler(
      extendPaymentDueUpdate,
      ({ actor, days, reason }) => this.command(() => db.extendPaymentDue({ ...this.ids(), actor, days, reason })),
      {
        validator: ({ actor, days, reason }) =>
          this.host.check({ command: 'extendPaymentDue', actor, days, reason }, this.facts(paymentOpen())),
      },
    );
    setHandler(retryRefundUpdate, ({ actor, reason }) => this.answerBlocked('retry', actor, reason?.trim() || 'refund retried'), {
      validator: ({ actor, reason }) => this.host.check({ command: 'retryRefund', actor, reason }, this.facts(false)),
    });
    setHandler(cancelRefundUpdate, ({ actor, reason }) => this.answerBlocked('cancel', actor, reason), {
      validator: ({ actor, reason }) => this.host.check({ command: 'cancelRefund', actor, reason }, this.facts(false)),
    });
  }

  /** What the placement's command rule checks besides the actor (the payment-side facts). */
  facts(paymentOpen: boolean): PaymentFacts {
    return { paymentOpen, refundBlocked: this.blocked && this.answer === undefined };
  }

  view(now: number): PaymentView | null {
    const p = this.payment;
    if (!p) return null;
    return {
      status: this.blocked ? 'refund_blocked' : paymentStatusOf(p, now),
      dueAt: p.dueAt,
      amountCents: p.amountCents,
      remindersSent: p.remindersSent,
      refundedCents: p.refundedCents,
    };
  }

  /** Ops look at it: overdue past the last reminder, a dispute, a lost dispute, or a blocked refund. */
  needsAttention(now: number): boolean {
    const p = this.payment;
    if (!p) return this.invoiceRefused;
    if (this.blocked || p.disputeOpen || p.disputeLost) return true;
    return paymentStatusOf(p, now) === 'overdue' && p.remindersSent >= REMINDER_DAYS_AFTER_DUE.length;
  }

  /**
   * Creates the invoice (exactly once, the activity is idempotent). Stripe refusing it (e.g. the
   * company's customer cannot be billed in this currency) needs a person: it is retried daily meanwhile.
   */
  async open() {
    try {
      this.payment = await stripe.invoiceFee(this.ids());
      this.invoiceRefused = false;
    } catch (err) {
      if (!applicationFailureOf(err)?.nonRetryable) throw err;
      this.invoiceRefused = true;
    }
    this.host.changed();
  }

  /**
   * Follows the payment until the placement ends: each Stripe event re-reads the invoice; while
   * unpaid, the due date marks it overdue and the reminders go out after it.
   */
  async follow() {
    while (!this.ended) {
      const wakeAt = this.nextWake();
      const woke = await condition(() => this.unseen > 0 || this.ended, wakeAt === null ? undefined : Math.max(1, wakeAt - Date.now()));
      if (this.ended) return;
      // One writer at a time: a read that started before an admin's command must not overwrite its answer.
      await condition(() => !this.commanding);
      this.reading = true;
      this.unseen = 0;
      try {
        if (this.payment && this.payment.state !== 'creating') await this.sync();
        if (!woke) await this.remindIfDue();
      } catch (err) {
        // Refused for good this time (e.g. Stripe answered something unreadable): the next event or wake reads again.
        if (!applicationFailureOf(err)?.nonRetryable) throw err;
      } finally {
        this.reading = false;
      }
      this.host.changed();
    }
  }

  /**
   * Resolves once the fee can fund a payout (true), or when no money will come (void, a lost
   * dispute) or the placement ended first (false).
   */
  async funded(): Promise<boolean> {
    await condition(() => this.ended || (this.payment !== undefined && (isFunded(this.payment) || isSettledUnpaid(this.payment))));
    return this.payment !== undefined && isFunded(this.payment);
  }

  /** The share of each paid split to take back, fixed by the company's refund policy at the failure. */
  async planRefund(failedAt: string, guaranteeEndsAt: string | null) {
    return db.planRefund({ ...this.ids(), failedAt, guaranteeEndsAt: guaranteeEndsAt ?? failedAt });
  }

  /**
   * Refunds the company by its policy. A refusal (or a reversal Stripe refused: `reversalsRefused`)
   * blocks until a platform admin retries (`retry` is run again first) or cancels.
   */
  async refund(reason: string, actor: Actor, reversalsRefused: boolean, retry: () => Promise<boolean>): Promise<RefundOutcome> {
    let refused = reversalsRefused;
    for (;;) {
      refused = !(await this.tryRefund(reason, actor)) || refused;
      this.blocked = refused;
      this.answer = undefined; // an admin's retry is answered now, with what it achieved
      this.host.changed();
      if (!refused) return 'refunded';
      await condition(() => this.answer !== undefined);
      const answer = this.answer!;
      if (answer.kind === 'cancel') {
        this.payment = await db.cancelRefund({ ...this.ids(), actor: answer.actor, reason: answer.reason });
        this.blocked = false;
        this.answer = undefined;
        this.host.changed();
        return 'cancelled';
      }
      this.payment = await db.retryRefund({ ...this.ids(), actor: answer.actor });
      refused = !(await retry());
    }
  }

  /** The placement is over: stop following Stripe events. */
  end() {
    this.ended = true;
  }

  // ── Steps ───────────────────────────────────────────────────────────────────────────

  private ids() {
    return { placementId: this.host.placementId };
  }

  private async command(run: () => Promise<FeePayment>): Promise<PaymentView> {
    this.commanding = true;
    await condition(() => !this.reading); // a Stripe read in flight finishes first
    try {
      this.payment = await run();
    } catch (err) {
      throw asRefusal(err);
    } finally {
      this.commanding = false;
    }
    this.host.changed();
    return this.view(Date.now())!;
  }

  private async answerBlocked(kind: 'retry' | 'cancel', actor: Actor, reason: string): Promise<PaymentView> {
    this.answer = { kind, actor, reason };
    await condition(() => this.answer === undefined);
    return this.view(Date.now())!;
  }

  private async tryRefund(reason: string, actor: Actor): Promise<boolean> {
    try {
      this.payment = await stripe.refundFee({ ...this.ids(), reason, actor });
      return true;
    } catch (err) {
      if (applicationFailureOf(err)?.type !== FAILURE_TYPES.RefundRefused) throw err;
      this.payment = await stripe.syncFeePayment(this.ids());
      return false;
    }
  }

  private async sync() {
    this.payment = await stripe.syncFeePayment(this.ids());
  }

  /** When to look again without an event: the due date, each reminder, then a weekly re-read while unpaid. */
  private nextWake(): number | null {
    const p = this.payment;
    if (!p || p.state === 'creating') return Date.now() + DAY_MS;
    if (p.state !== 'open' || !p.dueAt) return null;
    const due = new Date(p.dueAt).getTime();
    if (Date.now() < due) return due;
    const reminderDay = REMINDER_DAYS_AFTER_DUE[p.remindersSent];
    return reminderDay === undefined ? Date.now() + UNPAID_RESYNC_DAYS * DAY_MS : due + reminderDay * DAY_MS;
  }

  private async remindIfDue() {
    const p = this.payment;
    if (!p || p.state === 'creating') {
      await this.open();
      return;
    }
    if (p.state !== 'open' || !p.dueAt) return;
    const reminder = p.remindersSent + 1;
    const reminderDay = REMINDER_DAYS_AFTER_DUE[p.remindersSent];
    if (reminderDay === undefined || Date.now() < new Date(p.dueAt).getTime() + reminderDay * DAY_MS) return;
    this.payment = await db.notePaymentReminder({ ...this.ids(), reminder });
    try {
      await email.sendPaymentReminderEmail({ ...this.ids(), reminder });
    } catch {
      // A reminder that keeps failing must not hold the collection; the failure is in the history.
    }
  }
}
