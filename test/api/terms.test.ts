import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../domain/actors.js';
import { proposalStateQuery } from '../../domain/proposal.js';
import { TERMS, TERM_NAMES } from '../../domain/terms.js';
import { connectAccount, createCandidate, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const termsOf = (m: Marketplace, actor: Actor = m.actors.companyAdmin, companyId = m.companyId) =>
  h.request('GET', `/api/v1/companies/${companyId}/terms`, { actor });
const patch = (m: Marketplace, body: unknown, actor: Actor = m.actors.companyAdmin, companyId = m.companyId) =>
  h.request('PATCH', `/api/v1/companies/${companyId}/terms`, { actor, body });
const history = (m: Marketplace, actor: Actor = m.actors.companyAdmin) =>
  h.request('GET', `/api/v1/companies/${m.companyId}/terms/changes`, { actor });
const auditRows = (m: Marketplace) => h.db('terms_changes').where({ company_id: m.companyId }).orderBy('id');
const settingsRows = async (m: Marketplace) => ({
  settings: await h.db('company_settings').where({ company_id: m.companyId }).first(),
  guarantee: await h.db('placement_guarantee_config').where({ company_id: m.companyId }).first(),
});

describe('GET /api/v1/companies/:id/terms', () => {
  it("shows a company's users each term's value and that it is the marketplace default until the company sets its own", async () => {
    const m = await createMarketplace(h.db);
    const defaults = (await h.request('GET', '/api/v1/marketplace/terms', { actor: m.actors.platformAdmin })).body.terms;
    for (const actor of [m.actors.companyAdmin, m.actors.hiringManager, m.actors.platformAdmin]) {
      const res = await termsOf(m, actor);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.companyId).toBe(m.companyId);
      expect(res.body.companyName).toMatch(/^Acme /);
      expect(Object.keys(res.body.terms)).toEqual(TERM_NAMES);
      for (const t of TERM_NAMES) {
        expect(res.body.terms[t]).toMatchObject({ source: 'marketplace', companyValue: null, value: defaults[t].value });
      }
    }
    const { body } = await termsOf(m);
    expect(body.terms.proposalDecisionHours).toMatchObject({
      label: 'Proposal decision time',
      limits: { min: 1, max: 720, unit: 'hours' },
    });
    expect(body.terms.refundPolicy).toMatchObject({ limits: { values: ['full', 'pro_rata', 'none'] } });
    expect(body.terms.platformFeeBps).toMatchObject({ platformAdminOnly: true });
  });

  it("refuses recruiters (403), answers 404 for another company's id and an unknown one", async () => {
    const m = await createMarketplace(h.db);
    expect((await termsOf(m, m.actors.recruiter)).status).toBe(403);
    expect((await history(m, m.actors.recruiter)).status).toBe(403);
    expect((await termsOf(m, m.actors.foreignAdmin)).status).toBe(404);
    expect((await history(m, m.actors.foreignAdmin)).status).toBe(404);
    expect((await termsOf(m, m.actors.platformAdmin, randomUUID())).status).toBe(404);
    expect((await termsOf(m, m.actors.companyAdmin, 'not-a-uuid')).status).toBe(400);
  });
});

