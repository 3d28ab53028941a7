import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../domain/actors.js';
import { createCandidate, createMarketplace, connectAccount, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const DAY = 86_400_000;
const ADMIN: Actor = { userId: randomUUID(), role: 'platform_admin' };
const calculate = (body: unknown, actor = ADMIN) => h.request('POST', '/api/v1/placements/calculate-splits', { actor, body });
const hire = (m: Marketplace, overrides: Record<string, unknown> = {}, opts: { actor?: Actor; headers?: Record<string, string> } = {}) =>
  h.request('POST', '/api/v1/placements', {
    actor: opts.actor ?? m.actors.companyAdmin,
    body: placementBody(m, overrides),
    headers: opts.headers,
  });
const command = (id: string, path: string, actor: Actor, body: unknown = {}) =>
  h.request('POST', `/api/v1/placements/${id}/${path}`, { actor, body });
const placementRows = (m: Marketplace) => h.db('placements').where({ job_id: m.jobId });
const roles = (...r: string[]) => r.map((role) => ({ role }));

describe('POST /api/v1/placements/calculate-splits', () => {
  it('splits by the default role weights 40/30/20/10 with the marketplace holdback of 20 %', async () => {
    const res = await calculate({ feeCents: 1_000_000, collaborators: roles('sourcer', 'submitter', 'closer', 'support') });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      feeCents: 1_000_000,
      holdbackBps: 2000,
      activationCents: 800_000,
      holdbackCents: 200_000,
      platformFeeBps: 0,
      platformFee: { activationCents: 0, holdbackCents: 0, totalCents: 0 },
      collaborators: [
        { role: 'sourcer', splitBps: 4000, splitPercent: '40', activationCents: 320_000, holdbackCents: 80_000 },
        { role: 'submitter', splitBps: 3000, splitPercent: '30', activationCents: 240_000, holdbackCents: 60_000 },
        { role: 'closer', splitBps: 2000, splitPercent: '20', activationCents: 160_000, holdbackCents: 40_000 },
        { role: 'support', splitBps: 1000, splitPercent: '10', activationCents: 80_000, holdbackCents: 20_000 },
      ],
    });
  });

  it('renormalises the weights over the roles present, every tranche summing exactly', async () => {
    const res = await calculate({ feeCents: 999_999, collaborators: roles('sourcer', 'closer') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ activationCents: 800_000, holdbackCents: 199_999 });
    expect(res.body.collaborators).toEqual([
      { role: 'sourcer', splitBps: 6667, splitPercent: '66.67', activationCents: 533_360, holdbackCents: 133_339 },
      { role: 'closer', splitBps: 3333, splitPercent: '33.33', activationCents: 266_640, holdbackCents: 66_660 },
    ]);
  });

  it('takes custom splits and a custom holdback as decimal text or numbers', async () => {
    const res = await calculate({
      feeCents: 100_000,
      holdbackPercent: '10',
      collaborators: [
        { role: 'sourcer', splitPercent: '33.33' },
        { role: 'closer', splitPercent: 33.33 },
        { role: 'support', splitPercent: '33.34' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ holdbackBps: 1000, activationCents: 90_000, holdbackCents: 10_000 });
    expect(res.body.collaborators.map((c: any) => [c.splitBps, c.activationCents, c.holdbackCents])).toEqual([
      [3333, 29_997, 3333],
      [3333, 29_997, 3333],
      [3334, 30_006, 3334],
    ]);
  });

  it("uses the company's own holdback when it has one", async () => {
    const m = await createMarketplace(h.db);
    await h.db('placement_guarantee_config').insert({ company_id: m.companyId, holdback_bps: 1500 });
    const res = await calculate({ feeCents: 10_000, collaborators: roles('closer') }, m.actors.hiringManager);
    expect(res.body).toMatchObject({ holdbackBps: 1500, activationCents: 8500, holdbackCents: 1500 });
  });

  it.each([
    [
      'a sum other than 100 %',
      [
        { role: 'sourcer', splitPercent: 50 },
        { role: 'closer', splitPercent: 40 },
      ],
      'must sum to exactly 100 %',
    ],
    [
      'a split under 5 %',
      [
        { role: 'sourcer', splitPercent: 97 },
        { role: 'closer', splitPercent: 3 },
      ],
      'at least 5 %',
    ],
    ['default splits under 5 % (one sourcer, nine support)', roles('sourcer', ...Array<string>(9).fill('support')), 'at least 5 %'],
  ])('refuses %s with 422 invalid_splits and the problems as details', async (_name, collaborators, message) => {
    const res = await calculate({ feeCents: 100_000, collaborators });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_splits');
    expect(res.body.error.details.map((d: { message: string }) => d.message).join('\n')).toContain(message);
  });

  it.each([
    ['11 collaborators', { collaborators: roles(...Array<string>(11).fill('support')) }, 'collaborators'],
    ['no collaborators', { collaborators: [] }, 'collaborators'],
    [
      'splits given for some collaborators only',
      { collaborators: [{ role: 'sourcer', splitPercent: 60 }, { role: 'closer' }] },
      'collaborators',
    ],
    ['a split with three decimals', { collaborators: [{ role: 'sourcer', splitPercent: '33.333' }] }, 'collaborators.0.splitPercent'],
    ['an unknown role', { collaborators: roles('manager') }, 'collaborators.0.role'],
    ['a fee with cents fractions', { feeCents: 1000.5 }, 'feeCents'],
    ['a negative fee', { feeCents: -100 }, 'feeCents'],
    ['a fee as a string', { feeCents: '1000' }, 'feeCents'],
    ['a fee beyond the safe integers', { feeCents: 2 ** 53 }, 'feeCents'],
    ['a holdback above 100 %', { holdbackPercent: 101 }, 'holdbackPercent'],
  ])('refuses %s with 400 and zod details', async (_name, overrides, path) => {
    const res = await calculate({ feeCents: 100_000, collaborators: roles('sourcer'), ...overrides });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.details.map((d: { path: (string | number)[] }) => d.path.join('.'))).toContain(path);
  });

  it('is for company and platform users only', async () => {
    const m = await createMarketplace(h.db);
    expect((await calculate({ feeCents: 100, collaborators: roles('sourcer') }, m.actors.recruiter)).status).toBe(403);
  });
});

