import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../lib/db.js';
import { workflowIds } from '../../domain/temporal.js';
import { payoutStateQuery, type PayoutInput } from '../../domain/payout.js';
import { accountUpdatedSignal, payoutAccountStateQuery } from '../../domain/payout-account.js';
import { payoutWorkflow } from '../../workflows/payout.js';
import { PAYOUT_ACCOUNT_EVENTS_PER_RUN, payoutAccountWorkflow } from '../../workflows/payout-account.js';
import type { FakeStripe } from '../../testkit/fakes/stripe.js';
import { startPlacementHarness, type PlacementHarness } from '../../testkit/harness/placement-harness.js';
import { createPlacement } from '../../testkit/harness/factories.js';

let h: PlacementHarness;
let env: TestWorkflowEnvironment;
let db: Db;
let stripe: FakeStripe;
let taskQueue: string;

beforeAll(async () => {
  h = await startPlacementHarness();
  ({ env, db, stripe, taskQueue } = h);
});
afterAll(() => h?.stop());

/** The recruiter's account as the API records it when they connect through the product. */
async function connectedThroughProduct(recruiterId: string, stripeAccountId: string) {
  const at = new Date();
  await db('recruiter_payout_accounts').insert({
    recruiter_id: recruiterId,
    idempotency_key: `payout-account-${recruiterId}`,
    stripe_account_id: stripeAccountId,
    status: 'onboarding',
    created_at: at,
    updated_at: at,
  });
}

/** What `account.updated` does at the API: signal the account's workflow, starting it if none runs. */
const accountUpdated = (stripeAccountId: string) =>
  env.client.workflow.signalWithStart(payoutAccountWorkflow, {
    workflowId: workflowIds.payoutAccount(stripeAccountId),
    taskQueue,
    args: [{ stripeAccountId }],
    signal: accountUpdatedSignal,
    signalArgs: [{ eventId: `evt_${randomUUID().replace(/-/g, '')}` }],
  });

const onboard = (account: string) => fetch(`${stripe.url}/_fake/accounts/${account}/complete-onboarding`, { method: 'POST' });

describe('payoutAccountWorkflow', () => {
  it('retries a blocked split of the recruiter once Stripe says the account takes transfers, and pays it once', async () => {
    const p = await createPlacement(db, stripe, [
      { role: 'sourcer', splitBps: 6000, account: 'disabled' },
      { role: 'submitter', splitBps: 4000 },
    ]);
    const [sourcer] = p.collaborators;
    const account = sourcer!.stripeAccountId!;
    await connectedThroughProduct(sourcer!.recruiterId, account);
    const input: PayoutInput = {
      payoutId: randomUUID(),
      placementId: p.placementId,
      companyId: p.marketplace.companyId,
      tranche: 'activation',
      amountCents: 1_000_000,
      currency: 'USD',
    };
    const payout = await env.client.workflow.start(payoutWorkflow, {
      workflowId: workflowIds.payout(input.payoutId),
      taskQueue,
      args: [input],
    });
    while ((await payout.query(payoutStateQuery)).status !== 'blocked') await new Promise((r) => setTimeout(r, 100));

    // An update while the account still cannot take transfers: projected, nothing retried.
    const handle = await accountUpdated(account);
    while ((await handle.query(payoutAccountStateQuery)).status !== 'onboarding') await new Promise((r) => setTimeout(r, 100));
    expect((await payout.query(payoutStateQuery)).status).toBe('blocked');

    await onboard(account);
    await accountUpdated(account);
    const view = await payout.result();
    expect(view.status).toBe('paid');
    expect(view.splits.map((s) => s.status)).toEqual(['paid', 'paid']);
    expect(
      stripe
        .transfers()
        .filter((t) => t.destination === account)
        .map((t) => t.amount),
    ).toEqual([600_000]);
    const row = await db('recruiter_payout_accounts').where({ recruiter_id: sourcer!.recruiterId }).first();
    expect(row).toMatchObject({ status: 'enabled', transfers_active: true, payouts_enabled: true, currently_due: [] });
    expect((await db('recruiters').where({ id: sourcer!.recruiterId }).first())?.stripe_account_id).toBe(account);

    // A late duplicate after the split was paid (to this run, or a new one if time skipped past the idle hour): nothing is paid twice.
    await accountUpdated(account);
    const latest = env.client.workflow.getHandle(workflowIds.payoutAccount(account));
    expect(await latest.result()).toMatchObject({ stripeAccountId: account, status: 'enabled' });
    expect(stripe.transfers().filter((t) => t.destination === account)).toHaveLength(1);
  });

  it('continues as new after its bound of events, keeping the status it read', async () => {
    const account = stripe.createAccount({ payoutsEnabled: true }).id;
    const handle = await accountUpdated(account);
    const { runId } = await handle.describe();
    for (let i = 0; i < PAYOUT_ACCOUNT_EVENTS_PER_RUN; i++) await accountUpdated(account);
    const final = await handle.result();
    const last = await env.client.workflow.getHandle(workflowIds.payoutAccount(account)).describe();
    expect(last.runId).not.toBe(runId);
    expect(final.status).toBe('enabled');
  });

  it('projects nothing for an account no recruiter connected here, and ends when idle', async () => {
    const account = stripe.createAccount({ payoutsEnabled: true }).id;
    const handle = await accountUpdated(account);
    expect(await handle.result()).toMatchObject({ stripeAccountId: account, status: 'enabled', eventsSeen: 1 });
    expect(await db('recruiter_payout_accounts').where({ stripe_account_id: account })).toEqual([]);
  });

  it('projects nothing and does not fail when Stripe refuses to show the account', async () => {
    const handle = await accountUpdated('acct_unknown0000000001');
    expect(await handle.result()).toMatchObject({ status: 'not_connected', eventsSeen: 1 });
  });
});
