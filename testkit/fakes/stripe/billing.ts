// Money in, on terms: invoice items, invoices (draft → open → paid | void | uncollectible), the
// invoice's payments, and credit notes. Shapes follow the installed SDK's API version, where an
// invoice names its payment through `payments` (InvoicePayment → PaymentIntent → latest_charge);
// the legacy top-level `charge`/`payment_intent` fields are gone from that version's Invoice type.
// The reference calls `payments` "includable" (returned on request); the fake always includes it,
// so a client that asks for it (`expand: ['payments']`) and one that does not both see it.
import {
  emptyList,
  invalid,
  lister,
  metadataOf,
  noSuch,
  now,
  ok,
  optBool,
  optEnum,
  optInt,
  optString,
  randomId,
  reqInt,
  reqString,
  ParamError,
  getter,
  type Params,
  type Req,
  type Result,
  type Route,
} from './wire.js';
import { isTestPaymentMethod, newPaymentIntent, refundCharge, settle } from './payments.js';
import type { Charge, CreditNote, Invoice, InvoiceItem, InvoiceLine, InvoicePayment, State } from './state.js';

const DAY = 86_400;

export function billingRoutes(s: State): Route[] {
  let invoiceCount = 0;

  const findInvoice = (id: string): Invoice | Result => s.invoices.get(id) ?? noSuch('invoice', id);
  const isResult = (x: Invoice | Result): x is Result => 'status' in x && 'body' in x;

  /** The default InvoicePayment Stripe creates at finalization (see the InvoicePayment type). */
  const defaultPayment = (inv: Invoice): InvoicePayment | undefined =>
    [...s.invoicePayments.values()].find((ip) => ip.invoice === inv.id && ip.is_default);

  /** The charge that paid `inv`, through its payment's PaymentIntent. */
  function paidCharge(inv: Invoice): Charge | undefined {
    const intentId = defaultPayment(inv)?.payment.payment_intent;
    const chargeId = intentId ? s.paymentIntents.get(intentId as string)?.latest_charge : undefined;
    return chargeId ? s.charges.get(chargeId as string) : undefined;
  }

  function syncPayments(inv: Invoice): void {
    const data = [...s.invoicePayments.values()].filter((ip) => ip.invoice === inv.id);
    inv.payments = { ...emptyList(`/v1/invoices/${inv.id}/payments`), data: data as never };
  }

  function addLine(inv: Invoice, item: InvoiceItem): void {
    const line: InvoiceLine = {
      id: randomId('il'),
      object: 'line_item',
      amount: item.amount,
      currency: item.currency,
      description: item.description,
      invoice: inv.id,
      livemode: false,
      metadata: item.metadata ?? {},
      parent: {
        type: 'invoice_item_details',
        invoice_item_details: { invoice_item: item.id, proration: false, proration_details: null, subscription: null },
      },
    };
    inv.lines.data.push(line);
    inv.subtotal = inv.total = inv.lines.data.reduce((sum, l) => sum + l.amount, 0);
    inv.amount_due = inv.amount_remaining = inv.total;
  }

  // https://docs.stripe.com/api/invoiceitems/create: an item goes on the given draft invoice, or
  // waits as a pending item for the customer's next invoice.
  function createInvoiceItem(p: Params): Result {
    const customer = reqString(p, 'customer');
    const amount = reqInt(p, 'amount', 0);
    const currency = reqString(p, 'currency').toLowerCase();
    const invoiceId = optString(p, 'invoice') ?? null;
    if (!s.customers.has(customer)) return noSuch('customer', customer, 'customer');
    const inv = invoiceId ? s.invoices.get(invoiceId) : undefined;
    if (invoiceId && !inv) return noSuch('invoice', invoiceId, 'invoice');
    if (inv && inv.status !== 'draft') {
      // The reference says items can be added to draft invoices only; the wording is the fake's.
      return invalid(`Invoice ${inv.id} is not a draft; invoice items can only be added to draft invoices.`, { param: 'invoice' });
    }
    const item: InvoiceItem = {
      id: randomId('ii'),
      object: 'invoiceitem',
      amount,
      currency,
      customer,
      date: now(),
      description: optString(p, 'description') ?? null,
      invoice: invoiceId,
      livemode: false,
      metadata: metadataOf(p),
    };
    s.invoiceItems.set(item.id, item);
    if (inv) addLine(inv, item);
    return ok(item);
  }

  // https://docs.stripe.com/api/invoices/create. `days_until_due` only with `send_invoice`;
  // `send_invoice` needs it or `due_date`. Pending items join only with
  // `pending_invoice_items_behavior=include` (the default is `exclude`).
  function createInvoice(p: Params, req: Req): Result {
    const customerId = reqString(p, 'customer');
    const method = optEnum(p, 'collection_method', ['charge_automatically', 'send_invoice'] as const) ?? 'charge_automatically';
    const days = optInt(p, 'days_until_due', 0);
    const dueDate = optInt(p, 'due_date');
    const behavior = optEnum(p, 'pending_invoice_items_behavior', ['exclude', 'include'] as const) ?? 'exclude';
    if (method === 'charge_automatically' && (days !== undefined || dueDate !== undefined)) {
      throw new ParamError(
        'You may only specify `days_until_due` or `due_date` when `collection_method` is `send_invoice`.',
        days !== undefined ? 'days_until_due' : 'due_date',
        'parameter_invalid_integer',
      );
    }
    if (method === 'send_invoice' && days === undefined && dueDate === undefined) {
      throw new ParamError(
        'Missing required param: days_until_due (or due_date) when `collection_method` is `send_invoice`.',
        'days_until_due',
        'parameter_missing',
      );
    }
    const customer = s.customers.get(customerId);
    if (!customer) return noSuch('customer', customerId, 'customer');
    const created = now();
    const id = randomId('in');
    const inv: Invoice = {
      id,
      object: 'invoice',
      amount_due: 0,
      amount_paid: 0,
      amount_paid_off_stripe: 0,
      amount_remaining: 0,
      attempt_count: 0,
      attempted: false,
      auto_advance: optBool(p, 'auto_advance') ?? false,
      collection_method: method,
      created,
      currency: (optString(p, 'currency') ?? 'usd').toLowerCase(),
      customer: customerId,
      customer_email: customer.email,
      customer_name: customer.name ?? null,
      days_until_due: days ?? null,
      description: optString(p, 'description') ?? null,
      due_date: dueDate ?? (days !== undefined ? created + days * DAY : null),
      hosted_invoice_url: null,
      lines: emptyList(`/v1/invoices/${id}/lines`),
      livemode: false,
      metadata: metadataOf(p),
      number: null,
      payments: emptyList(`/v1/invoices/${id}/payments`),
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      status: 'draft',
      status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: 0,
      total: 0,
    };
    s.invoices.set(id, inv);
    if (behavior === 'include') {
      for (const item of s.invoiceItems.values()) {
        if (item.customer === customerId && item.invoice === null) {
          item.invoice = id;
          addLine(inv, item);
        }
      }
    }
    s.webhooks.emit('invoice.created', inv, { req });
    return ok(inv);
  }

  function markPaid(inv: Invoice, req: Req | null, amount: number): void {
    inv.status = 'paid';
    inv.amount_paid += amount;
    inv.amount_remaining = 0;
    inv.status_transitions.paid_at = now();
    syncPayments(inv);
    // Stripe sends both for a successful payment (https://docs.stripe.com/api/events/types).
    s.webhooks.emit('invoice.payment_succeeded', inv, { req });
    s.webhooks.emit('invoice.paid', inv, { req });
  }

  // https://docs.stripe.com/api/invoices/finalize: draft → open, numbered, with a hosted page and a
  // due date counted from finalization. A zero-amount invoice is paid at once
  // (https://docs.stripe.com/invoicing/overview#invoice-lifecycle).
  function finalize(id: string, req: Req): Result {
    const inv = findInvoice(id);
    if (isResult(inv)) return inv;
    if (inv.status !== 'draft') {
      return invalid(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, { code: 'invoice_not_editable' });
    }
    const at = now();
    inv.status = 'open';
    inv.number = `FAKE${String(++invoiceCount).padStart(4, '0')}-0001`;
    inv.hosted_invoice_url = `${s.url}/_fake/invoices/${inv.id}`;
    inv.status_transitions.finalized_at = at;
    if (inv.days_until_due !== null) inv.due_date = at + inv.days_until_due * DAY;
    const intent = newPaymentIntent(s, {
      amount: inv.amount_due,
      currency: inv.currency,
      customer: inv.customer as string,
      description: `Payment for Invoice ${inv.number}`,
      metadata: {},
      payment_method: null,
      transfer_group: null,
    });
    const payment: InvoicePayment = {
      id: randomId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: inv.amount_due,
      created: at,
      currency: inv.currency,
      invoice: inv.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: intent.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    };
    s.invoicePayments.set(payment.id, payment);
    syncPayments(inv);
    s.webhooks.emit('invoice.finalized', inv, { req });
    if (inv.amount_due === 0) markPaid(inv, req, 0);
    // The fake's `autoPayInvoices` option: the company pays the moment the invoice arrives, through
    // the hosted page's path (events name no API request, as the control endpoint's do).
    else if (s.autoPayInvoices) attempt(inv, 'pm_card_visa', null);
    return ok(inv);
  }

  /** Attempts payment of an open invoice with `pm`; a decline leaves it open and says so. */
  function attempt(inv: Invoice, pm: string, req: Req | null): Result {
    const payment = defaultPayment(inv) as InvoicePayment;
    const intent = s.paymentIntents.get(payment.payment.payment_intent as string);
    if (!intent) throw new Error(`invoice ${inv.id} lost its payment intent`);
    intent.amount = inv.amount_remaining;
    inv.attempt_count += 1;
    inv.attempted = true;
    const { error } = settle(s, intent, pm, req);
    if (error) {
      s.webhooks.emit('invoice.payment_failed', inv, { req });
      return error;
    }
    payment.status = 'paid';
    payment.amount_paid = intent.amount;
    payment.status_transitions.paid_at = now();
    markPaid(inv, req, intent.amount);
    return ok(inv);
  }

  // https://docs.stripe.com/api/invoices/pay: open (or uncollectible) invoices only; charges
  // `payment_method`, else the customer's default, or records a payment outside Stripe with
  // `paid_out_of_band`. That amount shows in `amount_paid_off_stripe` (changelog 2026-05-27.dahlia,
  // "Adds amount paid off Stripe property": includable, absent from event payloads; the fake always
  // serves it). Whether `amount_paid` also counts it is not published; the fake counts it there
  // too, as older API versions did, so nothing is left remaining either way.
  function pay(id: string, p: Params, req: Req | null): Result {
    const inv = findInvoice(id);
    if (isResult(inv)) return inv;
    const outOfBand = optBool(p, 'paid_out_of_band') ?? false;
    const pmParam = optString(p, 'payment_method');
    if (inv.status === 'paid') return invalid('Invoice is already paid.');
    if (inv.status !== 'open' && inv.status !== 'uncollectible') {
      return invalid(`You can only pay an invoice that is open or uncollectible; invoice ${inv.id} is ${inv.status}.`);
    }
    if (outOfBand) {
      inv.amount_paid_off_stripe = (inv.amount_paid_off_stripe ?? 0) + inv.amount_remaining;
      markPaid(inv, req, inv.amount_remaining);
      return ok(inv);
    }
    const customer = s.customers.get(inv.customer as string);
    const pm = pmParam ?? (customer?.invoice_settings.default_payment_method as string | null | undefined);
    if (!pm) return invalid('This customer has no attached payment source or default payment method.', { param: 'payment_method' });
    if (!isTestPaymentMethod(pm)) return invalid(`No such PaymentMethod: '${pm}'`, { code: 'resource_missing', param: 'payment_method' });
    return attempt(inv, pm, req);
  }

  // https://docs.stripe.com/api/invoices/void: finalized invoices that are not paid.
  function voidInvoice(id: string, req: Req): Result {
    const inv = findInvoice(id);
    if (isResult(inv)) return inv;
    if (inv.status !== 'open' && inv.status !== 'uncollectible') {
      return invalid(`You can only void an open or uncollectible invoice; invoice ${inv.id} is ${inv.status}.`);
    }
    inv.status = 'void';
    inv.status_transitions.voided_at = now();
    const payment = defaultPayment(inv);
    if (payment) {
      payment.status = 'canceled';
      payment.status_transitions.canceled_at = now();
      const intent = s.paymentIntents.get(payment.payment.payment_intent as string);
      if (intent) Object.assign(intent, { status: 'canceled', canceled_at: now() });
      syncPayments(inv);
    }
    s.webhooks.emit('invoice.voided', inv, { req });
    return ok(inv);
  }

  // https://docs.stripe.com/api/invoices/mark_uncollectible
  function markUncollectible(id: string, req: Req): Result {
    const inv = findInvoice(id);
    if (isResult(inv)) return inv;
    if (inv.status !== 'open') return invalid(`You can only mark an open invoice uncollectible; invoice ${inv.id} is ${inv.status}.`);
    inv.status = 'uncollectible';
    inv.status_transitions.marked_uncollectible_at = now();
    s.webhooks.emit('invoice.marked_uncollectible', inv, { req });
    return ok(inv);
  }

  // https://docs.stripe.com/api/credit_notes/create: "A credit note will first reduce the
  // invoice's amount_remaining (and amount_due), but not below zero [pre_payment_amount]. The
  // excess amount is indicated by post_payment_amount ... The sum of refunds, customer balance
  // credits, and outside of Stripe credits must equal the post_payment_amount."
  // The fake takes `amount` (not `lines`).
  function createCreditNote(p: Params, req: Req): Result {
    const invoiceId = reqString(p, 'invoice');
    const amount = reqInt(p, 'amount');
    const refundAmount = optInt(p, 'refund_amount', 0) ?? 0;
    const creditAmount = optInt(p, 'credit_amount', 0) ?? 0;
    const outOfBand = optInt(p, 'out_of_band_amount', 0) ?? 0;
    const reason = optEnum(p, 'reason', ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory'] as const) ?? null;
    const inv = s.invoices.get(invoiceId);
    if (!inv) return noSuch('invoice', invoiceId, 'invoice');
    if (inv.status !== 'open' && inv.status !== 'paid') {
      return invalid(`Credit notes can only be issued on open or paid invoices; invoice ${inv.id} is ${inv.status}.`, { param: 'invoice' });
    }
    const creditable = inv.total - inv.pre_payment_credit_notes_amount - inv.post_payment_credit_notes_amount;
    if (amount > creditable) {
      return invalid(
        `The credit note amount (${amount}) exceeds the amount that can still be credited on invoice ${inv.id} (${creditable}).`,
        {
          param: 'amount',
        },
      );
    }
    const pre = Math.min(amount, inv.amount_remaining);
    const post = amount - pre;
    if (refundAmount + creditAmount + outOfBand !== post) {
      return invalid(
        `The sum of refund_amount, credit_amount and out_of_band_amount (${refundAmount + creditAmount + outOfBand}) must equal the credit note's post-payment amount (${post}).`,
        { param: 'refund_amount' },
      );
    }
    const refunds: CreditNote['refunds'] = [];
    if (refundAmount > 0) {
      const charge = paidCharge(inv);
      if (!charge) return invalid(`Invoice ${inv.id} has no charge to refund.`, { param: 'refund_amount' });
      const refunded = refundCharge(s, charge, refundAmount, { reason: null, metadata: {} }, req);
      if (refunded.status !== 200) return refunded;
      const refund = refunded.body as { id: string };
      refunds.push({ amount_refunded: refundAmount, payment_record_refund: null, refund: refund.id, type: 'refund' });
    }
    if (creditAmount > 0) {
      const customer = s.customers.get(inv.customer as string);
      if (customer) customer.balance -= creditAmount;
    }
    const note: CreditNote = {
      id: randomId('cn'),
      object: 'credit_note',
      amount,
      created: now(),
      currency: inv.currency,
      customer: inv.customer as string,
      invoice: inv.id,
      livemode: false,
      memo: optString(p, 'memo') ?? null,
      metadata: metadataOf(p),
      number: `${inv.number}-CN-${String([...s.creditNotes.values()].filter((c) => c.invoice === inv.id).length + 1).padStart(2, '0')}`,
      out_of_band_amount: outOfBand || null,
      post_payment_amount: post,
      pre_payment_amount: pre,
      reason,
      refunds,
      status: 'issued',
      subtotal: amount,
      total: amount,
      type: pre && post ? 'mixed' : pre ? 'pre_payment' : 'post_payment',
      voided_at: null,
    };
    s.creditNotes.set(note.id, note);
    inv.pre_payment_credit_notes_amount += pre;
    inv.post_payment_credit_notes_amount += post;
    inv.amount_due -= pre;
    inv.amount_remaining -= pre;
    s.webhooks.emit('credit_note.created', note, { req });
    // An open invoice credited down to nothing owes nothing: the fake marks it paid (the reference
    // does not spell this out).
    if (pre > 0 && inv.status === 'open' && inv.amount_remaining === 0) markPaid(inv, req, 0);
    return ok(note);
  }

  /** Fake-only: what the company does on the hosted invoice page — pay it, or have the card declined. */
  function fakePay(id: string, p: Params): Result {
    const outcome = optEnum(p, 'outcome', ['succeed', 'fail'] as const) ?? 'succeed';
    const inv = findInvoice(id);
    if (isResult(inv)) return inv;
    if (inv.status !== 'open' && inv.status !== 'uncollectible') return invalid(`Invoice ${inv.id} is ${inv.status}, not payable.`);
    const result = attempt(inv, outcome === 'succeed' ? 'pm_card_visa' : 'pm_card_chargeDeclined', null);
    // The hosted page's buttons come back to the page; API callers get the outcome as JSON.
    if (optString(p, 'redirect')) return { status: 303, body: '', headers: { Location: `/_fake/invoices/${inv.id}` } };
    return result.status === 200 ? result : { ...result, body: { ...(result.body as object), invoice: inv } };
  }

  function hostedPage(id: string): Result {
    const inv = findInvoice(id);
    if (isResult(inv)) return inv;
    const button = (outcome: string, label: string) =>
      `<form method="post" action="/_fake/invoices/${inv.id}/pay"><input type="hidden" name="outcome" value="${outcome}"><input type="hidden" name="redirect" value="1"><button>${label}</button></form>`;
    const html = `<!doctype html><title>Invoice ${inv.number}</title><h1>Invoice ${inv.number}</h1>
<p>Status: ${inv.status}. Amount remaining: ${(inv.amount_remaining / 100).toFixed(2)} ${inv.currency.toUpperCase()}</p>
${inv.status === 'open' ? button('succeed', 'Pay') + button('fail', 'Pay with a declined card') : ''}`;
    return { status: 200, body: html, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
  }

  return [
    ['POST', /^\/v1\/invoiceitems$/, (_id, p) => createInvoiceItem(p)],
    ['GET', /^\/v1\/invoiceitems\/([^/]+)$/, getter(s.invoiceItems, 'invoiceitem')],
    ['POST', /^\/v1\/invoices$/, (_id, p, req) => createInvoice(p, req)],
    ['GET', /^\/v1\/invoices\/([^/]+)$/, getter(s.invoices, 'invoice')],
    ['GET', /^\/v1\/invoices$/, lister(s.invoices, '/v1/invoices', ['customer', 'status'])],
    ['POST', /^\/v1\/invoices\/([^/]+)\/finalize$/, (id, _p, req) => finalize(id, req)],
    ['POST', /^\/v1\/invoices\/([^/]+)\/pay$/, (id, p, req) => pay(id, p, req)],
    ['POST', /^\/v1\/invoices\/([^/]+)\/void$/, (id, _p, req) => voidInvoice(id, req)],
    ['POST', /^\/v1\/invoices\/([^/]+)\/mark_uncollectible$/, (id, _p, req) => markUncollectible(id, req)],
    ['GET', /^\/v1\/invoice_payments\/([^/]+)$/, getter(s.invoicePayments, 'invoice_payment')],
    ['GET', /^\/v1\/invoice_payments$/, lister(s.invoicePayments, '/v1/invoice_payments', ['invoice'])],
    ['POST', /^\/v1\/credit_notes$/, (_id, p, req) => createCreditNote(p, req)],
    ['GET', /^\/v1\/credit_notes\/([^/]+)$/, getter(s.creditNotes, 'credit_note')],
    ['GET', /^\/v1\/credit_notes$/, lister(s.creditNotes, '/v1/credit_notes', ['invoice'])],
    ['GET', /^\/_fake\/invoices\/([^/]+)$/, (id) => hostedPage(id)],
    ['POST', /^\/_fake\/invoices\/([^/]+)\/pay$/, (id, p) => fakePay(id, p)],
  ];
}
