import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createPayoutDbActivities } from '../../activities/db/payouts.js';
import { createStripeActivities, transferIdempotencyKey } from '../../activities/stripe.js';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { startFakeStripe, type FakeStripe } from '../../testkit/fakes/stripe.js';
import { activityRunner, testDb } from '../support/context.js';
import { createPlacement, type CollaboratorSpec } from '../../testkit/harness/factories.js';

let db: Db;
let stripe: FakeStripe;
let payoutsDb: ReturnType<typeof createPayoutDbActivities>;
let stripeActs: ReturnType<typeof createStripeActivities>;
const run = activityRunner();

beforeAll(async () => {
  db = testDb();
  stripe = await startFakeStripe();
  payoutsDb = createPayoutDbActivities({ db });
  stripeActs = createStripeActivities({ db, stripe: stripe.client({ maxNetworkRetries: 0 }) });
});
afterAll(async () => {
  await stripe.close();
  await db.destroy();
});

async function preparedPayout(specs: CollaboratorSpec[], amountCents = 10_000) {
  const p = await createPlacement(db, stripe, specs);
  const payoutId = randomUUID();
  const input = {
    payoutId,
    workflowId: `payout-${payoutId}`,
    placementId: p.placementId,
    tranche: 'activation' as const,
    amountCents,
    currency: 'EUR',
    at: new Date().toISOString(),
  };
  return { p, payoutId, input, splits: await run(payoutsDb.preparePayout, input) };
}

describe('preparePayout', () => {
  it('writes the payout and its splits once, however often it runs', async () => {
    const { input, splits } = await preparedPayout(
      [
        { role: 'sourcer', splitBps: 5000 },
        { role: 'closer', splitBps: 5000 },
      ],
      10_001,
    );
    expect(await run(payoutsDb.preparePayout, input)).toEqual(splits);
    expect(splits.map((s) => s.amountCents)).toEqual([5001, 5000]);
    expect(await db('payout_splits').where({ payout_id: input.payoutId })).toHaveLength(2);
    expect(await db('payout_audit_log').where({ payout_id: input.payoutId })).toHaveLength(1);
  });

  it('refuses a placement without collaborators for good', async () => {
    const p = await createPlacement(db, stripe, []);
    const payoutId = randomUUID();
    const err = await run(payoutsDb.preparePayout, {
      payoutId,
      workflowId: `payout-${payoutId}`,
      placementId: p.placementId,
      tranche: 'activation',
      amountCents: 100,
      currency: 'USD',
      at: new Date().toISOString(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FAILURE_TYPES.NoCollaborators, nonRetryable: true });
  });
});

describe('transferSplit', () => {
  it('makes one transfer even when a crash loses the database write and the activity runs again', async () => {
    const { p, payoutId, splits } = await preparedPayout([{ role: 'sourcer', splitBps: 10_000 }]);
    const split = splits[0]!;
    await run(stripeActs.transferSplit, { splitId: split.splitId });
    // The worker died after Stripe answered but before Postgres committed.
    await db('payout_splits').where({ id: split.splitId }).update({ status: 'pending', stripe_transfer_id: null });
    const again = await run(stripeActs.transferSplit, { splitId: split.splitId });
    expect(again.status).toBe('paid');
    const transfers = stripe.transfers().filter((t) => t.transfer_group === p.placementId);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({ amount: 10_000, currency: 'eur', destination: p.collaborators[0]!.stripeAccountId });
    expect((await db('payout_splits').where({ id: split.splitId }).first())!.stripe_transfer_id).toBe(transfers[0]!.id);
    expect(transferIdempotencyKey(payoutId, split.collaboratorId, 1)).toContain(payoutId);
  });

  it('leaves a paid split alone', async () => {
    const { p, splits } = await preparedPayout([{ role: 'sourcer', splitBps: 10_000 }]);
    await run(stripeActs.transferSplit, { splitId: splits[0]!.splitId });
    await run(stripeActs.transferSplit, { splitId: splits[0]!.splitId });
    expect(stripe.transfers().filter((t) => t.transfer_group === p.placementId)).toHaveLength(1);
  });

  it('throws a retryable error for Stripe 5xx and rate limits, without blocking the split', async () => {
    const { splits } = await preparedPayout([{ role: 'sourcer', splitBps: 10_000 }]);
    stripe.injectFailure({ method: 'POST', path: '/v1/transfers', status: 503, type: 'api_error', times: 1 });
    const err = await run(stripeActs.transferSplit, { splitId: splits[0]!.splitId }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    stripe.injectFailure({
      method: 'POST',
      path: '/v1/transfers',
      status: 429,
      type: 'invalid_request_error',
      code: 'rate_limit',
      times: 1,
    });
    expect(await run(stripeActs.transferSplit, { splitId: splits[0]!.splitId }).catch((e: unknown) => e)).not.toBeInstanceOf(
      ApplicationFailure,
    );
    expect((await db('payout_splits').where({ id: splits[0]!.splitId }).first())!.status).toBe('pending');
  });

  it('blocks the split and the payout, with an audit row, when Stripe refuses the account', async () => {
    const { payoutId, splits } = await preparedPayout([{ role: 'sourcer', splitBps: 10_000, account: 'disabled' }]);
    const err = await run(stripeActs.transferSplit, { splitId: splits[0]!.splitId }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: FAILURE_TYPES.TransferRefused, nonRetryable: true });
    expect(await db('payout_splits').where({ id: splits[0]!.splitId }).first()).toMatchObject({
      status: 'blocked',
      block_reason: expect.stringMatching(/insufficient_capabilities_for_transfer/),
    });
    expect((await db('payout_schedules').where({ id: payoutId }).first())!.status).toBe('blocked');
    expect(await db('payout_audit_log').where({ payout_id: payoutId, event: 'split_blocked' })).toHaveLength(1);

    // The worker died after the block was written, before Temporal heard of it: the retry refuses
    // again (so the workflow still announces the block), with no second transfer or audit row.
    const transfers = stripe.transfers().length;
    const retried = await run(stripeActs.transferSplit, { splitId: splits[0]!.splitId }).catch((e: unknown) => e);
    expect(retried).toMatchObject({
      type: FAILURE_TYPES.TransferRefused,
      nonRetryable: true,
      message: expect.stringMatching(/insufficient_capabilities_for_transfer/),
    });
    expect(stripe.transfers()).toHaveLength(transfers);
    expect(await db('payout_audit_log').where({ payout_id: payoutId, event: 'split_blocked' })).toHaveLength(1);
  });
});
