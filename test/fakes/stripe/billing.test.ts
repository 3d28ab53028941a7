import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeStripe } from './test-kit.js';

const kit = useFakeStripe();

const DAY = 86_400;

async function draftInvoice(amount = 250_000, params: Partial<Stripe.InvoiceCreateParams> = {}) {
  const customer = await kit.stripe.customers.create({ email: 'ap@acme.test', name: 'Acme' });
  const draft = await kit.stripe.invoices.create({
    customer: customer.id,
    collection_method: 'send_invoice',
    days_until_due: 30,
    metadata: { placementId: '42' },
    ...params,
  });
  await kit.stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount, currency: 'usd', description: 'Placement fee' });
  return { customer, draft };
}

/** The charge that paid `invoice`, found as the API version's shapes lead to it. */
async function chargeOf(invoice: Stripe.Invoice): Promise<Stripe.Charge> {
  const payments = await kit.stripe.invoicePayments.list({ invoice: invoice.id });
  const intent = await kit.stripe.paymentIntents.retrieve(payments.data[0]?.payment.payment_intent as string);
  return kit.stripe.charges.retrieve(intent.latest_charge as string);
}

const eventTypes = () => kit.fake.events().map((e) => e.type);

describe('fake Stripe invoices', () => {
  it('runs an invoice from draft through finalize to paid, with its payment, intent and charge', async () => {
    const { customer, draft } = await draftInvoice();
    expect(draft).toMatchObject({ object: 'invoice', status: 'draft', number: null, amount_due: 0, collection_method: 'send_invoice' });
    expect(draft.id).toMatch(/^in_/);

    const withItem = await kit.stripe.invoices.retrieve(draft.id);
    expect(withItem).toMatchObject({ amount_due: 250_000, total: 250_000, lines: { data: [{ object: 'line_item', amount: 250_000 }] } });

    const open = await kit.stripe.invoices.finalizeInvoice(draft.id);
    expect(open).toMatchObject({ status: 'open', amount_due: 250_000, amount_paid: 0, amount_remaining: 250_000 });
    expect(open.number).toBeTruthy();
    expect(open.hosted_invoice_url).toContain(`/_fake/invoices/${draft.id}`);
    expect(open.due_date).toBe((open.status_transitions.finalized_at as number) + 30 * DAY);
    expect(open.payments?.data).toMatchObject([
      { object: 'invoice_payment', is_default: true, status: 'open', payment: { type: 'payment_intent' } },
    ]);

    const paid = await kit.stripe.invoices.pay(draft.id, { payment_method: 'pm_card_visa' });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 250_000, amount_remaining: 0, attempt_count: 1, attempted: true });
    expect(paid.status_transitions.paid_at).toBeGreaterThan(0);
    expect((await kit.stripe.invoicePayments.list({ invoice: draft.id })).data).toMatchObject([{ status: 'paid', amount_paid: 250_000 }]);
    expect(await chargeOf(paid)).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      paid: true,
      amount: 250_000,
      amount_refunded: 0,
      currency: 'usd',
      customer: customer.id,
      balance_transaction: null,
    });
    expect(eventTypes()).toEqual([
      'invoice.created',
      'invoice.finalized',
      'payment_intent.succeeded',
      'invoice.payment_succeeded',
      'invoice.paid',
    ]);
    expect((await kit.stripe.invoices.list({ customer: customer.id, status: 'paid' })).data.map((i) => i.id)).toEqual([draft.id]);
  });

  it('charges a charge_automatically invoice to the customer’s default payment method, and refuses days_until_due on it', async () => {
    const customer = await kit.stripe.customers.create({ invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const bad = await rejection(kit.stripe.invoices.create({ customer: customer.id, days_until_due: 30 }, { idempotencyKey: 'inv-1' }));
    expect(bad).toMatchObject({ statusCode: 400, param: 'days_until_due' });
    expect(await rejection(kit.stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice' }))).toMatchObject({
      statusCode: 400,
      code: 'parameter_missing',
    });

    const draft = await kit.stripe.invoices.create({ customer: customer.id }, { idempotencyKey: 'inv-1' });
    expect(draft).toMatchObject({ collection_method: 'charge_automatically', due_date: null });
    await kit.stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 9_900, currency: 'usd' });
    await kit.stripe.invoices.finalizeInvoice(draft.id);
    expect(await kit.stripe.invoices.pay(draft.id)).toMatchObject({ status: 'paid', amount_paid: 9_900 });
  });

  it('creates one invoice for a repeated Idempotency-Key', async () => {
    const customer = await kit.stripe.customers.create({});
    const params = { customer: customer.id, collection_method: 'send_invoice' as const, days_until_due: 30 };
    const first = await kit.stripe.invoices.create(params, { idempotencyKey: 'placement-42-invoice' });
    const again = await kit.stripe.invoices.create(params, { idempotencyKey: 'placement-42-invoice' });
    expect(again.id).toBe(first.id);
    expect((await kit.stripe.invoices.list()).data).toHaveLength(1);
  });

  it('answers a declined payment with a card error, keeps the invoice open and emits invoice.payment_failed, then takes a good card', async () => {
    const { draft } = await draftInvoice();
    await kit.stripe.invoices.finalizeInvoice(draft.id);

    const declined = await rejection(kit.stripe.invoices.pay(draft.id, { payment_method: 'pm_card_chargeDeclined' }));
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(await kit.stripe.invoices.retrieve(draft.id)).toMatchObject({ status: 'open', attempt_count: 1, amount_paid: 0 });
    expect(eventTypes()).toContain('invoice.payment_failed');

    const paid = await kit.stripe.invoices.pay(draft.id, { payment_method: 'pm_card_visa' });
    expect(paid).toMatchObject({ status: 'paid', attempt_count: 2 });
    expect(await kit.stripe.invoices.pay(draft.id, { payment_method: 'pm_card_visa' }).catch((e: unknown) => e)).toMatchObject({
      statusCode: 400,
    });
  });

  it('pays through the fake’s control endpoint as the company would on the hosted page, failing or succeeding', async () => {
    const { draft } = await draftInvoice();
    await kit.stripe.invoices.finalizeInvoice(draft.id);
    const page = await fetch(`${kit.fake.url}/_fake/invoices/${draft.id}`);
    expect(await page.text()).toContain('Pay');

    const failed = await fetch(`${kit.fake.url}/_fake/invoices/${draft.id}/pay`, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'fail' }),
    });
    expect(failed.status).toBe(402);
    // A browser page on another origin (the web app's demo button) may call it and read the answer.
    expect(failed.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(`${kit.fake.url}/_fake/invoices/${draft.id}/pay`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Content-Type');
    expect(await kit.stripe.invoices.retrieve(draft.id)).toMatchObject({ status: 'open' });

    const paid = await fetch(`${kit.fake.url}/_fake/invoices/${draft.id}/pay`, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'succeed' }),
    });
    expect(await paid.json()).toMatchObject({ id: draft.id, status: 'paid' });
    const paidEvent = kit.fake.events().find((e) => e.type === 'invoice.paid');
    expect(paidEvent?.request).toEqual({ id: null, idempotency_key: null });
  });

  it('voids an open invoice with invoice.voided, and refuses to void a draft, pay a void one or void a paid one', async () => {
    const { draft } = await draftInvoice();
    expect(await rejection(kit.stripe.invoices.voidInvoice(draft.id))).toMatchObject({ statusCode: 400 });
    await kit.stripe.invoices.finalizeInvoice(draft.id);

    expect(await kit.stripe.invoices.voidInvoice(draft.id)).toMatchObject({ status: 'void' });
    expect(eventTypes()).toContain('invoice.voided');
    expect(await rejection(kit.stripe.invoices.pay(draft.id, { payment_method: 'pm_card_visa' }))).toMatchObject({ statusCode: 400 });

    const other = await draftInvoice();
    await kit.stripe.invoices.finalizeInvoice(other.draft.id);
    await kit.stripe.invoices.pay(other.draft.id, { paid_out_of_band: true });
    expect(await rejection(kit.stripe.invoices.voidInvoice(other.draft.id))).toMatchObject({ statusCode: 400 });
  });

  it('marks an open invoice uncollectible and still lets it be paid out of band', async () => {
    const { draft } = await draftInvoice();
    await kit.stripe.invoices.finalizeInvoice(draft.id);
    expect(await kit.stripe.invoices.markUncollectible(draft.id)).toMatchObject({ status: 'uncollectible' });
    expect(await kit.stripe.invoices.pay(draft.id, { paid_out_of_band: true })).toMatchObject({
      status: 'paid',
      amount_remaining: 0,
      amount_paid: 250_000,
      amount_paid_off_stripe: 250_000,
    });
  });

  it('refuses to finalize twice and to add items to a finalized invoice', async () => {
    const { customer, draft } = await draftInvoice();
    await kit.stripe.invoices.finalizeInvoice(draft.id);
    expect(await rejection(kit.stripe.invoices.finalizeInvoice(draft.id))).toMatchObject({ statusCode: 400 });
    expect(
      await rejection(kit.stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 1, currency: 'usd' })),
    ).toMatchObject({ statusCode: 400, param: 'invoice' });
  });
});

