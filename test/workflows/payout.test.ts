import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { workflowIds } from '../../domain/temporal.js';
import { payoutWorkflow } from '../../workflows/payout.js';
import { cancelSplitUpdate, changeSplitAccountUpdate, payoutStateQuery, retrySplitUpdate, type PayoutInput } from '../../domain/payout.js';
import type { FakeStripe } from '../../testkit/fakes/stripe.js';
import { startPlacementHarness, type PlacementHarness } from '../../testkit/harness/placement-harness.js';
import { createPlacement, type CollaboratorSpec, type PlacementFixture } from '../../testkit/harness/factories.js';
import { refusal } from '../support/updates.js';

let h: PlacementHarness;
let env: TestWorkflowEnvironment;
let db: Db;
let stripe: FakeStripe;
let taskQueue: string;

beforeAll(async () => {
  h = await startPlacementHarness(withSlowTransfers);
  ({ env, db, stripe, taskQueue } = h);
});
afterAll(() => h?.stop());

/**
 * Transfers that answer slowly (after reading the split): an admin's answer then commits
 * while a transfer is in flight. The payout must neither transfer a split before the answer
 * is committed nor let a stale transfer result overwrite it (a race seen on the dev server).
 */
function withSlowTransfers<A extends { transferSplit: (input: { splitId: string }) => Promise<unknown> }>(activities: A): A {
  const { transferSplit } = activities;
  return {
    ...activities,
    transferSplit: async (input: { splitId: string }) => {
      const result = await transferSplit(input);
      await new Promise((r) => setTimeout(r, 300));
      return result;
    },
  };
}

const ADMIN = { userId: randomUUID(), role: 'platform_admin' as const };
const THREE: CollaboratorSpec[] = [
  { role: 'sourcer', splitBps: 5000 },
  { role: 'submitter', splitBps: 3333 },
  { role: 'closer', splitBps: 1667 },
];

async function startPayout(p: PlacementFixture, amountCents: number) {
  const input: PayoutInput = {
    payoutId: randomUUID(),
    placementId: p.placementId,
    companyId: p.marketplace.companyId,
    tranche: 'activation',
    amountCents,
    currency: 'USD',
  };
  const handle = await env.client.workflow.start(payoutWorkflow, {
    workflowId: workflowIds.payout(input.payoutId),
    taskQueue,
    args: [input],
  });
  return { input, handle };
}

const transfersOf = (placementId: string) => stripe.transfers().filter((t) => t.transfer_group === placementId);

async function untilStatus(handle: Awaited<ReturnType<typeof startPayout>>['handle'], status: string) {
  for (let i = 0; i < 200; i++) {
    const view = await handle.query(payoutStateQuery);
    if (view.status === status) return view;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`payout never became ${status}`);
}

