import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeStripe } from './test-kit.js';

const kit = useFakeStripe();

async function paidCharge(amount = 10_000): Promise<Stripe.Charge> {
  const intent = await kit.stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  return kit.stripe.charges.retrieve(intent.latest_charge as string);
}

describe('fake Stripe customers', () => {
  it('creates, retrieves and updates a customer, merging and unsetting metadata', async () => {
    const created = await kit.stripe.customers.create({
      email: 'ap@acme.test',
      name: 'Acme',
      metadata: { companyId: 'c_1', tier: 'gold' },
    });
    expect(created).toMatchObject({ object: 'customer', email: 'ap@acme.test', name: 'Acme', balance: 0, livemode: false });
    expect(created.id).toMatch(/^cus_/);
    expect(await kit.stripe.customers.retrieve(created.id)).toEqual(created);

    const updated = await kit.stripe.customers.update(created.id, { email: 'billing@acme.test', metadata: { tier: '', region: 'eu' } });
    expect(updated).toMatchObject({ email: 'billing@acme.test', name: 'Acme', metadata: { companyId: 'c_1', region: 'eu' } });
    expect(updated.metadata).not.toHaveProperty('tier');
    expect(await rejection(kit.stripe.customers.retrieve('cus_missing'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(
      await rejection(kit.stripe.customers.update(created.id, { invoice_settings: { default_payment_method: 'pm_nope' } })),
    ).toMatchObject({
      statusCode: 400,
      param: 'payment_method',
    });
  });
});

describe('fake Stripe payment intents and charges', () => {
  it('creates and confirms a payment in one call, leaving a succeeded charge and payment_intent.succeeded', async () => {
    const customer = await kit.stripe.customers.create({});
    const intent = await kit.stripe.paymentIntents.create({
      amount: 250_000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      transfer_group: 'placement_42',
    });
    expect(intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount_received: 250_000 });
    const charge = await kit.stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 250_000,
      amount_refunded: 0,
      currency: 'usd',
      status: 'succeeded',
      paid: true,
      payment_intent: intent.id,
      transfer_group: 'placement_42',
      balance_transaction: null,
    });
    expect((await kit.stripe.charges.list({ payment_intent: intent.id })).data.map((c) => c.id)).toEqual([charge.id]);
    expect(kit.fake.events().map((e) => e.type)).toEqual(['payment_intent.succeeded']);
  });

  it('confirms an intent created without confirming, and refuses to confirm it twice', async () => {
    const intent = await kit.stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
    expect(intent.status).toBe('requires_payment_method');
    const confirmed = await kit.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(confirmed.status).toBe('succeeded');
    expect(await rejection(kit.stripe.paymentIntents.confirm(intent.id))).toMatchObject({
      statusCode: 400,
      code: 'payment_intent_unexpected_state',
    });
  });

  it('declines the test card with a 402 card error and a failed charge, leaving the intent awaiting a payment method', async () => {
    const err = await rejection(
      kit.stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
        confirm: true,
      }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
    const intentId = (err as Stripe.errors.StripeCardError).payment_intent?.id as string;
    const intent = await kit.stripe.paymentIntents.retrieve(intentId);
    expect(intent).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } });
    expect(await kit.stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({ status: 'failed', paid: false });
    expect(kit.fake.events().map((e) => e.type)).toEqual(['payment_intent.payment_failed']);
  });
});

describe('fake Stripe refunds', () => {
  it('refunds part of a charge, refuses more than is left, then refunds the rest by default and nothing after', async () => {
    const charge = await paidCharge(10_000);
    const part = await kit.stripe.refunds.create({ charge: charge.id, amount: 3_000, reason: 'requested_by_customer' });
    expect(part).toMatchObject({
      object: 'refund',
      amount: 3_000,
      charge: charge.id,
      status: 'succeeded',
      reason: 'requested_by_customer',
    });

    const tooMuch = await rejection(kit.stripe.refunds.create({ charge: charge.id, amount: 7_001 }));
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooMuch).toMatchObject({
      message: 'Refund amount ($70.01) is greater than unrefunded amount on charge ($70.00)',
      param: 'amount',
    });

    const rest = await kit.stripe.refunds.create({ payment_intent: charge.payment_intent as string });
    expect(rest.amount).toBe(7_000);
    expect(await kit.stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 10_000, refunded: true });
    expect(await rejection(kit.stripe.refunds.create({ charge: charge.id }))).toMatchObject({
      statusCode: 400,
      code: 'charge_already_refunded',
    });

    const refunded = kit.fake.events().filter((e) => e.type === 'charge.refunded');
    expect(refunded.map((e) => (e.data.object as Stripe.Charge).amount_refunded)).toEqual([3_000, 10_000]);
    expect(refunded[0]?.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false });
    expect((await kit.stripe.refunds.list({ charge: charge.id })).data.map((r) => r.id)).toEqual([rest.id, part.id]);
  });

  it('refuses a refund of a failed charge and of an intent without a successful charge', async () => {
    const intent = await kit.stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
    expect(await rejection(kit.stripe.refunds.create({ payment_intent: intent.id }))).toMatchObject({ statusCode: 400 });
    const declined = (await rejection(
      kit.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclined' }),
    )) as Stripe.errors.StripeCardError;
    expect(await rejection(kit.stripe.refunds.create({ charge: declined.charge as string }))).toMatchObject({ statusCode: 400 });
    expect(kit.fake.events().some((e) => e.type === 'charge.refunded')).toBe(false);
  });
});

describe('fake Stripe disputes', () => {
  it('opens a dispute on a charge through the control endpoint and emits charge.dispute.created', async () => {
    const charge = await paidCharge(10_000);
    const res = await fetch(`${kit.fake.url}/_fake/charges/${charge.id}/dispute`, { method: 'POST' });
    expect(res.status).toBe(200);
    const [event] = kit.fake.events().filter((e) => e.type === 'charge.dispute.created');
    expect(event?.data.object).toMatchObject({ object: 'dispute', charge: charge.id, amount: 10_000, status: 'needs_response' });
    expect(await kit.stripe.charges.retrieve(charge.id)).toMatchObject({ disputed: true });
  });

  it('lists a charge’s disputes and closes them: the bank’s decision, or the merchant accepting (lost)', async () => {
    const charge = await paidCharge(10_000);
    const open = (await (await fetch(`${kit.fake.url}/_fake/charges/${charge.id}/dispute`, { method: 'POST' })).json()) as { id: string };
    expect((await kit.stripe.disputes.list({ charge: charge.id })).data).toMatchObject([{ id: open.id, status: 'needs_response' }]);
    const won = await fetch(`${kit.fake.url}/_fake/disputes/${open.id}/close`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'outcome=won',
    });
    expect(won.status).toBe(200);
    expect(await kit.stripe.disputes.retrieve(open.id)).toMatchObject({ status: 'won' });
    expect(
      kit.fake
        .events()
        .filter((e) => e.type === 'charge.dispute.closed')
        .map((e) => e.data.object),
    ).toMatchObject([{ status: 'won' }]);

    const other = await paidCharge(5_000);
    const second = (await (await fetch(`${kit.fake.url}/_fake/charges/${other.id}/dispute`, { method: 'POST' })).json()) as { id: string };
    expect(await kit.stripe.disputes.close(second.id)).toMatchObject({ status: 'lost' });
    expect(await rejection(kit.stripe.disputes.close(second.id))).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });
});
