import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type Stripe from 'stripe';
import type { Db, Executor } from '../lib/db.js';
import type { Actor } from '../domain/actors.js';
import { SYSTEM_ACTOR } from '../domain/actors.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { type FeePayment, type PaymentState, refundableCents, reversalBps } from '../domain/payment.js';
import { withTransaction } from '../db/dal/once.js';
import { paymentsDal, type PaymentRow, type PlacementSnapshot } from '../db/dal/payments.js';
import { isPermanent, stripeMessage } from './stripe-errors.js';

const DAY_MS = 86_400_000;

/**
 * Dispute statuses after which the bank has decided (https://docs.stripe.com/api/disputes/object,
 * `status`; `charge.dispute.closed` "Occurs when a dispute is closed and the dispute status changes
 * to lost, warning_closed, or won", https://docs.stripe.com/api/events/types). `prevented` never
 * became a dispute.
 */
const CLOSED_DISPUTE_STATUSES = new Set(['won', 'lost', 'warning_closed', 'prevented']);

/** The Stripe idempotency keys of a placement's fee: one invoice, one refund per refund attempt. */
export const feeIdempotencyKeys = {
  customer: (companyId: string) => `customer-${companyId}`,
  invoice: (placementId: string) => `fee-${placementId}-invoice`,
  invoiceItem: (placementId: string) => `fee-${placementId}-invoice-item`,
  finalize: (placementId: string) => `fee-${placementId}-finalize`,
  pay: (placementId: string) => `fee-${placementId}-pay`,
  paidOutOfBand: (placementId: string) => `fee-${placementId}-paid-out-of-band`,
  void: (placementId: string) => `fee-${placementId}-void`,
  refund: (placementId: string, attempt: number) => `fee-${placementId}-refund-attempt-${attempt}`,
  refundVoid: (placementId: string, attempt: number) => `fee-${placementId}-refund-void-attempt-${attempt}`,
};

/** The fee payment as the workflow and the API see it, from its stored row. */
export function toFeePayment(row: PaymentRow): FeePayment {
  const dispute = row.dispute_status;
  return {
    state: row.state,
    amountCents: row.amount_cents,
    amountPaidCents: row.amount_paid_cents,
    currency: row.currency,
    dueAt: row.due_at ? row.due_at.toISOString() : null,
    chargeId: row.stripe_charge_id,
    paidOutOfBand: row.paid_out_of_band,
    hostedInvoiceUrl: row.hosted_invoice_url,
    lastPaymentError: row.last_payment_error,
    disputeOpen: dispute !== null && !CLOSED_DISPUTE_STATUSES.has(dispute),
    disputeLost: dispute === 'lost',
    remindersSent: row.reminders_sent,
    refundState: row.refund_state,
    refundDueCents: row.refund_due_cents,
    refundedCents: row.refunded_cents,
    refundBlockReason: row.refund_block_reason,
  };
}

const refuse = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);
const idOf = (x: string | { id: string } | null | undefined) => (typeof x === 'string' ? x : (x?.id ?? null));
const fromUnix = (s: number | null | undefined) => (s ? new Date(s * 1000) : null);

/**
 * One key per scheduled activity (its retries share it): an admin action that is not idempotent by
 * itself (extending the due date adds days) is applied once per workflow command.
 */
function invocationKey(): string {
  const info = Context.current().info;
  return `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`;
}

/** What Stripe says about the invoice's payment beyond the Invoice object itself. */
interface PaymentFacts {
  /** The succeeded charge that paid the invoice. */
  chargeId: string | null;
  /** The last failed attempt: the PaymentIntent's `last_payment_error` and its charge. */
  failure: { message: string; key: string } | null;
  dispute: { id: string; status: string } | null;
  /** Refunded on the charge by other means than our credit notes (Dashboard, another integration). */
  refundedOutsideCents: number;
}

/**
 * Money in (product §3.3): one Stripe invoice per placement to the company's Stripe customer, its
 * projection in `placement_payments` (written only from what Stripe returned), the company's refund
 * after a failed guarantee, and an audit row for every change (`payment_changes`, keyed).
 */
