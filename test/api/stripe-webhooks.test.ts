import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { signatureHeader } from '../../testkit/fakes/stripe/webhooks.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { payoutAccountStateQuery } from '../../domain/payout-account.js';
import { workflowIds } from '../../domain/temporal.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const PATH = '/api/v1/webhooks/stripe';
const now = () => Math.floor(Date.now() / 1000);

/** An `account.updated` event as Stripe sends it (https://docs.stripe.com/api/events/object). */
function accountUpdated(account: string, id = `evt_test_${randomUUID().replace(/-/g, '')}`) {
  return JSON.stringify({
    id,
    object: 'event',
    account,
    api_version: '2026-10-28.endive',
    created: now(),
    data: { object: { id: account, object: 'account' } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'account.updated',
  });
}

const deliver = (payload: string, signature: string) =>
  h.request('POST', PATH, { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });

const eventRows = (id: string) => h.db('stripe_webhook_events').where({ id });

async function connected(m: Marketplace): Promise<string> {
  const { body } = await h.request('POST', '/api/v1/me/payout-account', { actor: m.actors.recruiter, body: {} });
  return body.stripeAccountId;
}

describe('POST /webhooks/stripe', () => {
  it('refuses a forged signature, a missing one and a stale one with 400, and records nothing', async () => {
    const account = 'acct_forged0000000001';
    const payload = accountUpdated(account);
    const id = JSON.parse(payload).id as string;
    const forged = await deliver(payload, signatureHeader(payload, 'whsec_not_the_endpoint_secret'));
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { code: 'validation_error', message: expect.stringMatching(/Stripe-Signature/) } });
    const tampered = await deliver(payload.replace(account, 'acct_other00000000002'), signatureHeader(payload, h.stripeWebhookSecret));
    expect(tampered.status).toBe(400);
    expect((await h.request('POST', PATH, { rawBody: payload, headers: { 'content-type': 'application/json' } })).status).toBe(400);
    // Signed with the right secret, but 301 s ago: beyond the SDK's 300 s tolerance.
    const stale = await deliver(payload, signatureHeader(payload, h.stripeWebhookSecret, now() - 301));
    expect(stale.status).toBe(400);
    expect(stale.body.error.message).toMatch(/tolerance/i);
    expect(await eventRows(id)).toEqual([]);
    await expect(h.temporal.workflow.getHandle(workflowIds.payoutAccount(account)).describe()).rejects.toThrow(/not found/i);
  });

  it('acknowledges an event type it does not handle and keeps nothing', async () => {
    const payload = JSON.stringify({
      ...JSON.parse(accountUpdated('acct_ignored000000001')),
      type: 'customer.created',
      data: { object: { id: 'cus_1', object: 'customer' } },
    });
    const res = await deliver(payload, signatureHeader(payload, h.stripeWebhookSecret));
    expect(res).toMatchObject({ status: 200, body: { received: true, ignored: true } });
    expect(await eventRows(JSON.parse(payload).id)).toEqual([]);
  });

  it('takes an event delivered three times once: the first signals the account workflow, the repeats answer duplicate', async () => {
    const m = await createMarketplace(h.db);
    const account = await connected(m);
    const payload = accountUpdated(account);
    const id = JSON.parse(payload).id as string;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await deliver(payload, signatureHeader(payload, h.stripeWebhookSecret)));
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, { received: true }],
      [200, { received: true, duplicate: true }],
      [200, { received: true, duplicate: true }],
    ]);
    expect(await eventRows(id)).toHaveLength(1);
    const handle = h.temporal.workflow.getHandle(workflowIds.payoutAccount(account));
    const view = await eventually(async () => {
      const v = await handle.query(payoutAccountStateQuery);
      return v.status === 'onboarding' ? v : undefined;
    });
    expect(view).toMatchObject({ stripeAccountId: account, eventsSeen: 1 });
  });

  it('converges on Stripe’s current state when its events arrive reversed and redelivered, auditing each status change once', async () => {
    const m = await createMarketplace(h.db);
    const account = await connected(m);
    h.stripe.holdWebhooks();
    await fetch(`${h.stripe.url}/_fake/accounts/${account}/complete-onboarding`, { method: 'POST' });
    await fetch(`${h.stripe.url}/_fake/accounts/${account}/require`, {
      method: 'POST',
      body: new URLSearchParams({ 'currently_due[0]': 'external_account' }),
    });
    // Stripe now says: restricted. The events arrive newest first, then each once more.
    h.stripe.releaseWebhooks('reverse');
    await h.stripe.webhooksSettled();
    for (const e of h.stripe.events().filter((e) => e.account === account)) h.stripe.redeliver(e.id);
    await h.stripe.webhooksSettled();

    const deliveries = h.stripe.deliveries().filter((d) => h.stripe.events().some((e) => e.id === d.eventId && e.account === account));
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
    const status = await eventually(async () => {
      const { body } = await h.request('GET', '/api/v1/me/payout-account', { actor: m.actors.recruiter });
      return body.status === 'restricted' ? body : undefined;
    });
    expect(status).toMatchObject({ transfersActive: false, stillDue: ['Bank account for payouts'] });
    // Give a late wake time to run, then: never enabled in between (Stripe was restricted at every read), one change each.
    await new Promise((r) => setTimeout(r, 1000));
    const audit = await h.db('payout_account_changes').where({ recruiter_id: m.recruiterId }).orderBy('id');
    expect(audit.map((a) => [a.old_status, a.new_status])).toEqual([
      ['not_connected', 'onboarding'],
      ['onboarding', 'restricted'],
    ]);
    expect((await h.db('recruiters').where({ id: m.recruiterId }).first())?.stripe_account_id).toBeNull();
  });
});
