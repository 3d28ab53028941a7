import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { payoutStateQuery } from '../../workflows/payout.js';
import type { Actor } from '../../workflows/proposal-rules.js';
import { connectAccount, createMarketplace, placementBody, type Marketplace } from '../support/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../support/api-harness.js';

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
  expect((await h.request('POST', `/api/v1/placements/${placement.id}/activate`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(200);
  const payout = await eventually(async () => {
    const { body } = await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${placement.id}`, { actor: m.actors.platformAdmin });
    return body.data[0];
  });
  expect(payout).toBeDefined();
  // The workflow has seen the refusal too: it waits for an admin (its validators read its own state).
  expect(await eventually(async () => (await h.temporal.workflow.getHandle(payout.workflowId).query(payoutStateQuery)).status === 'blocked')).toBe(true);
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

    const newAccount = await connectAccount(h.db, h.stripe, m.recruiterId);
    const changed = await action(m, payout, blocked.id, 'change-account', { stripeAccountId: newAccount, reason: 'recruiter onboarded a new account' });
    expect(changed.status).toBe(200);
    expect(changed.body.splits.find((s: { id: string }) => s.id === blocked.id)).toMatchObject({ stripeAccountId: newAccount, transferAttempt: 2 });

    const paid = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.companyAdmin });
      return body.status === 'paid' ? body : undefined;
    });
    expect(paid.splits.map((s: { status: string }) => s.status)).toEqual(['paid', 'paid']);
    expect(h.stripe.transfers().filter((t) => t.destination === newAccount).map((t) => t.amount)).toEqual([blocked.amountCents]);
    const stillBlocked = await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${payout.placementId}`, { actor: m.actors.platformAdmin });
    expect(stillBlocked.body.data).toEqual([]);
    // Answered once: a second answer to the same split is late.
    expect((await action(m, payout, blocked.id, 'retry', {})).status).toBe(409);
    expect(await h.db('payout_audit_log').where({ split_id: blocked.id, event: 'split_change_account' }).first()).toMatchObject({
      actor_user_id: m.actors.platformAdmin.userId, reason: 'recruiter onboarded a new account',
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
  it('shows payouts to the placement\'s company and collaborators only', async () => {
    const { m, payout } = await blockedPayout();
    const ids = async (actor: Actor, query = '') =>
      (await h.request('GET', `/api/v1/payouts?placementId=${payout.placementId}${query}`, { actor })).body.data.map((p: { id: string }) => p.id);
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
