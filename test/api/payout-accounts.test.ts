import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const me = (m: Marketplace) => h.request('GET', '/api/v1/me/payout-account', { actor: m.actors.recruiter });
const connect = (m: Marketplace) => h.request('POST', '/api/v1/me/payout-account', { actor: m.actors.recruiter, body: {} });
/** What the recruiter clicks on the fake's onboarding page. */
const completeOnboarding = (account: string) => fetch(`${h.stripe.url}/_fake/accounts/${account}/complete-onboarding`, { method: 'POST' });

describe('connecting a recruiter payout account', () => {
  it('starts not connected, creates one Express account however often the recruiter asks, and answers an account_onboarding link back to the app', async () => {
    const m = await createMarketplace(h.db);
    expect((await me(m)).body).toMatchObject({
      status: 'not_connected',
      stripeAccountId: null,
      recruiterName: 'Rita Recruiter',
      stillDue: [],
    });

    const [first, second] = [await connect(m), await connect(m)];
    expect(first.status).toBe(200);
    expect(second.body.stripeAccountId).toBe(first.body.stripeAccountId);
    const mine = h.stripe.accounts().filter((a) => a.metadata?.recruiter_id === m.recruiterId);
    expect(mine.map((a) => [a.id, a.type, a.capabilities?.transfers])).toEqual([[first.body.stripeAccountId, 'express', 'inactive']]);
    const link = new URL(first.body.url);
    expect(link.pathname).toBe(`/_fake/connect/onboarding/${first.body.stripeAccountId}`);
    expect(link.searchParams.get('return_url')).toMatch(/\/#\/account\/payouts\?onboarding=returned$/);
    expect(link.searchParams.get('refresh_url')).toMatch(/\/#\/account\/payouts\?onboarding=refresh$/);

    const status = (await me(m)).body;
    expect(status).toMatchObject({ status: 'onboarding', payoutsEnabled: false, transfersActive: false });
    const audit = await h.db('payout_account_changes').where({ recruiter_id: m.recruiterId });
    expect(audit.map((a) => [a.old_status, a.new_status, a.actor_role])).toEqual([['not_connected', 'onboarding', 'recruiter']]);
  });

  it('is for recruiters only; a platform admin reads any recruiter status, others get 403, an unknown recruiter 404', async () => {
    const m = await createMarketplace(h.db);
    expect((await h.request('POST', '/api/v1/me/payout-account', { actor: m.actors.companyAdmin, body: {} })).status).toBe(403);
    expect((await h.request('GET', '/api/v1/me/payout-account', { actor: m.actors.platformAdmin })).status).toBe(403);
    const path = `/api/v1/recruiters/${m.recruiterId}/payout-account`;
    expect((await h.request('GET', path, { actor: m.actors.platformAdmin })).body).toMatchObject({ status: 'not_connected' });
    expect((await h.request('GET', path, { actor: m.actors.companyAdmin })).status).toBe(403);
    expect((await h.request('GET', path, { actor: m.actors.otherRecruiter })).status).toBe(403);
    expect(
      (await h.request('GET', '/api/v1/recruiters/00000000-0000-4000-8000-000000000000/payout-account', { actor: m.actors.platformAdmin }))
        .status,
    ).toBe(404);
  });

  it('shows what Stripe still needs in words when Stripe asks for more after onboarding', async () => {
    const m = await createMarketplace(h.db);
    const account = (await connect(m)).body.stripeAccountId as string;
    await completeOnboarding(account);
    expect(await eventually(async () => (await me(m)).body.status === 'enabled')).toBe(true);

    const form = new URLSearchParams({ 'currently_due[0]': 'individual.verification.document', 'currently_due[1]': 'external_account' });
    await fetch(`${h.stripe.url}/_fake/accounts/${account}/require`, { method: 'POST', body: form });
    const restricted = await eventually(async () => {
      const { body } = await me(m);
      return body.status === 'restricted' ? body : undefined;
    });
    expect(restricted).toMatchObject({
      transfersActive: false,
      payoutsEnabled: false,
      stillDue: ['Identity document', 'Bank account for payouts'],
      currentlyDue: ['individual.verification.document', 'external_account'],
      disabledReason: 'requirements.past_due',
      disabledExplanation: expect.stringMatching(/Stripe needs/),
    });
  });
});

describe('a blocked split of a recruiter without an account', () => {
  it('is retried by itself once the recruiter finishes onboarding, and paid exactly once', async () => {
    const m = await createMarketplace(h.db);
    await connectAccount(h.db, h.stripe, m.otherRecruiterId);
    const { body: placement } = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    await h.request('POST', `/api/v1/placements/${placement.id}/activate`, { actor: m.actors.companyAdmin, body: {} });
    const payout = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${placement.id}`, {
        actor: m.actors.platformAdmin,
      });
      return body.data[0];
    });
    const blocked = payout.splits.find((s: { recruiterId: string }) => s.recruiterId === m.recruiterId);
    expect(blocked).toMatchObject({ status: 'blocked', blockReason: 'the collaborator has no connected Stripe account' });

    const account = (await connect(m)).body.stripeAccountId as string;
    // Not yet: an account that cannot take transfers retries nothing.
    expect((await h.db('recruiters').where({ id: m.recruiterId }).first())?.stripe_account_id).toBeNull();
    const onboarded = await completeOnboarding(account);
    expect(onboarded.status).toBe(200);

    const paid = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.platformAdmin });
      return body.status === 'paid' ? body : undefined;
    }, 30_000);
    expect(paid.splits.find((s: { id: string }) => s.id === blocked.id)).toMatchObject({
      status: 'paid',
      stripeAccountId: account,
      transferAttempt: 2,
    });
    await h.stripe.webhooksSettled();
    expect(
      h.stripe
        .transfers()
        .filter((t) => t.destination === account)
        .map((t) => t.amount),
    ).toEqual([blocked.amountCents]);
    expect((await h.db('recruiters').where({ id: m.recruiterId }).first())?.stripe_account_id).toBe(account);
    expect((await me(m)).body).toMatchObject({ status: 'enabled', payoutsEnabled: true, transfersActive: true, stillDue: [] });
    const audit = await h.db('payout_audit_log').where({ split_id: blocked.id, event: 'split_change_account' });
    expect(audit.map((a) => [a.actor_role, a.details])).toEqual([['system', { from: null, to: account, recruiterAccount: null }]]);
  });
});