export function createPaymentActivities({ stripe, db }: { stripe: Stripe; db: Db }) {
  const payments = paymentsDal(db);

  async function requirePayment(placementId: string, trx: Executor = db): Promise<PaymentRow> {
    const row = await payments.find(placementId, trx);
    if (!row) throw refuse(`placement ${placementId} has no fee invoice`, FAILURE_TYPES.PaymentNotFound);
    return row;
  }

  /** The row under lock, for a change that must see the latest projection. */
  async function locked<T>(placementId: string, work: (trx: Executor, row: PaymentRow) => Promise<T>): Promise<T> {
    return withTransaction(db, async (trx) => {
      const row = await payments.lock(placementId, trx);
      if (!row) throw refuse(`placement ${placementId} has no fee invoice`, FAILURE_TYPES.PaymentNotFound);
      return work(trx, row);
    });
  }

  /** The company's Stripe customer, created once (keyed by company) and stored only where none is. */
  async function ensureCustomer(p: PlacementSnapshot): Promise<string> {
    const stored = await payments.customerId(p.company_id);
    if (stored) return stored;
    const customer = await stripe.customers.create(
      { name: p.company_name, metadata: { company_id: p.company_id } },
      { idempotencyKey: feeIdempotencyKeys.customer(p.company_id) },
    );
    return payments.setCustomerIdIfNull(p.company_id, customer.id);
  }

  /**
   * The placement's draft invoice: the one a crashed earlier run created (found by its metadata,
   * since a saved 5xx replays under the same idempotency key), else a new one.
   */
  async function draftInvoice(p: PlacementSnapshot, customerId: string, retried: boolean): Promise<Stripe.Invoice> {
    if (retried) {
      const recent = await stripe.invoices.list({ customer: customerId, limit: 100 });
      const mine = recent.data.find((inv) => inv.metadata?.placement_id === p.id);
      if (mine) return mine;
    }
    const atOnce = p.payment_terms_days === 0;
    return stripe.invoices.create(
      {
        customer: customerId,
        currency: p.currency.toLowerCase(),
        // https://docs.stripe.com/api/invoices/create: `days_until_due` only with `send_invoice`;
        // net 0 charges the customer's default payment method instead.
        ...(atOnce
          ? { collection_method: 'charge_automatically' as const }
          : { collection_method: 'send_invoice' as const, days_until_due: p.payment_terms_days }),
        description: `Placement fee: ${p.candidate_name ?? 'hire'} as ${p.job_title ?? 'a role'} (placement ${p.id})`,
        metadata: { placement_id: p.id, company_id: p.company_id },
      },
      { idempotencyKey: feeIdempotencyKeys.invoice(p.id) },
    );
  }

  /** Reads the invoice's payment, charge, refunds and dispute. */
  async function paymentFacts(inv: Stripe.Invoice): Promise<PaymentFacts> {
    const facts: PaymentFacts = { chargeId: null, failure: null, dispute: null, refundedOutsideCents: 0 };
    // An invoice names its payment through `payments` (InvoicePayment → PaymentIntent → latest_charge).
    const payment = inv.payments?.data.find((ip) => ip.status === 'paid') ?? inv.payments?.data.find((ip) => ip.is_default);
    const intentId = idOf(payment?.payment.payment_intent);
    if (!intentId) return facts;
    const intent = await stripe.paymentIntents.retrieve(intentId);
    const latest = idOf(intent.latest_charge);
    if (intent.last_payment_error && inv.status !== 'paid') {
      const failedCharge = idOf(intent.last_payment_error.charge as string | undefined) ?? latest ?? intent.id;
      facts.failure = { message: intent.last_payment_error.message ?? 'the payment failed', key: failedCharge };
    }
    if (inv.status !== 'paid' || intent.status !== 'succeeded' || !latest) return facts;
    facts.chargeId = latest;
    const charge = await stripe.charges.retrieve(latest);
    if (charge.disputed) {
      // https://docs.stripe.com/api/disputes/list: filtered by `charge`, newest first.
      const [dispute] = (await stripe.disputes.list({ charge: latest, limit: 1 })).data;
      if (dispute) facts.dispute = { id: dispute.id, status: dispute.status };
    }
    if (charge.amount_refunded > 0) {
      const notes = await stripe.creditNotes.list({ invoice: inv.id, limit: 100 });
      const ours = notes.data.reduce((sum, n) => sum + n.refunds.reduce((s, r) => s + r.amount_refunded, 0), 0);
      facts.refundedOutsideCents = Math.max(0, charge.amount_refunded - ours);
    }
    return facts;
  }

  /** The stored state Stripe's invoice leads to: paid never goes back to open, void is final. */
  function nextState(stored: PaymentState, inv: Stripe.Invoice): PaymentState {
    if (stored === 'void' || stored === 'paid') return stored;
    if (inv.status === 'paid') return 'paid';
    if (inv.status === 'void') return 'void';
    if (inv.status === 'open' || inv.status === 'uncollectible') return 'open';
    return stored;
  }

  /** Writes what Stripe said about the invoice into the projection, auditing each change once. */
  async function project(placementId: string, inv: Stripe.Invoice, extra: { created?: boolean } = {}): Promise<FeePayment> {
    const facts = await paymentFacts(inv);
    return locked(placementId, async (trx, row) => {
      const state = nextState(row.state, inv);
      const patch: Partial<PaymentRow> = { state, stripe_invoice_id: inv.id, hosted_invoice_url: inv.hosted_invoice_url ?? null };
      // The due date is ours once set: an admin's extension is not undone by a re-read.
      if (!row.due_at && state !== 'creating') {
        patch.due_at =
          inv.collection_method === 'send_invoice' ? fromUnix(inv.due_date) : (fromUnix(inv.status_transitions.finalized_at) ?? new Date());
      }
      const audit = (event: Parameters<typeof payments.audit>[0]['event'], key: string, more: object = {}) =>
        payments.audit({ placementId, event, actor: SYSTEM_ACTOR, key: `${placementId}:${key}`, ...more }, trx);
      if (extra.created) await audit('invoice_created', 'invoice_created', { newState: state, details: { invoiceId: inv.id } });
      if (state === 'paid' && row.state !== 'paid') {
        // Paid, and no charge paid it: recorded outside Stripe (`paid_out_of_band`, e.g. from the Dashboard).
        const offStripe = !facts.chargeId && inv.amount_paid > 0;
        Object.assign(patch, {
          stripe_charge_id: facts.chargeId,
          amount_paid_cents: Math.min(inv.amount_paid, row.amount_cents),
          paid_out_of_band: offStripe,
          paid_at: fromUnix(inv.status_transitions.paid_at) ?? new Date(),
        });
        await audit('paid', 'paid', {
          oldState: row.state,
          newState: 'paid',
          details: { chargeId: facts.chargeId, amountPaidCents: inv.amount_paid, outOfBand: offStripe },
        });
      }
      if (state === 'void' && row.state !== 'void') await audit('voided', 'voided', { oldState: row.state, newState: 'void' });
      if (state === 'open' && facts.failure) {
        patch.last_payment_error = facts.failure.message;
        await audit('payment_failed', `payment_failed:${facts.failure.key}`, { newState: 'open', reason: facts.failure.message });
      }
      if (facts.dispute) {
        patch.dispute_status = facts.dispute.status;
        await audit('disputed', `disputed:${facts.dispute.id}`, { details: { disputeId: facts.dispute.id } });
        if (CLOSED_DISPUTE_STATUSES.has(facts.dispute.status)) {
          await audit('dispute_closed', `dispute_closed:${facts.dispute.id}`, {
            details: { disputeId: facts.dispute.id, status: facts.dispute.status },
          });
        }
      }
      if (facts.refundedOutsideCents > 0) {
        await audit('refunded_outside', `refunded_outside:${facts.refundedOutsideCents}`, {
          details: { chargeId: facts.chargeId, amountCents: facts.refundedOutsideCents },
        });
      }
      return toFeePayment(await payments.update(placementId, patch, trx));
    });
  }

  const retrieveInvoice = (id: string) => stripe.invoices.retrieve(id, { expand: ['payments'] });

  /** A Stripe refusal of an invoice action, or a transient error Temporal retries. */
  function invoiceError(err: unknown, what: string, placementId: string): never {
    if (isPermanent(err)) throw refuse(`Stripe refused to ${what} the fee invoice: ${stripeMessage(err)}`, FAILURE_TYPES.InvoiceRefused);
    log.warn('transient Stripe error; Temporal retries', { placementId, what, error: String(err) });
    throw err;
  }

  /** The refund Stripe refused: blocked until an admin retries or cancels it. */
  async function blockRefund(row: PaymentRow, reason: string): Promise<never> {
    await locked(row.placement_id, async (trx, current) => {
      if (current.refund_state !== 'none') return;
      await payments.update(row.placement_id, { refund_state: 'blocked', refund_block_reason: reason }, trx);
      await payments.audit(
        {
          placementId: row.placement_id,
          event: 'refund_blocked',
          oldState: 'none',
          newState: 'blocked',
          actor: SYSTEM_ACTOR,
          reason,
          details: { attempt: row.refund_attempt },
          key: `${row.placement_id}:refund_blocked:attempt-${row.refund_attempt}`,
        },
        trx,
      );
    });
    throw refuse(reason, FAILURE_TYPES.RefundRefused);
  }

  /** This attempt's credit note: one a crashed earlier run created (by metadata), else a new one. */
  async function creditNote(row: PaymentRow, inv: Stripe.Invoice, amounts: Partial<Stripe.CreditNoteCreateParams>, memo: string) {
    const attempt = String(row.refund_attempt);
    const existing = await stripe.creditNotes.list({ invoice: inv.id, limit: 100 });
    const mine = existing.data.find((n) => n.metadata?.placement_id === row.placement_id && n.metadata?.refund_attempt === attempt);
    if (mine) return mine;
    return stripe.creditNotes.create(
      {
        invoice: inv.id,
        amount: row.refund_due_cents!,
        ...amounts,
        memo,
        metadata: { placement_id: row.placement_id, refund_attempt: attempt },
      },
      { idempotencyKey: feeIdempotencyKeys.refund(row.placement_id, row.refund_attempt) },
    );
  }

  return {
    /**
     * Invoices the placement's fee to the company once: its Stripe customer, a draft invoice
     * with the fee as its one item, finalized (net 0: charged at once). A rerun returns the
     * stored payment, or finishes a creation a crash interrupted from the stored invoice id.
     */
    async invoiceFee(input: { placementId: string }): Promise<FeePayment> {
      const existing = await payments.find(input.placementId);
      if (existing && existing.state !== 'creating') return toFeePayment(existing);
      const p = await payments.snapshot(input.placementId);
      if (!p) throw refuse(`placement ${input.placementId} not found`, FAILURE_TYPES.PlacementNotFound);
      let inv: Stripe.Invoice;
      let payError: Stripe.errors.StripeError | null = null;
      try {
        const customerId = await ensureCustomer(p);
        const row =
          existing ??
          (await payments.insertIfAbsent({
            placement_id: p.id,
            company_id: p.company_id,
            amount_cents: p.fee_cents,
            currency: p.currency,
            stripe_customer_id: customerId,
          }));
        if (row.stripe_invoice_id) {
          inv = await retrieveInvoice(row.stripe_invoice_id);
        } else {
          inv = await draftInvoice(p, customerId, existing !== undefined);
          // Stored before anything else happens to it, so a rerun continues with this invoice.
          await payments.update(p.id, { stripe_invoice_id: inv.id }, db);
        }
        if (inv.status === 'draft') {
          if (inv.lines.data.length === 0) {
            await stripe.invoiceItems.create(
              {
                customer: customerId,
                invoice: inv.id,
                amount: p.fee_cents,
                currency: p.currency.toLowerCase(),
                description: `Placement fee (placement ${p.id})`,
                metadata: { placement_id: p.id },
              },
              { idempotencyKey: feeIdempotencyKeys.invoiceItem(p.id) },
            );
          }
          inv = await stripe.invoices.finalizeInvoice(inv.id, {}, { idempotencyKey: feeIdempotencyKeys.finalize(p.id) });
        }
        if (p.payment_terms_days === 0 && inv.status === 'open' && !inv.attempted) {
          try {
            inv = await stripe.invoices.pay(inv.id, {}, { idempotencyKey: feeIdempotencyKeys.pay(p.id) });
          } catch (err) {
            // A decline or a missing payment method is the company's to fix, not a failure of
            // this activity: the invoice stays open and the failure is recorded.
            if (!isPermanent(err)) throw err;
            payError = err;
          }
        }
        inv = await retrieveInvoice(inv.id);
      } catch (err) {
        return invoiceError(err, 'create', input.placementId);
      }
      const created = await project(input.placementId, inv, { created: true });
      if (!payError || created.state !== 'open' || created.lastPaymentError) return created;
      // Refused before any charge (no payment method): nothing on the PaymentIntent says so.
      const refusal: Stripe.errors.StripeError = payError;
      const message = stripeMessage(refusal);
      return locked(input.placementId, async (trx) => {
        await payments.audit(
          {
            placementId: input.placementId,
            event: 'payment_failed',
            newState: 'open',
            actor: SYSTEM_ACTOR,
            reason: message,
            key: `${input.placementId}:payment_failed:${refusal.code ?? refusal.type}`,
          },
          trx,
        );
        return toFeePayment(await payments.update(input.placementId, { last_payment_error: message }, trx));
      });
    },

    /**
     * Re-reads the invoice, its payment, charge and dispute, and writes the projection. Reading
     * Stripe's current state (not the event) makes duplicate and out-of-order events converge.
     */
    async syncFeePayment(input: { placementId: string }): Promise<FeePayment> {
      const row = await requirePayment(input.placementId);
      if (!row.stripe_invoice_id) return toFeePayment(row);
      let inv: Stripe.Invoice;
      try {
        inv = await retrieveInvoice(row.stripe_invoice_id);
      } catch (err) {
        return invoiceError(err, 'read', input.placementId);
      }
      return project(input.placementId, inv);
    },

    /** A platform admin records a payment made outside Stripe: the invoice is paid out of band. */
    async markFeePaid(input: { placementId: string; actor: Actor; reason: string }): Promise<FeePayment> {
      const row = await requirePayment(input.placementId);
      if (row.state === 'paid') return toFeePayment(row);
      if (row.state !== 'open') throw refuse(`a ${row.state} fee invoice cannot be marked paid`, FAILURE_TYPES.InvalidState);
      let inv: Stripe.Invoice;
      try {
        inv = await stripe.invoices.pay(
          row.stripe_invoice_id!,
          { paid_out_of_band: true },
          { idempotencyKey: feeIdempotencyKeys.paidOutOfBand(input.placementId) },
        );
      } catch (err) {
        if (!isPermanent(err)) return invoiceError(err, 'mark paid', input.placementId);
        // Paid by the company meanwhile: record that payment instead.
        const current = await retrieveInvoice(row.stripe_invoice_id!);
        if (current.status !== 'paid') return invoiceError(err, 'mark paid', input.placementId);
        return project(input.placementId, current);
      }
      return locked(input.placementId, async (trx, current) => {
        if (current.state === 'paid') return toFeePayment(current);
        await payments.audit(
          {
            placementId: input.placementId,
            event: 'marked_paid',
            oldState: current.state,
            newState: 'paid',
            actor: input.actor,
            reason: input.reason,
            details: { invoiceId: inv.id, amountCents: inv.amount_paid },
            key: `${input.placementId}:marked_paid`,
          },
          trx,
        );
        const updated = await payments.update(
          input.placementId,
          {
            state: 'paid',
            paid_out_of_band: true,
            amount_paid_cents: Math.min(inv.amount_paid, current.amount_cents),
            paid_at: fromUnix(inv.status_transitions.paid_at) ?? new Date(),
          },
          trx,
        );
        return toFeePayment(updated);
      });
    },

    /**
     * A platform admin gives the company `days` more. Only our due date moves (reminders follow
     * it): Stripe's `due_date` "can only be updated on draft invoices" (stripe-node
     * InvoiceUpdateParams.due_date; https://docs.stripe.com/api/invoices/update).
     */
    async extendPaymentDue(input: { placementId: string; actor: Actor; days: number; reason: string }): Promise<FeePayment> {
      if (!Number.isInteger(input.days) || input.days < 1 || input.days > 365) {
        throw refuse(`days must be a whole number from 1 to 365, not ${input.days}`, FAILURE_TYPES.InvalidState);
      }
      const key = invocationKey();
      return locked(input.placementId, async (trx, row) => {
        if (row.state !== 'open' || !row.due_at)
          throw refuse(`a ${row.state} fee invoice has no due date to extend`, FAILURE_TYPES.InvalidState);
        const dueAt = new Date(row.due_at.getTime() + input.days * DAY_MS);
        const first = await payments.audit(
          {
            placementId: input.placementId,
            event: 'due_extended',
            oldState: row.due_at.toISOString(),
            newState: dueAt.toISOString(),
            actor: input.actor,
            reason: input.reason,
            details: { days: input.days, from: row.due_at.toISOString(), to: dueAt.toISOString() },
            key: `${input.placementId}:due_extended:${key}`,
          },
          trx,
        );
        // A retry of the same command finds its audit row: the days were added already.
        return toFeePayment(first ? await payments.update(input.placementId, { due_at: dueAt }, trx) : row);
      });
    },

    /** A platform admin voids the invoice: the fee will not be collected. */
    async voidFee(input: { placementId: string; actor: Actor; reason: string }): Promise<FeePayment> {
      const row = await requirePayment(input.placementId);
      if (row.state === 'void') return toFeePayment(row);
      if (row.state !== 'open') throw refuse(`a ${row.state} fee invoice cannot be voided`, FAILURE_TYPES.InvalidState);
      try {
        await stripe.invoices.voidInvoice(row.stripe_invoice_id!, {}, { idempotencyKey: feeIdempotencyKeys.void(input.placementId) });
      } catch (err) {
        if (!isPermanent(err)) return invoiceError(err, 'void', input.placementId);
        const current = await retrieveInvoice(row.stripe_invoice_id!);
        await project(input.placementId, current);
        if (current.status !== 'void') return invoiceError(err, 'void', input.placementId);
      }
      return locked(input.placementId, async (trx, current) => {
        await payments.audit(
          {
            placementId: input.placementId,
            event: 'voided',
            oldState: current.state === 'void' ? 'open' : current.state,
            newState: 'void',
            actor: input.actor,
            reason: input.reason,
            key: `${input.placementId}:voided`,
          },
          trx,
        );
        return toFeePayment(current.state === 'void' ? current : await payments.update(input.placementId, { state: 'void' }, trx));
      });
    },

    /** Records that reminder number `reminder` went out (once). */
    async notePaymentReminder(input: { placementId: string; reminder: number }): Promise<FeePayment> {
      return locked(input.placementId, async (trx, row) => {
        const first = await payments.audit(
          {
            placementId: input.placementId,
            event: 'reminder_sent',
            actor: SYSTEM_ACTOR,
            details: { reminder: input.reminder, dueAt: row.due_at?.toISOString() ?? null },
            key: `${input.placementId}:reminder:${input.reminder}`,
          },
          trx,
        );
        if (!first || row.reminders_sent >= input.reminder) return toFeePayment(row);
        return toFeePayment(await payments.update(input.placementId, { reminders_sent: input.reminder }, trx));
      });
    },

    /**
     * Decides once what the failed guarantee returns to the company (its refund policy as
     * recorded): of what it paid, or, when it has not paid yet, of what it still owes. The
     * share taken back from each paid split (`reverseBps`) is the same share.
     */
    async planRefund(input: {
      placementId: string;
      failedAt: string;
      guaranteeEndsAt: string;
    }): Promise<{ refundDueCents: number; reverseBps: number }> {
      const p = await payments.snapshot(input.placementId);
      if (!p) throw refuse(`placement ${input.placementId} not found`, FAILURE_TYPES.PlacementNotFound);
      return locked(input.placementId, async (trx, row) => {
        const collected = row.state === 'paid' ? row.amount_paid_cents : row.state === 'open' ? row.amount_cents : 0;
        let due = row.refund_due_cents;
        if (due === null) {
          const daysLeft = Math.floor((new Date(input.guaranteeEndsAt).getTime() - new Date(input.failedAt).getTime()) / DAY_MS);
          due = refundableCents({ policy: p.refund_policy, collectedCents: collected, guaranteeDays: p.guarantee_days, daysLeft });
          await payments.update(input.placementId, { refund_due_cents: due }, trx);
          await payments.audit(
            {
              placementId: input.placementId,
              event: 'refund_planned',
              actor: SYSTEM_ACTOR,
              details: {
                policy: p.refund_policy,
                collectedCents: collected,
                guaranteeDays: p.guarantee_days,
                daysLeft,
                refundDueCents: due,
              },
              key: `${input.placementId}:refund_planned`,
            },
            trx,
          );
        }
        return { refundDueCents: due, reverseBps: row.state === 'paid' ? reversalBps(due, collected) : 0 };
      });
    },

    /**
     * Carries out the planned refund: a credit note refunding the charge (paid by card), one
     * recorded outside Stripe (paid out of band), on an unpaid invoice a void (all of it due
     * back) or a credit note lowering what is owed. A Stripe refusal blocks the refund.
     */
    async refundFee(input: { placementId: string; reason: string; actor: Actor }): Promise<FeePayment> {
      let row = await requirePayment(input.placementId);
      if (row.refund_state === 'refunded' || row.refund_state === 'cancelled') return toFeePayment(row);
      if (row.refund_state === 'blocked') throw refuse(row.refund_block_reason ?? 'the refund is blocked', FAILURE_TYPES.RefundRefused);
      if (row.refund_due_cents === null)
        throw refuse(`no refund is planned for placement ${input.placementId}`, FAILURE_TYPES.InvalidState);
      const due = row.refund_due_cents;
      let creditNoteId: string | null = null;
      let how: 'nothing_due' | 'refund' | 'out_of_band' | 'void' | 'pre_payment_credit';
      try {
        const inv = due === 0 || !row.stripe_invoice_id ? null : await retrieveInvoice(row.stripe_invoice_id);
        if (inv?.status === 'paid' && row.state !== 'paid') {
          // Paid since the last sync: record how (by charge or out of band) before refunding it.
          await project(input.placementId, inv);
          row = await requirePayment(input.placementId);
        }
        if (!inv) {
          how = 'nothing_due';
        } else if (inv.status === 'paid') {
          how = row.stripe_charge_id && !row.paid_out_of_band ? 'refund' : 'out_of_band';
          // https://docs.stripe.com/api/credit_notes/create: on a paid invoice the credit is
          // post-payment; `refund_amount` refunds the charge, `out_of_band_amount` records a
          // refund made outside Stripe.
          const amounts = how === 'refund' ? { refund_amount: due } : { out_of_band_amount: due };
          creditNoteId = (await creditNote(row, inv, amounts, input.reason)).id;
        } else if (inv.status === 'void') {
          how = 'void';
        } else if (inv.status === 'open' || inv.status === 'uncollectible') {
          if (due >= row.amount_cents) {
            how = 'void';
            await stripe.invoices.voidInvoice(
              inv.id,
              {},
              { idempotencyKey: feeIdempotencyKeys.refundVoid(row.placement_id, row.refund_attempt) },
            );
          } else {
            // A credit note first reduces what is still owed (pre-payment), refunding nothing.
            how = 'pre_payment_credit';
            creditNoteId = (await creditNote(row, inv, {}, input.reason)).id;
          }
        } else {
          throw refuse(`the fee invoice is ${inv.status}; nothing to refund`, FAILURE_TYPES.InvalidState);
        }
      } catch (err) {
        if (isPermanent(err)) return blockRefund(row, `Stripe refused the refund: ${stripeMessage(err)}`);
        throw err;
      }
      return locked(input.placementId, async (trx, current) => {
        if (current.refund_state === 'refunded') return toFeePayment(current);
        const voided = how === 'void' && current.state !== 'void';
        await payments.audit(
          {
            placementId: input.placementId,
            event: 'refunded',
            oldState: current.refund_state,
            newState: 'refunded',
            actor: input.actor,
            reason: input.reason,
            details: { amountCents: due, how, creditNoteId, attempt: current.refund_attempt },
            key: `${input.placementId}:refunded:attempt-${current.refund_attempt}`,
          },
          trx,
        );
        if (voided) {
          await payments.audit(
            {
              placementId: input.placementId,
              event: 'voided',
              oldState: current.state,
              newState: 'void',
              actor: input.actor,
              reason: input.reason,
              key: `${input.placementId}:voided`,
            },
            trx,
          );
        }
        const updated = await payments.update(
          input.placementId,
          {
            refund_state: 'refunded',
            refunded_cents: due,
            stripe_credit_note_id: creditNoteId,
            refund_block_reason: null,
            ...(voided && { state: 'void' as const }),
          },
          trx,
        );
        return toFeePayment(updated);
      });
    },

    /** A platform admin retries a blocked refund: a new attempt (new idempotency key); the workflow then refunds again. */
    async retryRefund(input: { placementId: string; actor: Actor }): Promise<FeePayment> {
      return locked(input.placementId, async (trx, row) => {
        // Anything but blocked: this retry ran already (or there is nothing to retry).
        if (row.refund_state !== 'blocked') return toFeePayment(row);
        await payments.audit(
          {
            placementId: input.placementId,
            event: 'refund_retried',
            oldState: 'blocked',
            newState: 'none',
            actor: input.actor,
            details: { attempt: row.refund_attempt + 1, blockedBy: row.refund_block_reason },
            key: `${input.placementId}:refund_retried:attempt-${row.refund_attempt}`,
          },
          trx,
        );
        const updated = await payments.update(
          input.placementId,
          { refund_state: 'none', refund_attempt: row.refund_attempt + 1, refund_block_reason: null },
          trx,
        );
        return toFeePayment(updated);
      });
    },

    /**
     * A platform admin gives up a blocked refund (settled outside, or not owed after all). When the
     * company's refund went through and only transfer reversals were refused, the refund stays
     * `refunded` and the audit row records the reversals given up.
     */
    async cancelRefund(input: { placementId: string; actor: Actor; reason: string }): Promise<FeePayment> {
      return locked(input.placementId, async (trx, row) => {
        if (row.refund_state === 'cancelled') return toFeePayment(row);
        if (row.refund_state === 'none')
          throw refuse('no refund has been attempted yet, so there is nothing to cancel', FAILURE_TYPES.InvalidState);
        const reversalsOnly = row.refund_state === 'refunded';
        await payments.audit(
          {
            placementId: input.placementId,
            event: 'refund_cancelled',
            oldState: row.refund_state,
            newState: reversalsOnly ? 'refunded' : 'cancelled',
            actor: input.actor,
            reason: input.reason,
            details: reversalsOnly ? { reversalsGivenUp: true } : { blockedBy: row.refund_block_reason },
            key: `${input.placementId}:refund_cancelled`,
          },
          trx,
        );
        if (reversalsOnly) return toFeePayment(row);
        return toFeePayment(await payments.update(input.placementId, { refund_state: 'cancelled' }, trx));
      });
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
