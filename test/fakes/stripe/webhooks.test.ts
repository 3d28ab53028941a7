import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookListener, type WebhookListener } from '../../support/webhook-listener.js';
import { startFakeStripe, type FakeStripe, type WebhookEndpoint } from '../../../testkit/fakes/stripe.js';

let fake: FakeStripe;
let stripe: Stripe;
let listener: WebhookListener;
let endpoint: WebhookEndpoint;

beforeAll(async () => {
  fake = await startFakeStripe();
  stripe = fake.client();
  listener = await startWebhookListener();
});
afterAll(async () => {
  await fake.close();
  await listener.close();
});
beforeEach(() => {
  fake.reset();
  listener.received.length = 0;
  endpoint = fake.setWebhookEndpoint(listener.url) as WebhookEndpoint;
});

/** An open send_invoice invoice of $2,500 due in 30 days. */
async function openInvoice(): Promise<Stripe.Invoice> {
  const customer = await stripe.customers.create({ email: 'ap@acme.test', name: 'Acme' });
  const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
  await stripe.invoiceItems.create({
    customer: customer.id,
    invoice: draft.id,
    amount: 250_000,
    currency: 'usd',
    description: 'Placement fee',
  });
  return stripe.invoices.finalizeInvoice(draft.id);
}

const controlPost = (path: string, form: Record<string, string> = {}) =>
  fetch(`${fake.url}${path}`, { method: 'POST', body: new URLSearchParams(form) });

describe('fake Stripe webhooks', () => {
  it('sends invoice.paid signed with the endpoint secret, and the SDK’s constructEvent verifies it', async () => {
    const invoice = await openInvoice();
    const paid = await controlPost(`/_fake/invoices/${invoice.id}/pay`, { outcome: 'succeed' });
    expect(paid.status).toBe(200);
    await fake.webhooksSettled();

    const delivery = listener.received.find((r) => r.body.includes('"invoice.paid"'));
    expect(delivery?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(delivery!.body, delivery!.signature, endpoint.secret);
    expect(event).toMatchObject({
      object: 'event',
      type: 'invoice.paid',
      api_version: Stripe.API_VERSION,
      livemode: false,
      data: { object: { id: invoice.id, status: 'paid', amount_paid: 250_000, amount_remaining: 0 } },
    });
    expect(event.id).toMatch(/^evt_/);
    expect(await stripe.events.retrieve(event.id)).toMatchObject({ id: event.id, type: 'invoice.paid' });
    expect(fake.deliveries().every((d) => d.status === 200)).toBe(true);
  });

  it('names the API request that caused an event, with its Idempotency-Key', async () => {
    const customer = await stripe.customers.create({});
    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
    const open = await stripe.invoices.finalizeInvoice(draft.id, {}, { idempotencyKey: 'finalize-42' });

    const { data } = await stripe.events.list({ type: 'invoice.finalized' });
    expect(data).toHaveLength(1);
    expect(data[0]?.request).toEqual({ id: open.lastResponse.requestId, idempotency_key: 'finalize-42' });
  });

  it('refuses a forged body, a wrong secret and a stale timestamp through constructEvent', async () => {
    const invoice = await openInvoice();
    await stripe.invoices.voidInvoice(invoice.id);
    await fake.webhooksSettled();
    const delivery = listener.received.find((r) => r.body.includes('"invoice.voided"'))!;
    const t = Number(/t=(\d+)/.exec(delivery.signature)?.[1]);

    const forged = delivery.body.replace('"void"', '"paid"');
    expect(() => stripe.webhooks.constructEvent(forged, delivery.signature, endpoint.secret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => stripe.webhooks.constructEvent(delivery.body, delivery.signature, 'whsec_someoneelse')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    // Received six minutes after signing (receivedAt is in ms): outside the SDK's default 300 s tolerance.
    expect(() =>
      stripe.webhooks.constructEvent(delivery.body, delivery.signature, endpoint.secret, undefined, undefined, (t + 360) * 1000),
    ).toThrow(/Timestamp outside the tolerance zone/);
    expect(
      stripe.webhooks.constructEvent(delivery.body, delivery.signature, endpoint.secret, undefined, undefined, (t + 60) * 1000).type,
    ).toBe('invoice.voided');
  });

  it('redelivers an event as a duplicate: same id and payload, freshly signed', async () => {
    const invoice = await openInvoice();
    await fake.webhooksSettled();
    const finalized = fake.events().find((e) => e.type === 'invoice.finalized')!;

    expect(fake.redeliver(finalized.id)).toBe(true);
    expect((await controlPost(`/_fake/events/${finalized.id}/redeliver`)).status).toBe(200);
    await fake.webhooksSettled();

    const copies = listener.received.filter((r) => r.body.includes(`"${finalized.id}"`));
    expect(copies).toHaveLength(3);
    expect(new Set(copies.map((c) => c.body)).size).toBe(1);
    for (const copy of copies) {
      expect(stripe.webhooks.constructEvent(copy.body, copy.signature, endpoint.secret)).toMatchObject({
        id: finalized.id,
        data: { object: { id: invoice.id } },
      });
    }
    expect((await controlPost('/_fake/events/evt_unknown/redeliver')).status).toBe(404);
  });

  it('holds deliveries and releases them out of order', async () => {
    fake.holdWebhooks();
    const invoice = await openInvoice();
    await stripe.invoices.voidInvoice(invoice.id);
    await fake.webhooksSettled();
    expect(listener.received).toHaveLength(0);

    fake.releaseWebhooks('reverse');
    await fake.webhooksSettled();
    expect(listener.types()).toEqual(['invoice.voided', 'invoice.finalized', 'invoice.created']);
    // Each event still says when it happened, so a receiver can tell the true order.
    const created = listener.received.map((r) => (JSON.parse(r.body) as Stripe.Event).created);
    expect([...created].sort()).toEqual([...created].reverse());
  });

  it('records a delivery the endpoint did not take, and delivers it on redelivery once the endpoint is back', async () => {
    fake.setWebhookEndpoint('http://127.0.0.1:9/unreachable', endpoint.secret);
    const customer = await stripe.customers.create({});
    await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
    await fake.webhooksSettled();
    const [failed] = fake.deliveries();
    expect(failed).toMatchObject({ type: 'invoice.created', status: 'error' });

    fake.setWebhookEndpoint(listener.url, endpoint.secret);
    fake.redeliver(failed!.eventId);
    await fake.webhooksSettled();
    expect(fake.deliveries().map((d) => d.status)).toEqual(['error', 200]);
    expect(listener.types()).toEqual(['invoice.created']);
  });

  it('stores events without an endpoint, retrievable and listed newest first by type', async () => {
    fake.setWebhookEndpoint(null);
    const invoice = await openInvoice();
    await stripe.invoices.voidInvoice(invoice.id);

    const all = await stripe.events.list();
    expect(all.data.map((e) => e.type)).toEqual(['invoice.voided', 'invoice.finalized', 'invoice.created']);
    expect(all.data.every((e) => e.pending_webhooks === 0)).toBe(true);
    expect((await stripe.events.list({ type: 'invoice.voided' })).data).toHaveLength(1);
    await fake.webhooksSettled();
    expect(listener.received).toHaveLength(0);
  });
});