describe('POST /api/v1/placements', () => {
  it('records the hire, holds 20 % in escrow and starts the workflow, findable by PlacementState', async () => {
    const m = await createMarketplace(h.db);
    const res = await hire(m);
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect(res.headers.get('location')).toBe(`/api/v1/placements/${id}`);
    expect(res.body).toMatchObject({
      companyId: m.companyId,
      jobId: m.jobId,
      candidateId: m.candidateId,
      feeCents: 2_500_000,
      currency: 'USD',
      state: 'hired',
      startDate: placementBody(m).startDate,
      guaranteeDays: 90,
      guaranteeEndsAt: null,
      holdbackBps: 2000,
      splitsLockedAt: null,
      workflowId: `placement-${id}`,
      history: [{ oldState: null, newState: 'hired', actorUserId: m.actors.companyAdmin.userId, actorRole: 'company_admin' }],
      escrow: { amountCents: 500_000, currency: 'USD', status: 'held', settledAt: null },
      payouts: [],
    });
    // Two of the four roles: 40/30 renormalised.
    expect(res.body.collaborators.map((c: any) => [c.recruiterId, c.role, c.splitBps])).toEqual([
      [m.recruiterId, 'sourcer', 5714],
      [m.otherRecruiterId, 'submitter', 4286],
    ]);

    expect(await placementRows(m)).toHaveLength(1);
    expect(await h.db('placement_collaborators').where({ placement_id: id })).toHaveLength(2);
    expect(await h.db('escrow_holds').where({ placement_id: id, status: 'held', amount_cents: 500_000 })).toHaveLength(1);
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.temporal.workflow.list({ query: `PlacementState = "hired" AND CompanyId = "${m.companyId}"` }))
        ids.push(wf.workflowId);
      return ids.length === 1 ? ids : undefined;
    });
    expect(found).toEqual([`placement-${id}`]);
    const { status } = await h.temporal.workflow.getHandle(`placement-${id}`).describe();
    expect(status.name).toBe('RUNNING');
  });

  it('stores custom splits as basis points', async () => {
    const m = await createMarketplace(h.db);
    const res = await hire(m, {
      collaborators: [
        { recruiterId: m.recruiterId, role: 'sourcer', splitPercent: '62.5' },
        { recruiterId: m.otherRecruiterId, role: 'closer', splitPercent: 37.5 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.collaborators.map((c: any) => c.splitBps)).toEqual([6250, 3750]);
  });

  it('refuses other roles and other companies with 403, writing nothing', async () => {
    const m = await createMarketplace(h.db);
    for (const actor of [m.actors.recruiter, m.actors.hiringManager, m.actors.foreignAdmin]) {
      const res = await hire(m, {}, { actor });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect(await placementRows(m)).toHaveLength(0);
    expect((await hire(m, {}, { actor: m.actors.platformAdmin })).status).toBe(201);
  });

  it.each([
    ['an unknown job', () => ({ jobId: randomUUID() }), 404],
    ['an unknown candidate', () => ({ candidateId: randomUUID() }), 404],
    ['an unknown recruiter', () => ({ collaborators: [{ recruiterId: randomUUID(), role: 'closer' }] }), 404],
    [
      'splits not summing to 100 %',
      (m: Marketplace) => ({ collaborators: [{ recruiterId: m.recruiterId, role: 'sourcer', splitPercent: 50 }] }),
      422,
    ],
    [
      'a recruiter twice in one role',
      (m: Marketplace) => ({
        collaborators: [
          { recruiterId: m.recruiterId, role: 'sourcer' },
          { recruiterId: m.recruiterId, role: 'sourcer' },
        ],
      }),
      422,
    ],
    [
      'one recruiter twice in two roles (sourcer 50 + closer 50)',
      (m: Marketplace) => ({
        collaborators: [
          { recruiterId: m.recruiterId, role: 'sourcer', splitPercent: 50 },
          { recruiterId: m.recruiterId, role: 'closer', splitPercent: 50 },
        ],
      }),
      422,
    ],
    ['a lower-case currency', () => ({ currency: 'usd' }), 400],
    ['three letters that are no currency (XXQ)', () => ({ currency: 'XXQ' }), 400],
    ['a retired currency (VEF)', () => ({ currency: 'VEF' }), 400],
    ['a three-decimal currency Stripe needs rounded to tens (KWD)', () => ({ currency: 'KWD' }), 400],
    ['an impossible start date', () => ({ startDate: '2025-02-30' }), 400],
    ['a fractional fee', () => ({ feeCents: 10.5 }), 400],
  ])('refuses %s, writing and starting nothing', async (_name, overrides, status) => {
    const m = await createMarketplace(h.db);
    const res = await hire(m, overrides(m));
    expect(res.status).toBe(status);
    expect(await placementRows(m)).toHaveLength(0);
  });

  it('takes any currency of the one Stripe list, e.g. EUR and JPY', async () => {
    const m = await createMarketplace(h.db);
    expect((await hire(m, { currency: 'EUR' })).status).toBe(201);
    expect((await hire(m, { currency: 'JPY', candidateId: await createCandidate(h.db) })).status).toBe(201);
  });

  it('refuses a second live placement of the same candidate for the same job with 409, without an Idempotency-Key', async () => {
    const m = await createMarketplace(h.db);
    const first = await hire(m);
    expect(first.status).toBe(201);
    const second = await hire(m);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'conflict', details: { placementId: first.body.id } });
    expect(await placementRows(m)).toHaveLength(1);
  });

  it('backs the rule with a unique index: a racing insert of a second live placement fails in Postgres', async () => {
    const m = await createMarketplace(h.db);
    const first = await hire(m);
    const row = await h.db('placements').where({ id: first.body.id }).first();
    const copy = { ...row, id: randomUUID(), workflow_id: `placement-${randomUUID()}` };
    await expect(h.db('placements').insert(copy)).rejects.toMatchObject({
      code: '23505',
      constraint: 'placements_one_live_per_candidate_job',
    });
    // A failed (refunded) placement frees the pair.
    await expect(h.db('placements').insert({ ...copy, state: 'failed' })).resolves.toBeDefined();
  });

  it('answers a retry with the same Idempotency-Key with the first placement', async () => {
    const m = await createMarketplace(h.db);
    const key = randomUUID();
    const first = await hire(m, {}, { headers: { 'Idempotency-Key': key } });
    const again = await hire(m, {}, { headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await placementRows(m)).toHaveLength(1);
  });
});

describe('GET /api/v1/placements', () => {
  it('shows each party only the placements it is part of, newest first, page by page', async () => {
    const m = await createMarketplace(h.db);
    const solo = { collaborators: [{ recruiterId: m.recruiterId, role: 'closer' }] };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await hire(m, { ...solo, candidateId: await createCandidate(h.db) })).body.id);

    const page1 = await h.request('GET', '/api/v1/placements?limit=2', { actor: m.actors.companyAdmin });
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    const page2 = await h.request('GET', `/api/v1/placements?limit=2&cursor=${page1.body.nextCursor}`, { actor: m.actors.companyAdmin });
    expect(page2.body.data.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    const collaborator = await h.request('GET', '/api/v1/placements', { actor: m.actors.recruiter });
    expect(collaborator.body.data.map((p: { id: string }) => p.id)).toEqual(ids.slice().reverse());
    expect((await h.request('GET', '/api/v1/placements', { actor: m.actors.otherRecruiter })).body.data).toEqual([]);
    expect((await h.request('GET', '/api/v1/placements', { actor: m.actors.foreignAdmin })).body.data).toEqual([]);
    expect((await h.request('GET', '/api/v1/placements?state=active', { actor: m.actors.companyAdmin })).body.data).toEqual([]);
    expect(
      (await h.request('GET', '/api/v1/placements?state=hired&state=active', { actor: m.actors.hiringManager })).body.data,
    ).toHaveLength(3);
    expect((await h.request('GET', '/api/v1/placements?state=paid', { actor: m.actors.companyAdmin })).status).toBe(400);
  });

  it('lists each placement with its job, candidate and escrow status, filterable by escrow status', async () => {
    const m = await createMarketplace(h.db);
    const { body: created } = await hire(m, { collaborators: [{ recruiterId: m.recruiterId, role: 'closer' }] });
    const listed = (query: string) => h.request('GET', `/api/v1/placements?${query}`, { actor: m.actors.companyAdmin });
    const { body: held } = await listed('escrowStatus=held');
    const job = await h.db('jobs').where({ id: m.jobId }).first();
    const candidate = await h.db('candidates').where({ id: m.candidateId }).first();
    expect(held.data).toEqual([
      expect.objectContaining({ id: created.id, jobTitle: job!.title, candidateName: candidate!.full_name, escrowStatus: 'held' }),
    ]);
    expect((await listed('escrowStatus=released')).body.data).toEqual([]);
    expect((await listed('escrowStatus=lost')).status).toBe(400);
    expect(created).toMatchObject({
      jobTitle: job!.title,
      candidateName: candidate!.full_name,
      escrowStatus: 'held',
      failurePending: false,
    });
  });

  it('answers 404 for a placement the caller is not part of', async () => {
    const m = await createMarketplace(h.db);
    const { body: created } = await hire(m, { collaborators: [{ recruiterId: m.recruiterId, role: 'closer' }] });
    for (const actor of [m.actors.recruiter, m.actors.hiringManager, m.actors.platformAdmin]) {
      expect((await h.request('GET', `/api/v1/placements/${created.id}`, { actor })).status).toBe(200);
    }
    for (const actor of [m.actors.otherRecruiter, m.actors.foreignAdmin]) {
      expect((await h.request('GET', `/api/v1/placements/${created.id}`, { actor })).status).toBe(404);
    }
    expect((await command(created.id, 'activate', m.actors.foreignAdmin)).status).toBe(404);
    expect((await h.request('GET', `/api/v1/placements/${randomUUID()}`, { actor: m.actors.platformAdmin })).status).toBe(404);
  });
});