describe('PATCH /api/v1/companies/:id/terms', () => {
  it('sets only the terms given, audits each change with who and old → new, and writes nothing for a change that changes nothing', async () => {
    const m = await createMarketplace(h.db);
    const before = (await termsOf(m)).body.terms;
    const res = await patch(m, { proposalDecisionHours: 48, refundPolicy: 'pro_rata', reason: 'Faster hiring loop' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.terms.proposalDecisionHours).toMatchObject({ value: 48, source: 'company', companyValue: 48 });
    expect(res.body.terms.refundPolicy).toMatchObject({ value: 'pro_rata', source: 'company' });
    expect(res.body.terms.guaranteeDays).toMatchObject({ source: 'marketplace', companyValue: null });
    expect((await termsOf(m, m.actors.hiringManager)).body).toEqual(res.body);
    expect(await settingsRows(m)).toMatchObject({
      settings: { proposal_timeout_hours: 48, refund_policy: 'pro_rata' },
      guarantee: undefined,
    });

    const changes = await history(m, m.actors.hiringManager);
    expect(changes.status).toBe(200);
    expect(changes.body.nextCursor).toBeNull();
    expect(changes.body.data).toHaveLength(2);
    expect(changes.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          scope: 'company',
          companyId: m.companyId,
          term: 'proposalDecisionHours',
          oldValue: null,
          newValue: 48,
          oldEffective: before.proposalDecisionHours.value,
          newEffective: 48,
          actorUserId: m.actors.companyAdmin.userId,
          actorName: 'Admin',
          actorRole: 'company_admin',
          reason: 'Faster hiring loop',
        }),
        expect.objectContaining({ term: 'refundPolicy', oldValue: null, newValue: 'pro_rata', oldEffective: before.refundPolicy.value }),
      ]),
    );

    // The same values again, and a term set to the value it has: no audit row.
    expect((await patch(m, { proposalDecisionHours: 48, refundPolicy: 'pro_rata' })).status).toBe(200);
    expect(await auditRows(m)).toHaveLength(2);

    // Guarantee and holdback live in their own table; null sets a term back to the default.
    const next = await patch(m, { guaranteeDays: 60, holdbackBps: 1500, proposalDecisionHours: null });
    expect(next.status).toBe(200);
    expect(next.body.terms.proposalDecisionHours).toMatchObject({
      source: 'marketplace',
      companyValue: null,
      value: before.proposalDecisionHours.value,
    });
    expect(next.body.terms.guaranteeDays).toMatchObject({ source: 'company', value: 60 });
    expect(next.body.terms.holdbackBps).toMatchObject({ source: 'company', value: 1500 });
    expect(await settingsRows(m)).toMatchObject({
      settings: { proposal_timeout_hours: null },
      guarantee: { guarantee_days: 60, holdback_bps: 1500 },
    });
    const rows = await auditRows(m);
    expect(rows).toHaveLength(5);
    expect(rows.find((r) => r.term === 'proposalDecisionHours' && r.new_value === null)).toMatchObject({
      old_value: 48,
      old_effective: 48,
    });
    const newest = (await history(m)).body.data;
    expect(
      newest
        .slice(0, 3)
        .map((c: { term: string }) => c.term)
        .sort(),
    ).toEqual(['guaranteeDays', 'holdbackBps', 'proposalDecisionHours']);
  });

  it('takes each term at its limits and refuses one step beyond them (400 naming the term), changing nothing', async () => {
    const m = await createMarketplace(h.db);
    for (const t of TERM_NAMES) {
      const spec = TERMS[t];
      if (spec.kind === 'choice') {
        for (const bad of ['partial', '', 1]) {
          const res = await patch(m, { [t]: bad }, m.actors.platformAdmin);
          expect(res.status, `${t}=${JSON.stringify(bad)}`).toBe(400);
          expect(res.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toContain(t);
        }
        continue;
      }
      for (const bad of [spec.min - 1, spec.max + 1, spec.min + 0.5, String(spec.min), true]) {
        const res = await patch(m, { [t]: bad }, m.actors.platformAdmin);
        expect(res.status, `${t}=${JSON.stringify(bad)}`).toBe(400);
        expect(res.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toContain(t);
      }
    }
    expect(await auditRows(m)).toEqual([]);
    expect(await settingsRows(m)).toEqual({ settings: undefined, guarantee: undefined });

    for (const t of TERM_NAMES) {
      const spec = TERMS[t];
      const values = spec.kind === 'choice' ? spec.values : [spec.min, spec.max];
      for (const value of values) {
        const res = await patch(m, { [t]: value }, m.actors.platformAdmin);
        expect(res.status, `${t}=${value}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.terms[t].value).toBe(value);
      }
    }
  });

  it('refuses an unknown term, an empty change and hostile text in the reason, changing nothing', async () => {
    const m = await createMarketplace(h.db);
    const cases: [unknown, string][] = [
      [{ proposalTimeoutHours: 48 }, 'unknown key'],
      [{}, 'nothing to change'],
      [{ reason: 'only a reason' }, 'nothing to change'],
      [{ guaranteeDays: 30, reason: 'x'.repeat(2001) }, 'reason'],
      [{ guaranteeDays: 30, reason: 'bad\u0000byte' }, 'reason'],
      [{ guaranteeDays: 30, reason: 'evil \u202Egnp.exe' }, 'reason'],
      [{ guaranteeDays: 30, reason: '\u0007bell' }, 'reason'],
    ];
    for (const [body, what] of cases) {
      const res = await patch(m, body);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.details, what).toContainEqual(
        expect.objectContaining({ path: what === 'unknown key' || what === 'nothing to change' ? [] : ['reason'] }),
      );
    }
    expect(await auditRows(m)).toEqual([]);
    expect(await settingsRows(m)).toEqual({ settings: undefined, guarantee: undefined });
  });

  it('lets only company admins of the company and platform admins change terms; only a platform admin sets the platform fee', async () => {
    const m = await createMarketplace(h.db);
    for (const actor of [m.actors.hiringManager, m.actors.recruiter]) {
      expect((await patch(m, { guaranteeDays: 30 }, actor)).status).toBe(403);
      expect((await patch(m, { guaranteeDays: -1 }, actor)).status).toBe(403);
    }
    expect((await patch(m, { guaranteeDays: 30 }, m.actors.foreignAdmin)).status).toBe(404);
    expect((await patch(m, { platformFeeBps: 500 }, m.actors.foreignAdmin)).status).toBe(404);
    expect((await patch(m, { guaranteeDays: 30 }, m.actors.platformAdmin, randomUUID())).status).toBe(404);

    const refused = await patch(m, { platformFeeBps: 500, guaranteeDays: 30 });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('platformFeeBps');
    expect((await patch(m, { platformFeeBps: null })).status).toBe(403);
    expect(await auditRows(m)).toEqual([]);

    const set = await patch(m, { platformFeeBps: 750, reason: 'Enterprise agreement' }, m.actors.platformAdmin);
    expect(set.status).toBe(200);
    expect(set.body.terms.platformFeeBps).toMatchObject({ value: 750, source: 'company' });
    expect((await history(m)).body.data[0]).toMatchObject({
      term: 'platformFeeBps',
      newValue: 750,
      actorRole: 'platform_admin',
      actorName: 'Platform',
    });
    // The company admin sees the override and changes their other terms alongside it.
    expect((await patch(m, { paymentTermsDays: 0 })).body.terms).toMatchObject({
      platformFeeBps: { value: 750 },
      paymentTermsDays: { value: 0, source: 'company' },
    });
  });
});

describe('marketplace defaults', () => {
  it('are read and changed by platform admins only, within the same limits', async () => {
    const m = await createMarketplace(h.db);
    for (const actor of [m.actors.companyAdmin, m.actors.hiringManager, m.actors.recruiter]) {
      expect((await h.request('GET', '/api/v1/marketplace/terms', { actor })).status).toBe(403);
      expect((await h.request('PATCH', '/api/v1/marketplace/terms', { actor, body: { paymentTermsDays: 45 } })).status).toBe(403);
      expect((await h.request('PATCH', '/api/v1/marketplace/terms', { actor, body: { paymentTermsDays: 'x' } })).status).toBe(403);
      expect((await h.request('GET', '/api/v1/marketplace/terms/changes', { actor })).status).toBe(403);
    }
    const admin = m.actors.platformAdmin;
    const mine = () => h.db('terms_changes').where({ scope: 'marketplace', actor_user_id: admin.userId }).orderBy('id');
    for (const body of [{ platformFeeBps: 5001 }, { paymentTermsDays: -1 }, { proposalDecisionHours: null }, { refundPolicy: 'all' }, {}]) {
      expect((await h.request('PATCH', '/api/v1/marketplace/terms', { actor: admin, body })).status, JSON.stringify(body)).toBe(400);
    }
    expect(await mine()).toEqual([]);

    // An unchanged default writes nothing. (Tests elsewhere rely on the defaults the processes use, so this one
    // changes only a default nothing uses yet, and puts it back.)
    const current = (await h.request('GET', '/api/v1/marketplace/terms', { actor: admin })).body.terms;
    expect(current.paymentTermsDays).toMatchObject({ label: 'Payment terms', limits: { min: 0, max: 120, unit: 'days' } });
    const same = await h.request('PATCH', '/api/v1/marketplace/terms', {
      actor: admin,
      body: { paymentTermsDays: current.paymentTermsDays.value, proposalDecisionHours: current.proposalDecisionHours.value },
    });
    expect(same.status).toBe(200);
    expect(await mine()).toEqual([]);

    const was = current.paymentTermsDays.value as number;
    const other = was === 120 ? 119 : was + 1;
    try {
      const changed = await h.request('PATCH', '/api/v1/marketplace/terms', {
        actor: admin,
        body: { paymentTermsDays: other, reason: 'Net 31 trial' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.terms.paymentTermsDays.value).toBe(other);
      expect((await termsOf(m)).body.terms.paymentTermsDays).toMatchObject({
        source: 'marketplace',
        marketplaceDefault: other,
        value: other,
      });
      const listed = (await h.request('GET', '/api/v1/marketplace/terms/changes?limit=100', { actor: admin })).body.data;
      expect(listed.find((c: { actorUserId: string }) => c.actorUserId === admin.userId)).toMatchObject({
        scope: 'marketplace',
        companyId: null,
        term: 'paymentTermsDays',
        oldValue: was,
        newValue: other,
        actorName: 'Platform',
        reason: 'Net 31 trial',
      });
    } finally {
      await h.request('PATCH', '/api/v1/marketplace/terms', { actor: admin, body: { paymentTermsDays: was } });
    }
    expect((await mine()).map((r) => [r.old_value, r.new_value])).toEqual([
      [was, other],
      [other, was],
    ]);
  });

  it('cannot be written past their limits even directly in SQL, and the audit refuses edits', async () => {
    const m = await createMarketplace(h.db);
    await expect(
      h
        .db('marketplace_config')
        .where({ key: 'holdback_bps' })
        .update({ value: JSON.stringify(10_001) }),
    ).rejects.toThrow(/marketplace_config_terms_valid/);
    await expect(
      h
        .db('marketplace_config')
        .where({ key: 'refund_policy' })
        .update({ value: JSON.stringify('some') }),
    ).rejects.toThrow(/marketplace_config_terms_valid/);
    await expect(h.db('company_settings').insert({ company_id: m.companyId, platform_fee_bps: 5001 })).rejects.toThrow(
      /platform_fee_range/,
    );
    await patch(m, { guaranteeDays: 45 });
    await expect(h.db('terms_changes').where({ company_id: m.companyId }).update({ reason: 'rewritten' })).rejects.toThrow(/append-only/);
    await expect(h.db('terms_changes').where({ company_id: m.companyId }).delete()).rejects.toThrow(/append-only/);
  });
});

describe('running processes keep the terms they started with', () => {
  it('a proposal started before a change keeps its 72-hour deadline; one started after gets the new decision time', async () => {
    const m = await createMarketplace(h.db);
    expect((await patch(m, { proposalDecisionHours: 72 })).status).toBe(200);
    const propose = (candidateId: string) =>
      h.request('POST', '/api/v1/proposals', { actor: m.actors.recruiter, body: { candidateId, jobId: m.jobId, pitch: 'Strong fit' } });
    const first = await propose(m.candidateId);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const firstDeadline = first.body.decisionDeadline as string;
    expect(new Date(firstDeadline).getTime() - new Date(first.body.createdAt).getTime()).toBe(72 * HOUR);

    expect((await patch(m, { proposalDecisionHours: 24 })).status).toBe(200);
    const second = await propose(await createCandidate(h.db));
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(new Date(second.body.decisionDeadline).getTime() - new Date(second.body.createdAt).getTime()).toBe(24 * HOUR);

    // The first one's record and its running workflow still have the deadline it started with.
    const reread = await h.request('GET', `/api/v1/proposals/${first.body.id}`, { actor: m.actors.companyAdmin });
    expect(reread.body.decisionDeadline).toBe(firstDeadline);
    const view = await h.temporal.workflow.getHandle(first.body.workflowId).query(proposalStateQuery);
    expect(view.decisionDeadline).toBe(firstDeadline);
    const secondView = await h.temporal.workflow.getHandle(second.body.workflowId).query(proposalStateQuery);
    expect(secondView.decisionDeadline).toBe(second.body.decisionDeadline);
  });

  it('a protection claimed before a change keeps its window; a claim after it gets the new one', async () => {
    const m = await createMarketplace(h.db);
    expect((await patch(m, { protectionWindowDays: 30 })).status).toBe(200);
    const claim = (candidateId: string) =>
      h.request('POST', `/api/v1/candidates/${candidateId}/source`, { actor: m.actors.recruiter, body: { jobId: m.jobId } });
    const windowDays = (s: { claimedAt: string; protectionEndsAt: string }) =>
      (new Date(s.protectionEndsAt).getTime() - new Date(s.claimedAt).getTime()) / DAY;
    const first = await claim(m.candidateId);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(windowDays(first.body)).toBe(30);

    expect((await patch(m, { protectionWindowDays: 10 })).status).toBe(200);
    const second = await claim(await createCandidate(h.db));
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(windowDays(second.body)).toBe(10);
    const reread = await h.request('GET', `/api/v1/candidates/${m.candidateId}/sourcing`, { actor: m.actors.recruiter });
    expect(reread.body.protectionEndsAt).toBe(first.body.protectionEndsAt);
  });

  it('a placement recorded before a change keeps its guarantee days and holdback, through activation; one recorded after gets the new ones', async () => {
    const m = await createMarketplace(h.db);
    await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
    expect((await patch(m, { guaranteeDays: 90, holdbackBps: 2000 })).status).toBe(200);
    const hire = (candidateId: string) =>
      h.request('POST', '/api/v1/placements', {
        actor: m.actors.companyAdmin,
        body: placementBody(m, { candidateId, feeCents: 1_000_000 }),
      });
    const first = await hire(m.candidateId);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ guaranteeDays: 90, holdbackBps: 2000 });

    expect((await patch(m, { guaranteeDays: 30, holdbackBps: 1000 })).status).toBe(200);
    const second = await hire(await createCandidate(h.db));
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body).toMatchObject({ guaranteeDays: 30, holdbackBps: 1000 });

    // Activated after the change, the first placement's guarantee runs its own 90 days and its escrow holds 20 %.
    const before = Date.now();
    const activated = await h.request('POST', `/api/v1/placements/${first.body.id}/activate`, { actor: m.actors.companyAdmin, body: {} });
    expect(activated.status, JSON.stringify(activated.body)).toBe(200);
    const ends = new Date(activated.body.guaranteeEndsAt).getTime();
    expect(ends - before).toBeGreaterThanOrEqual(90 * DAY - 5_000);
    expect(ends - before).toBeLessThan(90 * DAY + 60_000);
    expect(activated.body).toMatchObject({ guaranteeDays: 90, holdbackBps: 2000 });
    const escrow = await h.db('escrow_holds').whereIn('placement_id', [first.body.id, second.body.id]);
    expect(Object.fromEntries(escrow.map((e) => [e.placement_id, Number(e.amount_cents)]))).toEqual({
      [first.body.id]: 200_000,
      [second.body.id]: 100_000,
    });
  });
});