describe('fake Stripe credit notes', () => {
  it('reduces an open invoice’s amount due (pre-payment), and marks it paid once nothing is left', async () => {
    const { draft } = await draftInvoice(100_000);
    await kit.stripe.invoices.finalizeInvoice(draft.id);

    const note = await kit.stripe.creditNotes.create({ invoice: draft.id, amount: 40_000, reason: 'order_change' });
    expect(note).toMatchObject({
      object: 'credit_note',
      type: 'pre_payment',
      pre_payment_amount: 40_000,
      post_payment_amount: 0,
      status: 'issued',
    });
    expect(await kit.stripe.invoices.retrieve(draft.id)).toMatchObject({ status: 'open', amount_due: 60_000, amount_remaining: 60_000 });

    await kit.stripe.creditNotes.create({ invoice: draft.id, amount: 60_000 });
    expect(await kit.stripe.invoices.retrieve(draft.id)).toMatchObject({
      status: 'paid',
      amount_remaining: 0,
      pre_payment_credit_notes_amount: 100_000,
    });
  });

  it('refunds part of a paid invoice through a post-payment credit note, bounded by what was paid', async () => {
    const { draft } = await draftInvoice(100_000);
    await kit.stripe.invoices.finalizeInvoice(draft.id);
    const paid = await kit.stripe.invoices.pay(draft.id, { payment_method: 'pm_card_visa' });

    const mismatch = await rejection(kit.stripe.creditNotes.create({ invoice: draft.id, amount: 30_000, refund_amount: 20_000 }));
    expect(mismatch).toMatchObject({ statusCode: 400 });

    const note = await kit.stripe.creditNotes.create({ invoice: draft.id, amount: 30_000, refund_amount: 30_000 });
    expect(note).toMatchObject({
      type: 'post_payment',
      post_payment_amount: 30_000,
      refunds: [{ amount_refunded: 30_000, type: 'refund' }],
    });
    const refund = await kit.stripe.refunds.retrieve(note.refunds[0]?.refund as string);
    expect(refund).toMatchObject({ object: 'refund', amount: 30_000, status: 'succeeded' });
    expect(await chargeOf(paid)).toMatchObject({ amount_refunded: 30_000, refunded: false });
    expect(kit.fake.events().map((e) => e.type)).toEqual(expect.arrayContaining(['charge.refunded', 'credit_note.created']));

    const tooMuch = await rejection(kit.stripe.creditNotes.create({ invoice: draft.id, amount: 70_001, refund_amount: 70_001 }));
    expect(tooMuch).toMatchObject({ statusCode: 400, param: 'amount' });
    expect((await kit.stripe.creditNotes.list({ invoice: draft.id })).data).toHaveLength(1);
  });

  it('refuses a credit note on a draft or void invoice', async () => {
    const { draft } = await draftInvoice();
    expect(await rejection(kit.stripe.creditNotes.create({ invoice: draft.id, amount: 1 }))).toMatchObject({ statusCode: 400 });
    await kit.stripe.invoices.finalizeInvoice(draft.id);
    await kit.stripe.invoices.voidInvoice(draft.id);
    expect(await rejection(kit.stripe.creditNotes.create({ invoice: draft.id, amount: 1 }))).toMatchObject({ statusCode: 400 });
  });
});

describe('fake Stripe autoPayInvoices', () => {
  it('pays an invoice the moment it is finalized, with the events of the hosted page’s Pay button', async () => {
    kit.fake.autoPayInvoices(true);
    try {
      const { draft } = await draftInvoice(12_000);
      const finalized = await kit.stripe.invoices.finalizeInvoice(draft.id);
      expect(finalized).toMatchObject({ status: 'paid', amount_paid: 12_000, amount_remaining: 0 });
      expect(await chargeOf(finalized)).toMatchObject({ status: 'succeeded', amount: 12_000 });
      expect(eventTypes()).toEqual(expect.arrayContaining(['invoice.finalized', 'payment_intent.succeeded', 'invoice.paid']));
      expect(kit.fake.events().find((e) => e.type === 'invoice.paid')?.request).toMatchObject({ id: null });
    } finally {
      kit.fake.autoPayInvoices(false);
    }
    const { draft } = await draftInvoice(12_000);
    expect(await kit.stripe.invoices.finalizeInvoice(draft.id)).toMatchObject({ status: 'open' });
  });
});
