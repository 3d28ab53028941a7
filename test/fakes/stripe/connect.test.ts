import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeStripe } from './test-kit.js';

const kit = useFakeStripe();

async function paidCharge(amount: number): Promise<Stripe.Charge> {
  const intent = await kit.stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  return kit.stripe.charges.retrieve(intent.latest_charge as string);
}

const share = (destination: string, amount: number, source_transaction: string): Stripe.TransferCreateParams => ({
  amount,
  currency: 'usd',
  destination,
  source_transaction,
  transfer_group: 'placement_42',
});

describe('fake Stripe transfers funded by a charge (source_transaction)', () => {
  it('lets transfers take up to the charge, then refuses one that would exceed it, creating nothing', async () => {
    const charge = await paidCharge(10_000);
    const alice = kit.fake.createAccount();
    const bob = kit.fake.createAccount();

    const first = await kit.stripe.transfers.create(share(alice.id, 6_000, charge.id));
    expect(first).toMatchObject({ source_transaction: charge.id, amount: 6_000 });
    await kit.stripe.transfers.create(share(bob.id, 4_000, charge.id));

    const over = await rejection(kit.stripe.transfers.create(share(bob.id, 1, charge.id), { idempotencyKey: 'split-3' }));
    expect(over).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(over).toMatchObject({ statusCode: 400, code: 'balance_insufficient', param: 'source_transaction' });
    expect(kit.fake.transfers()).toHaveLength(2);
  });

  it('counts refunds against what a charge can fund, and gives back what a reversal returns', async () => {
    const charge = await paidCharge(10_000);
    const alice = kit.fake.createAccount();
    await kit.stripe.refunds.create({ charge: charge.id, amount: 2_500 });

    expect(await rejection(kit.stripe.transfers.create(share(alice.id, 7_501, charge.id)))).toMatchObject({ code: 'balance_insufficient' });
    const all = await kit.stripe.transfers.create(share(alice.id, 7_500, charge.id));
    await kit.stripe.transfers.createReversal(all.id, { amount: 1_000 });
    expect(await kit.stripe.transfers.create(share(alice.id, 1_000, charge.id))).toMatchObject({ amount: 1_000 });
  });

  it('refuses a charge that has not been paid, a PaymentIntent id in place of a charge, and an unknown charge', async () => {
    const alice = kit.fake.createAccount();
    const declined = (await rejection(
      kit.stripe.paymentIntents.create({ amount: 10_000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }),
    )) as Stripe.errors.StripeCardError;

    expect(await rejection(kit.stripe.transfers.create(share(alice.id, 100, declined.charge as string)))).toMatchObject({
      statusCode: 400,
      param: 'source_transaction',
    });
    expect(await rejection(kit.stripe.transfers.create(share(alice.id, 100, declined.payment_intent?.id as string)))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'source_transaction',
    });
    expect(await rejection(kit.stripe.transfers.create(share(alice.id, 100, 'ch_unknown')))).toMatchObject({ code: 'resource_missing' });
    expect(kit.fake.transfers()).toHaveLength(0);
  });
});

describe('fake Stripe Connect onboarding', () => {
  it('onboards an Express account created with controller properties through an account link, emitting account.updated', async () => {
    const account = await kit.stripe.accounts.create({
      controller: { stripe_dashboard: { type: 'express' }, fees: { payer: 'application' }, losses: { payments: 'application' } },
      capabilities: { transfers: { requested: true } },
      email: 'rec@example.com',
    });
    expect(account).toMatchObject({
      type: 'express',
      controller: { type: 'application', stripe_dashboard: { type: 'express' } },
      payouts_enabled: false,
      capabilities: { transfers: 'inactive' },
    });
    expect(await rejection(kit.stripe.transfers.create({ amount: 100, currency: 'usd', destination: account.id }))).toMatchObject({
      code: 'insufficient_capabilities_for_transfer',
    });

    const link = await kit.stripe.accountLinks.create({
      account: account.id,
      type: 'account_onboarding',
      refresh_url: 'http://app.test/payouts/refresh',
      return_url: 'http://app.test/payouts/done',
    });
    expect(link).toMatchObject({ object: 'account_link' });
    expect(link.expires_at).toBeGreaterThan(link.created);
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('complete-onboarding');

    const done = await fetch(
      `${kit.fake.url}/_fake/accounts/${account.id}/complete-onboarding?return_url=${encodeURIComponent('http://app.test/payouts/done')}`,
      {
        method: 'POST',
        redirect: 'manual',
      },
    );
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('http://app.test/payouts/done');

    expect(await kit.stripe.accounts.retrieve(account.id)).toMatchObject({
      payouts_enabled: true,
      details_submitted: true,
      capabilities: { transfers: 'active' },
      requirements: { currently_due: [], disabled_reason: null },
    });
    const [updated] = kit.fake.events().filter((e) => e.type === 'account.updated');
    expect(updated).toMatchObject({
      account: account.id,
      data: { object: { id: account.id, payouts_enabled: true }, previous_attributes: { payouts_enabled: false } },
    });
    expect(await kit.stripe.transfers.create({ amount: 100, currency: 'usd', destination: account.id })).toMatchObject({ amount: 100 });
  });

  it('takes payouts away again when Stripe needs more information, emitting account.updated', async () => {
    const account = kit.fake.createAccount();
    const res = await fetch(`${kit.fake.url}/_fake/accounts/${account.id}/require`, {
      method: 'POST',
      body: new URLSearchParams({ 'currently_due[0]': 'individual.verification.document' }),
    });
    expect(await res.json()).toMatchObject({
      payouts_enabled: false,
      requirements: { currently_due: ['individual.verification.document'] },
    });
    expect(kit.fake.events().map((e) => e.type)).toEqual(['account.updated']);
    expect(await rejection(kit.stripe.transfers.create({ amount: 100, currency: 'usd', destination: account.id }))).toMatchObject({
      code: 'insufficient_capabilities_for_transfer',
    });
  });

  it('refuses an account link for an unknown account, without a type, or to update an Express account', async () => {
    expect(await rejection(kit.stripe.accountLinks.create({ account: 'acct_nope', type: 'account_onboarding' }))).toBeInstanceOf(
      Stripe.errors.StripePermissionError,
    );
    const account = kit.fake.createAccount({ payoutsEnabled: false });
    expect(await rejection(kit.stripe.accountLinks.create({ account: account.id } as Stripe.AccountLinkCreateParams))).toMatchObject({
      statusCode: 400,
      param: 'type',
    });
    expect(await rejection(kit.stripe.accountLinks.create({ account: account.id, type: 'account_update' }))).toMatchObject({
      statusCode: 400,
      param: 'type',
    });
  });
});