describe('placement commands', () => {
  /** A placement whose two collaborators have working Stripe accounts, so payouts settle. */
  async function paidPlacement() {
    const m = await createMarketplace(h.db);
    await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
    const { body } = await hire(m);
    return { m, id: body.id as string };
  }

  it('activates early for the company admin only; collaborators are then locked', async () => {
    const { m, id } = await paidPlacement();
    expect((await command(id, 'activate', m.actors.hiringManager)).status).toBe(403);
    expect((await command(id, 'activate', m.actors.recruiter)).status).toBe(403);

    const before = Date.now();
    const activated = await command(id, 'activate', m.actors.companyAdmin);
    expect(activated.status).toBe(200);
    expect(activated.body.state).toBe('active');
    expect(activated.body.history.map((x: { newState: string }) => x.newState)).toEqual(['hired', 'active']);
    const ends = new Date(activated.body.guaranteeEndsAt).getTime();
    expect(ends - before).toBeGreaterThanOrEqual(90 * DAY - 5_000);
    expect(ends - before).toBeLessThan(90 * DAY + 60_000);
    expect((await command(id, 'activate', m.actors.companyAdmin)).status).toBe(409);

    // The activation tranche (80 %) is paid to both collaborators.
    const paid = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/placements/${id}`, { actor: m.actors.companyAdmin });
      return body.payouts[0]?.status === 'paid' ? body : undefined;
    });
    expect(paid.splitsLockedAt).toEqual(expect.any(String));
    expect(paid.payouts[0]).toMatchObject({ tranche: 'activation', amountCents: 2_000_000 });
    expect(paid.payouts[0].splits.map((s: any) => s.amountCents)).toEqual([1_142_800, 857_200]);

    const edit = await h.request('PUT', `/api/v1/placements/${id}/collaborators`, {
      actor: m.actors.companyAdmin,
      body: { collaborators: [{ recruiterId: m.recruiterId, role: 'closer' }] },
    });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('splits_locked');
  });

  it('replaces the collaborators while the placement is hired', async () => {
    const m = await createMarketplace(h.db);
    const { body: created } = await hire(m);
    const collaborators = [
      { recruiterId: m.otherRecruiterId, role: 'closer', splitPercent: '75' },
      { recruiterId: m.recruiterId, role: 'support', splitPercent: '25' },
    ];
    const path = `/api/v1/placements/${created.id}/collaborators`;
    expect((await h.request('PUT', path, { actor: m.actors.hiringManager, body: { collaborators } })).status).toBe(403);
    expect(
      (await h.request('PUT', path, { actor: m.actors.companyAdmin, body: { collaborators: [{ ...collaborators[0], splitPercent: 75 }] } }))
        .status,
    ).toBe(422);
    const res = await h.request('PUT', path, { actor: m.actors.companyAdmin, body: { collaborators } });
    expect(res.status).toBe(200);
    expect(res.body.collaborators.map((c: any) => [c.recruiterId, c.role, c.splitBps])).toEqual([
      [m.otherRecruiterId, 'closer', 7500],
      [m.recruiterId, 'support', 2500],
    ]);
  });

  it('lets a platform admin extend the guarantee, and the company report a failure and choose a replacement', async () => {
    const { m, id } = await paidPlacement();
    const { body: active } = await command(id, 'activate', m.actors.companyAdmin);
    expect((await command(id, 'extend-guarantee', m.actors.companyAdmin, { days: 30, reason: 'late start' })).status).toBe(403);
    expect((await command(id, 'extend-guarantee', m.actors.platformAdmin, { days: 366, reason: 'too long' })).status).toBe(400);
    const extended = await command(id, 'extend-guarantee', m.actors.platformAdmin, { days: 30, reason: 'late start' });
    expect(extended.status).toBe(200);
    expect(new Date(extended.body.guaranteeEndsAt).getTime() - new Date(active.guaranteeEndsAt).getTime()).toBe(30 * DAY);

    expect((await command(id, 'replacement', m.actors.companyAdmin, { candidateId: await createCandidate(h.db) })).status).toBe(409);
    expect((await command(id, 'report-failure', m.actors.companyAdmin, {})).status).toBe(400);
    const reported = await command(id, 'report-failure', m.actors.companyAdmin, { reason: 'left after two weeks' });
    expect(reported.status).toBe(200);
    expect(reported.body.failurePending).toBe(true);
    expect((await command(id, 'replacement', m.actors.companyAdmin, { candidateId: randomUUID() })).status).toBe(404);
    const replacement = await createCandidate(h.db);
    const replaced = await command(id, 'replacement', m.actors.companyAdmin, { candidateId: replacement });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ state: 'active', candidateId: replacement, escrow: { status: 'held' }, failurePending: false });
    expect(new Date(replaced.body.guaranteeEndsAt).getTime()).toBeGreaterThan(Date.now() + 89 * DAY);
  });

  it('refunds the escrow after a reported failure', async () => {
    const { m, id } = await paidPlacement();
    await command(id, 'activate', m.actors.companyAdmin);
    expect((await command(id, 'refund', m.actors.companyAdmin)).status).toBe(409);
    await command(id, 'report-failure', m.actors.companyAdmin, { reason: 'left in week one' });
    const refunded = await command(id, 'refund', m.actors.companyAdmin, { reason: 'no replacement wanted' });
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ state: 'failed', escrow: { status: 'refunded', reason: 'no replacement wanted' } });
    expect((await command(id, 'release-early', m.actors.platformAdmin, { reason: 'too late' })).status).toBe(409);
  });

  it('lets only a platform admin release the escrow early, with a reason', async () => {
    const { m, id } = await paidPlacement();
    await command(id, 'activate', m.actors.companyAdmin);
    expect((await command(id, 'release-early', m.actors.companyAdmin, { reason: 'great hire' })).status).toBe(403);
    expect((await command(id, 'release-early', m.actors.platformAdmin, {})).status).toBe(400);
    const released = await command(id, 'release-early', m.actors.platformAdmin, { reason: 'great hire' });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ state: 'completed', escrow: { status: 'released', reason: 'great hire' } });
    expect(released.body.history.at(-1)).toMatchObject({ newState: 'completed', reason: 'great hire' });
  });
});

describe('OpenAPI', () => {
  it('documents the placement and payout routes from their schemas', async () => {
    const { body } = await h.request('GET', '/api/v1/openapi.json');
    const create = body.paths['/api/v1/placements'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual([
      'jobId',
      'candidateId',
      'feeCents',
      'currency',
      'startDate',
      'collaborators',
    ]);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '403', '404', '422']));
    expect(body.paths['/api/v1/placements/{id}/collaborators'].put).toBeDefined();
    expect(body.paths['/api/v1/payouts/{id}/splits/{splitId}/cancel'].post.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'splitId',
    ]);
  });
});
