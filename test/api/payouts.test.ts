import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { payoutStateQuery } from '../../domain/payout.js';
import type { Actor } from '../../domain/actors.js';
import { connectAccount, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

/**
 * An active placement whose sourcer's connected account cannot take transfers: its
 * activation payout pays the submitter and blocks the sourcer's split, waiting for an admin.
 */
async function blockedPayout() {
  const m = await createMarketplace(h.db);
  const [disabledAccount] = await Promise.all([
    connectAccount(h.db, h.stripe, m.recruiterId, false),
    connectAccount(h.db, h.stripe, m.otherRecruiterId),
  ]);
  const { body: placement } = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
  expect((await h.request('POST', `/api/v1/placements/${placement.id}/activate`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(
    200,
  );
  // Blocked at the refusal (BLOCKED_AT_REFUSAL_PATCH), while the round's other transfer may still be on its way: wait for both.
  const payout = await eventually(async () => {
    const { body } = await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${placement.id}`, {
      actor: m.actors.platformAdmin,
    });
    const found = body.data[0];
    return found?.splits.some((s: { recruiterId: string; status: string }) => s.recruiterId === m.otherRecruiterId && s.status === 'paid')
      ? found
      : undefined;
  });
  expect(payout).toBeDefined();
  // The workflow has seen the refusal too: it waits for an admin (its validators read its own state).
  expect(
    await eventually(async () => (await h.temporal.workflow.getHandle(payout.workflowId).query(payoutStateQuery)).status === 'blocked'),
  ).toBe(true);
  const blocked = payout.splits.find((s: { recruiterId: string }) => s.recruiterId === m.recruiterId);
  return { m, placementId: placement.id as string, payout, blocked, disabledAccount };
}

const action = (m: Marketplace, payout: { id: string }, splitId: string, name: string, body: unknown, actor = m.actors.platformAdmin) =>
  h.request('POST', `/api/v1/payouts/${payout.id}/splits/${splitId}/${name}`, { actor, body });

describe('blocked payouts', () => {
  it('lists the blocked payout for admins and lets a platform admin unblock it by changing the account', async () => {
    const { m, payout, blocked, disabledAccount } = await blockedPayout();
    expect(payout).toMatchObject({ tranche: 'activation', amountCents: 2_000_000, status: 'blocked' });
    expect(blocked).toMatchObject({ status: 'blocked', stripeAccountId: disabledAccount, blockReason: expect.stringMatching(/capabilit/) });
    expect(payout.splits.find((s: { recruiterId: string }) => s.recruiterId === m.otherRecruiterId)).toMatchObject({ status: 'paid' });

    const newAccount = h.stripe.createAccount({ payoutsEnabled: true }).id;
    const changed = await action(m, payout, blocked.id, 'change-account', {
      stripeAccountId: newAccount,
      updateRecruiterAccount: false,
      reason: 'recruiter onboarded a new account',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.splits.find((s: { id: string }) => s.id === blocked.id)).toMatchObject({
      stripeAccountId: newAccount,
      transferAttempt: 2,
    });

    const paid = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.companyAdmin });
      return body.status === 'paid' ? body : undefined;
    });
    expect(paid.splits.map((s: { status: string }) => s.status)).toEqual(['paid', 'paid']);
    expect(
      h.stripe
        .transfers()
        .filter((t) => t.destination === newAccount)
        .map((t) => t.amount),
    ).toEqual([blocked.amountCents]);
    const stillBlocked = await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${payout.placementId}`, {
      actor: m.actors.platformAdmin,
    });
    expect(stillBlocked.body.data).toEqual([]);
    // Answered once: a second answer to the same split is late.
    expect((await action(m, payout, blocked.id, 'retry', {})).status).toBe(409);
    expect(await h.db('payout_audit_log').where({ split_id: blocked.id, event: 'split_change_account' }).first()).toMatchObject({
      actor_user_id: m.actors.platformAdmin.userId,
      reason: 'recruiter onboarded a new account',
      details: { recruiterAccount: null },
    });
    // Only this split: the recruiter's own account is unchanged.
    expect(await h.db('recruiters').where({ id: m.recruiterId }).first()).toMatchObject({ stripe_account_id: disabledAccount });
  });

  it("makes the new account the recruiter's when the admin chooses so: the next tranche is paid there, not blocked again (audited)", async () => {
    const { m, placementId, payout, blocked, disabledAccount } = await blockedPayout();
    const newAccount = h.stripe.createAccount({ payoutsEnabled: true }).id; // not yet the recruiter's
    expect((await action(m, payout, blocked.id, 'change-account', { stripeAccountId: newAccount })).status).toBe(400); // the choice is required
    const changed = await action(m, payout, blocked.id, 'change-account', { stripeAccountId: newAccount, updateRecruiterAccount: true });
    expect(changed.status).toBe(200);
    expect(await h.db('recruiters').where({ id: m.recruiterId }).first()).toMatchObject({ stripe_account_id: newAccount });
    expect(await h.db('payout_audit_log').where({ split_id: blocked.id, event: 'split_change_account' }).first()).toMatchObject({
      actor_user_id: m.actors.platformAdmin.userId,
      details: {
        from: disabledAccount,
        to: newAccount,
        recruiterAccount: { recruiterId: m.recruiterId, from: disabledAccount, to: newAccount },
      },
    });
    await eventually(
      async () => (await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.platformAdmin })).body.status === 'paid',
    );

    // The holdback tranche: paid to the new account at once.
    const released = await h.request('POST', `/api/v1/placements/${placementId}/release-early`, {
      actor: m.actors.platformAdmin,
      body: { reason: 'test: next tranche' },
    });
    expect(released.status).toBe(200);
    const holdback = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/payouts?placementId=${placementId}`, { actor: m.actors.platformAdmin });
      return body.data.find((p: { tranche: string; status: string }) => p.tranche === 'holdback' && p.status !== 'processing');
    });
    expect(holdback.status).toBe('paid');
    expect(holdback.splits.find((s: { recruiterId: string }) => s.recruiterId === m.recruiterId)).toMatchObject({
      status: 'paid',
      stripeAccountId: newAccount,
    });
  });

  it('cancels a blocked split only with a reason', async () => {
    const { m, payout, blocked } = await blockedPayout();
    const noReason = await action(m, payout, blocked.id, 'cancel', {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toContain('reason');
    const cancelled = await action(m, payout, blocked.id, 'cancel', { reason: 'recruiter waived the share' });
    expect(cancelled.status).toBe(200);
    const settled = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.platformAdmin });
      return body.status === 'paid' ? body : undefined;
    });
    expect(settled.splits.find((s: { id: string }) => s.id === blocked.id).status).toBe('cancelled');
  });

  it('refuses admin actions to everyone but platform admins, and bad input with 400/404', async () => {
    const { m, payout, blocked } = await blockedPayout();
    for (const actor of [m.actors.companyAdmin, m.actors.recruiter, m.actors.foreignAdmin]) {
      const res = await action(m, payout, blocked.id, 'retry', {}, actor);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await action(m, payout, blocked.id, 'change-account', { stripeAccountId: 'ba_123' })).status).toBe(400);
    expect((await action(m, payout, randomUUID(), 'retry', {})).status).toBe(404);
    expect((await action(m, { id: randomUUID() }, blocked.id, 'retry', {})).status).toBe(404);
    // Nothing changed: the split still waits for an admin.
    expect(await h.db('payout_splits').where({ id: blocked.id }).first()).toMatchObject({ status: 'blocked', transfer_attempt: 1 });
  });
});

describe('GET /api/v1/payouts', () => {
  it("shows payouts to the placement's company and collaborators only", async () => {
    const { m, payout } = await blockedPayout();
    const ids = async (actor: Actor, query = '') =>
      (await h.request('GET', `/api/v1/payouts?placementId=${payout.placementId}${query}`, { actor })).body.data.map(
        (p: { id: string }) => p.id,
      );
    expect(await ids(m.actors.companyAdmin)).toEqual([payout.id]);
    expect(await ids(m.actors.hiringManager, '&status=blocked')).toEqual([payout.id]);
    expect(await ids(m.actors.recruiter)).toEqual([payout.id]);
    expect(await ids(m.actors.otherRecruiter)).toEqual([payout.id]);
    expect(await ids(m.actors.companyAdmin, '&status=paid')).toEqual([]);
    expect(await ids(m.actors.foreignAdmin)).toEqual([]);

    const outsider = await createMarketplace(h.db);
    expect(await ids(outsider.actors.recruiter)).toEqual([]);
    expect((await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: outsider.actors.recruiter })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.foreignAdmin })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.recruiter })).body.splits).toHaveLength(2);
    expect((await h.request('GET', '/api/v1/payouts?status=stuck', { actor: m.actors.platformAdmin })).status).toBe(400);
  });

  it("shows each recruiter only their own split's account, transfer and block reason; co-collaborators and the company see amount and status", async () => {
    const { m, placementId, payout, blocked, disabledAccount } = await blockedPayout();
    const splitsAs = async (actor: Actor) => {
      const [list, one, placement] = await Promise.all([
        h.request('GET', `/api/v1/payouts?placementId=${placementId}`, { actor }),
        h.request('GET', `/api/v1/payouts/${payout.id}`, { actor }),
        h.request('GET', `/api/v1/placements/${placementId}`, { actor }),
      ]);
      // Every route returning splits shows the same.
      expect(list.body.data[0].splits).toEqual(one.body.splits);
      expect(placement.body.payouts[0].splits).toEqual(one.body.splits);
      const byRecruiter = (id: string) => one.body.splits.find((s: { recruiterId: string }) => s.recruiterId === id);
      return {
        blockedOne: byRecruiter(m.recruiterId),
        paidOne: byRecruiter(m.otherRecruiterId),
        text: JSON.stringify([list.body, one.body, placement.body]),
      };
    };
    const hidden = { stripeAccountId: null, stripeTransferId: null, blockReason: null };

    // The colleague sees the blocked recruiter's amount and status, nothing of their account or why it blocked.
    const colleague = await splitsAs(m.actors.otherRecruiter);
    expect(colleague.blockedOne).toMatchObject({ status: 'blocked', amountCents: blocked.amountCents, ...hidden });
    expect(colleague.paidOne).toMatchObject({
      status: 'paid',
      stripeAccountId: expect.stringMatching(/^acct_/),
      stripeTransferId: expect.stringMatching(/^tr_/),
    });
    expect(colleague.text).not.toContain(disabledAccount);
    expect(colleague.text).not.toContain(blocked.blockReason);

    // The blocked recruiter sees their own details, not the colleague's.
    const own = await splitsAs(m.actors.recruiter);
    expect(own.blockedOne).toMatchObject({ stripeAccountId: disabledAccount, blockReason: blocked.blockReason });
    expect(own.paidOne).toMatchObject({ status: 'paid', ...hidden });

    // Company users: amounts and statuses only. Platform admins: everything (they resolve blocked splits).
    for (const actor of [m.actors.companyAdmin, m.actors.hiringManager]) {
      const company = await splitsAs(actor);
      expect(company.blockedOne).toMatchObject({ status: 'blocked', ...hidden });
      expect(company.paidOne).toMatchObject({ status: 'paid', ...hidden });
    }
    const admin = await splitsAs(m.actors.platformAdmin);
    expect(admin.blockedOne).toMatchObject({ stripeAccountId: disabledAccount, blockReason: blocked.blockReason });
    expect(admin.paidOne.stripeAccountId).toMatch(/^acct_/);
  });

  it('pages the platform-wide list newest first', async () => {
    const first = await blockedPayout();
    const second = await blockedPayout();
    const admin = first.m.actors.platformAdmin;
    // Other tests add blocked payouts too: walk the pages until both of ours have appeared.
    const seen: string[] = [];
    let cursor = '';
    while (!seen.includes(first.payout.id)) {
      const page = await h.request('GET', `/api/v1/payouts?status=blocked&limit=1${cursor}`, { actor: admin });
      expect(page.body.data).toHaveLength(1);
      seen.push(page.body.data[0].id);
      cursor = `&cursor=${page.body.nextCursor}`;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.indexOf(second.payout.id)).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf(second.payout.id)).toBeLessThan(seen.indexOf(first.payout.id));
  });
});