describe('payout workflow', () => {
  it('pays each collaborator exactly once, amounts summing to the tranche, and locks the splits', async () => {
    const p = await createPlacement(db, stripe, THREE);
    const { input, handle } = await startPayout(p, 1_000_001);
    const result = await handle.result();
    expect(result.status).toBe('paid');

    // Transfers run concurrently: compare them largest first.
    const transfers = transfersOf(p.placementId).sort((a, b) => b.amount - a.amount);
    expect(transfers.map((t) => [t.destination, t.amount])).toEqual([
      [p.collaborators[0]!.stripeAccountId, 500_001],
      [p.collaborators[1]!.stripeAccountId, 333_300],
      [p.collaborators[2]!.stripeAccountId, 166_700],
    ]);
    expect(transfers.reduce((sum, t) => sum + t.amount, 0)).toBe(1_000_001);
    expect(transfers.every((t) => t.currency === 'usd' && t.metadata.payout_id === input.payoutId)).toBe(true);

    const splits = await db('payout_splits').where({ payout_id: input.payoutId }).orderBy('amount_cents', 'desc');
    expect(splits.map((s) => [s.status, s.stripe_transfer_id])).toEqual(transfers.map((t) => ['paid', t.id]));
    expect((await db('placements').where({ id: p.placementId }).first())!.splits_locked_at).not.toBeNull();
    const audit = await db('payout_audit_log').where({ payout_id: input.payoutId }).orderBy('id');
    expect(audit.map((a) => a.event)).toEqual(['payout_created', 'split_paid', 'split_paid', 'split_paid', 'payout_paid']);
    expect((await db('payout_schedules').where({ id: input.payoutId }).first())!.status).toBe('paid');
  });

  it('retries transient Stripe errors and still makes one transfer per collaborator', async () => {
    const p = await createPlacement(db, stripe, THREE);
    stripe.injectFailure({ method: 'POST', path: '/v1/transfers', status: 500, type: 'api_error', times: 4 });
    const { handle } = await startPayout(p, 90_000);
    expect((await handle.result()).status).toBe('paid');
    expect(transfersOf(p.placementId)).toHaveLength(3);
  });

  it('blocks a split Stripe refuses, waits for an admin, and pays it after the account is changed', async () => {
    const p = await createPlacement(db, stripe, [
      { role: 'sourcer', splitBps: 6000 },
      { role: 'closer', splitBps: 4000, account: 'disabled' },
    ]);
    const { input, handle } = await startPayout(p, 100_000);
    const blocked = await untilStatus(handle, 'blocked');
    const split = blocked.splits.find((s) => s.status === 'blocked')!;
    expect(split.collaboratorId).toBe(p.collaborators[1]!.id);
    expect(split.blockReason).toMatch(/insufficient_capabilities_for_transfer/);
    expect(blocked.splits.find((s) => s.collaboratorId === p.collaborators[0]!.id)!.status).toBe('paid');
    expect((await db('payout_schedules').where({ id: input.payoutId }).first())!.status).toBe('blocked');

    const recruiter = { userId: randomUUID(), role: 'recruiter' as const };
    expect(await refusal(handle.executeUpdate(retrySplitUpdate, { args: [{ splitId: split.splitId, actor: recruiter }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );
    expect(
      await refusal(
        handle.executeUpdate(changeSplitAccountUpdate, {
          args: [{ splitId: split.splitId, actor: ADMIN, stripeAccountId: 'not-an-account', updateRecruiterAccount: true }],
        }),
      ),
    ).toBe(FAILURE_TYPES.InvalidState);
    expect(await refusal(handle.executeUpdate(cancelSplitUpdate, { args: [{ splitId: split.splitId, actor: ADMIN, reason: ' ' }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );

    // Retrying against the same broken account blocks it again, on a new attempt.
    await handle.executeUpdate(retrySplitUpdate, {
      args: [{ splitId: split.splitId, actor: ADMIN, reason: 'recruiter says it is fixed' }],
    });
    await untilStatus(handle, 'blocked');
    const good = stripe.createAccount({ payoutsEnabled: true });
    const closer = p.collaborators[1]!;
    const changed = await handle.executeUpdate(changeSplitAccountUpdate, {
      args: [{ splitId: split.splitId, actor: ADMIN, stripeAccountId: good.id, updateRecruiterAccount: true, reason: 'new account' }],
    });
    expect(changed.status).toBe('pending');
    // The admin chose so: the new account is the recruiter's for future payouts too.
    expect(await db('recruiters').where({ id: split.recruiterId }).first()).toMatchObject({ stripe_account_id: good.id });

    expect((await handle.result()).status).toBe('paid');
    const transfers = transfersOf(p.placementId).sort((a, b) => b.amount - a.amount);
    expect(transfers.map((t) => [t.destination, t.amount])).toEqual([
      [p.collaborators[0]!.stripeAccountId, 60_000],
      [good.id, 40_000],
    ]);
    const audit = await db('payout_audit_log').where({ payout_id: input.payoutId }).orderBy('id');
    const blockedSplitEvents = audit.filter((a) => a.split_id === split.splitId).map((a) => a.event);
    expect(blockedSplitEvents).toEqual(['split_blocked', 'split_retry', 'split_blocked', 'split_change_account', 'split_paid']);
    expect([audit[0]!.event, audit.at(-1)!.event]).toEqual(['payout_created', 'payout_paid']);
    expect(audit.find((a) => a.event === 'split_change_account')).toMatchObject({
      actor_role: 'platform_admin',
      actor_user_id: ADMIN.userId,
      details: { to: good.id, recruiterAccount: { recruiterId: split.recruiterId, from: closer.stripeAccountId, to: good.id } },
    });
  });

  it('lets an admin cancel a blocked split with a reason; the payout closes without it', async () => {
    const p = await createPlacement(db, stripe, [
      { role: 'sourcer', splitBps: 7000 },
      { role: 'support', splitBps: 3000, account: 'none' },
    ]);
    const { input, handle } = await startPayout(p, 50_000);
    const blocked = await untilStatus(handle, 'blocked');
    const split = blocked.splits.find((s) => s.status === 'blocked')!;
    expect(split.blockReason).toMatch(/no connected Stripe account/);
    await handle.executeUpdate(cancelSplitUpdate, {
      args: [{ splitId: split.splitId, actor: ADMIN, reason: 'recruiter left the marketplace' }],
    });
    expect(await refusal(handle.executeUpdate(retrySplitUpdate, { args: [{ splitId: split.splitId, actor: ADMIN }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    const result = await handle.result();
    expect(result.status).toBe('paid');
    expect(transfersOf(p.placementId)).toHaveLength(1);
    const cancelled = await db('payout_audit_log').where({ payout_id: input.payoutId, event: 'split_cancel' }).first();
    expect(cancelled!.reason).toBe('recruiter left the marketplace');
  });
});
