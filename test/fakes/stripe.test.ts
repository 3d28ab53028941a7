import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeStripe } from './stripe/test-kit.js';

const kit = useFakeStripe();

const fee = (destination: string, amount = 12_500): Stripe.TransferCreateParams => ({
  amount,
  currency: 'usd',
  destination,
  transfer_group: 'placement_42',
  description: 'Split fee for placement 42',
  metadata: { placementId: '42', recruiterId: 'r_7' },
});

describe('fake Stripe, driven by the real stripe SDK', () => {
  it('creates a transfer in Stripe’s shape, retrieves it, and lists it by transfer_group newest first', async () => {
    const account = kit.fake.createAccount();
    const transfer = await kit.stripe.transfers.create(fee(account.id));

    expect(transfer).toMatchObject({
      object: 'transfer',
      amount: 12_500,
      amount_reversed: 0,
      reversed: false,
      currency: 'usd',
      destination: account.id,
      transfer_group: 'placement_42',
      description: 'Split fee for placement 42',
      metadata: { placementId: '42', recruiterId: 'r_7' },
      livemode: false,
      reversals: { object: 'list', data: [], has_more: false },
    });
    expect(transfer.id).toMatch(/^tr_\w{24}$/);
    expect(Math.abs(transfer.created - Date.now() / 1000)).toBeLessThan(5);
    expect(transfer.lastResponse.requestId).toMatch(/^req_/);
    expect(await kit.stripe.transfers.retrieve(transfer.id)).toEqual(transfer);

    const second = await kit.stripe.transfers.create(fee(account.id, 500));
    await kit.stripe.transfers.create({ ...fee(account.id), transfer_group: 'placement_43' });
    const page = await kit.stripe.transfers.list({ transfer_group: 'placement_42', limit: 1 });
    expect(page).toMatchObject({ object: 'list', url: '/v1/transfers', has_more: true, data: [{ id: second.id }] });
    const next = await kit.stripe.transfers.list({ transfer_group: 'placement_42', starting_after: second.id });
    expect(next).toMatchObject({ has_more: false, data: [{ id: transfer.id }] });
  });

  it('replays the first response for a repeated Idempotency-Key and creates only one transfer', async () => {
    const account = kit.fake.createAccount();
    const first = await kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'payout-42' });
    const again = await kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'payout-42' });

    expect(again).toEqual(first);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(kit.fake.transfers()).toHaveLength(1);
  });

  it('throws StripeIdempotencyError when a key is reused with different parameters, creating nothing more', async () => {
    const account = kit.fake.createAccount();
    await kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'payout-42' });
    const err = await rejection(kit.stripe.transfers.create(fee(account.id, 999), { idempotencyKey: 'payout-42' }));

    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err).toMatchObject({ statusCode: 400, rawType: 'idempotency_error' });
    expect(kit.fake.transfers()).toHaveLength(1);
  });

  it('scopes Idempotency-Keys to the API key that sent them', async () => {
    const account = kit.fake.createAccount();
    const mine = await kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'shared' });
    const theirs = await kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'shared', apiKey: 'sk_test_other' });

    expect(theirs.id).not.toBe(mine.id);
    expect(kit.fake.transfers()).toHaveLength(2);
  });

  it('survives an injected 500 through the SDK’s own retries and still creates exactly one transfer', async () => {
    const account = kit.fake.createAccount();
    kit.fake.injectFailure({ method: 'POST', path: '/v1/transfers', status: 500, type: 'api_error' });
    const retrying = kit.fake.client({ maxNetworkRetries: 2 });

    const transfer = await retrying.transfers.create(fee(account.id), { idempotencyKey: 'payout-42' });

    expect(kit.fake.requests['POST /v1/transfers']).toBe(2);
    expect(kit.fake.transfers().map((t) => t.id)).toEqual([transfer.id]);
  });

  it('saves a 500 raised after the transfer was made and replays it to a retry with the same key', async () => {
    const account = kit.fake.createAccount();
    kit.fake.injectFailure({ path: '/v1/transfers', status: 500, type: 'api_error', afterCommit: true });

    const first = await rejection(kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'payout-42' }));
    const retry = await rejection(kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'payout-42' }));

    expect(first).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(retry).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(retry).toMatchObject({ headers: { 'idempotent-replayed': 'true' } });
    expect(kit.fake.transfers()).toHaveLength(1);
  });

  it('fails the next N requests matching an injected failure, then serves normally', async () => {
    const account = kit.fake.createAccount();
    kit.fake.injectFailure({ path: /^\/v1\/transfers/, status: 429, type: 'invalid_request_error', code: 'rate_limit', times: 2 });

    expect(await rejection(kit.stripe.transfers.create(fee(account.id)))).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(await rejection(kit.stripe.transfers.list())).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    await kit.stripe.transfers.create(fee(account.id));
    expect(kit.fake.transfers()).toHaveLength(1);
  });

  it('refuses a transfer to an account that has not finished onboarding with insufficient_capabilities_for_transfer', async () => {
    const account = kit.fake.createAccount({ payoutsEnabled: false });
    expect(account).toMatchObject({ payouts_enabled: false, capabilities: { transfers: 'inactive' } });

    const err = await rejection(kit.stripe.transfers.create(fee(account.id)));

    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: 'insufficient_capabilities_for_transfer', param: 'destination' });
    expect(kit.fake.transfers()).toHaveLength(0);
  });

  it('answers an unknown destination with resource_missing', async () => {
    const err = await rejection(kit.stripe.transfers.create(fee('acct_doesnotexist')));

    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: 'resource_missing', message: "No such destination: 'acct_doesnotexist'" });
  });

  it('rejects an invalid amount as a parameter error that does not use up the Idempotency-Key', async () => {
    const account = kit.fake.createAccount();
    const err = await rejection(kit.stripe.transfers.create(fee(account.id, 0), { idempotencyKey: 'payout-42' }));
    expect(err).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'amount' });

    const transfer = await kit.stripe.transfers.create(fee(account.id), { idempotencyKey: 'payout-42' });
    expect(transfer.amount).toBe(12_500);
  });

  it('reverses part of a transfer, refuses more than remains, then reverses the remainder by default', async () => {
    const account = kit.fake.createAccount();
    const transfer = await kit.stripe.transfers.create(fee(account.id, 1_000));

    const part = await kit.stripe.transfers.createReversal(transfer.id, { amount: 300, metadata: { reason: 'clawback' } });
    expect(part).toMatchObject({ object: 'transfer_reversal', amount: 300, currency: 'usd', transfer: transfer.id });
    expect(part.id).toMatch(/^trr_/);

    const tooMuch = await rejection(kit.stripe.transfers.createReversal(transfer.id, { amount: 701 }));
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    const rest = await kit.stripe.transfers.createReversal(transfer.id);
    expect(rest.amount).toBe(700);
    const reversed = await kit.stripe.transfers.retrieve(transfer.id);
    expect(reversed).toMatchObject({ amount_reversed: 1_000, reversed: true });
    expect(reversed.reversals.data.map((r) => r.id)).toEqual([rest.id, part.id]);
    expect(await rejection(kit.stripe.transfers.createReversal(transfer.id))).toMatchObject({ statusCode: 400 });
  });

  it('creates an Express account that has not onboarded yet, retrieves and lists it, and refuses access to unknown ones', async () => {
    const created = await kit.stripe.accounts.create({ type: 'express', email: 'rec@example.com', metadata: { recruiterId: 'r_7' } });
    expect(created).toMatchObject({
      object: 'account',
      type: 'express',
      email: 'rec@example.com',
      payouts_enabled: false,
      charges_enabled: false,
      details_submitted: false,
      capabilities: { transfers: 'inactive' },
      requirements: { currently_due: expect.arrayContaining(['external_account']), disabled_reason: 'requirements.past_due' },
      metadata: { recruiterId: 'r_7' },
    });
    expect(created.id).toMatch(/^acct_/);
    expect(await kit.stripe.accounts.retrieve(created.id)).toEqual(created);
    expect((await kit.stripe.accounts.list()).data.map((a) => a.id)).toEqual([created.id]);
    expect(await rejection(kit.stripe.accounts.retrieve('acct_unknown'))).toBeInstanceOf(Stripe.errors.StripePermissionError);
  });

  it('answers 401 in Stripe’s error shape when the API key is missing or invalid', async () => {
    expect(await rejection(kit.stripe.transfers.list({}, { apiKey: 'pk_test_wrongkind' }))).toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );

    const res = await fetch(`${kit.fake.url}/v1/transfers`);
    expect(res.status).toBe(401);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('You did not provide an API key') },
    });
  });
});
