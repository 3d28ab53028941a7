import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { JOB_LIMITS } from '../../domain/jobs.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

type Actor = Marketplace['actors']['recruiter'];
const percent = { type: 'percentage', percentBps: 2000 } as const;
const jobBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'Staff Engineer',
  description: 'Build the payments platform',
  location: 'Berlin',
  remote: 'hybrid',
  salary: { minCents: 8_000_000, maxCents: 11_000_000, currency: 'EUR' },
  fee: percent,
  ...overrides,
});
const post = (m: Marketplace, body: unknown, actor: Actor = m.actors.companyAdmin, headers?: Record<string, string>) =>
  h.request('POST', '/api/v1/jobs', { actor, body, headers });
const create = async (m: Marketplace, overrides: Record<string, unknown> = {}) => {
  const res = await post(m, jobBody(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string };
};
const command = (m: Marketplace, id: string, cmd: 'open' | 'pause' | 'close', actor: Actor = m.actors.companyAdmin) =>
  h.request('POST', `/api/v1/jobs/${id}/${cmd}`, { actor, body: {} });
const patch = (m: Marketplace, id: string, body: unknown, actor: Actor = m.actors.companyAdmin) =>
  h.request('PATCH', `/api/v1/jobs/${id}`, { actor, body });
const list = async (actor: Actor, query: string) => {
  const res = await h.request('GET', `/api/v1/jobs?${query}`, { actor });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: { id: string; rank?: number; status: string }[]; nextCursor: string | null };
};
const counts = async (m: Marketplace) => ({
  jobs: Number((await h.db('jobs').where({ company_id: m.companyId }).count({ n: '*' }))[0]!.n),
  changes: Number(
    (await h.db('job_changes').join('jobs', 'jobs.id', 'job_changes.job_id').where('jobs.company_id', m.companyId).count({ n: '*' }))[0]!.n,
  ),
});
/** A word no other test's jobs contain, for searches in the shared database. */
const word = () =>
  `quokka${randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 10)}`;

describe('posting and editing jobs', () => {
  it('lets a company admin post a job with its terms; others are refused before the body is judged', async () => {
    const m = await createMarketplace(h.db);
    const res = await post(m, jobBody());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      companyId: m.companyId,
      companyName: expect.stringContaining('Acme'),
      title: 'Staff Engineer',
      status: 'open',
      remote: 'hybrid',
      location: 'Berlin',
      salary: { minCents: 8_000_000, maxCents: 11_000_000, currency: 'EUR' },
      fee: percent,
      sharedWithMarketplace: true,
      atsSynced: false,
    });
    for (const actor of [m.actors.recruiter, m.actors.hiringManager, m.actors.platformAdmin]) {
      expect((await post(m, jobBody(), actor)).status).toBe(403);
      expect((await post(m, { title: '' }, actor)).status).toBe(403);
      expect((await patch(m, res.body.id, { title: 'x' }, actor)).status).toBe(403);
      expect((await command(m, res.body.id, 'pause', actor)).status).toBe(403);
    }
    expect((await h.request('GET', `/api/v1/jobs/${res.body.id}/changes`, { actor: m.actors.recruiter })).status).toBe(403);
  });

  it("answers 404 for another company's job and for unknown ids, changing nothing", async () => {
    const m = await createMarketplace(h.db);
    const job = await create(m, { sharedWithMarketplace: false });
    const foreign = m.actors.foreignAdmin;
    expect((await h.request('GET', `/api/v1/jobs/${job.id}`, { actor: foreign })).status).toBe(404);
    expect((await patch(m, job.id, { title: 'Mine now' }, foreign)).status).toBe(404);
    expect((await command(m, job.id, 'close', foreign)).status).toBe(404);
    expect((await h.request('GET', `/api/v1/jobs/${job.id}/changes`, { actor: foreign })).status).toBe(404);
    expect((await patch(m, randomUUID(), { title: 'Nobody' })).status).toBe(404);
    // Not shared: recruiters neither see it nor may propose for it.
    expect((await h.request('GET', `/api/v1/jobs/${job.id}`, { actor: m.actors.recruiter })).status).toBe(404);
    const proposal = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: job.id, pitch: 'A match' },
    });
    expect(proposal.status).toBe(404);
    expect(await h.db('jobs').where({ id: job.id }).first()).toMatchObject({ title: 'Staff Engineer', status: 'open' });
  });

  it('refuses bad input with 400 naming the field, writing nothing', async () => {
    const m = await createMarketplace(h.db);
    const before = await counts(m);
    const bad: [Record<string, unknown>, string][] = [
      [{ salary: { minCents: 9_000_000, maxCents: 8_000_000, currency: 'EUR' } }, 'salary.maxCents'],
      [{ fee: { type: 'percentage', percentBps: 2000, amountCents: 500_000, currency: 'USD' } }, 'fee'],
      [{ fee: { type: 'fixed', amountCents: 500_000 } }, 'fee.currency'],
      [{ fee: { type: 'percentage', percentBps: JOB_LIMITS.feeBps.max + 1 } }, 'fee.percentBps'],
      [{ fee: undefined }, 'fee'],
      [{ title: 'x'.repeat(JOB_LIMITS.title + 1) }, 'title'],
      [{ description: 'x'.repeat(JOB_LIMITS.description + 1) }, 'description'],
      [{ remote: 'moon' }, 'remote'],
      [{ salary: { minCents: -1, maxCents: 10, currency: 'EUR' } }, 'salary.minCents'],
      [{ salary: { minCents: 1, maxCents: 10, currency: 'XXX' } }, 'salary.currency'],
    ];
    for (const [overrides, path] of bad) {
      const res = await post(m, jobBody(overrides));
      expect(res.status, path).toBe(400);
      expect(
        (res.body.error.details as { path: string[] }[]).map((d) => d.path.join('.')),
        path,
      ).toContain(path);
    }
    const job = await create(m);
    const after = await counts(m);
    expect(after).toEqual({ jobs: before.jobs + 1, changes: before.changes + 1 });
    expect((await patch(m, job.id, {})).status).toBe(400);
    expect((await patch(m, job.id, { salary: { minCents: 2, maxCents: 1, currency: 'EUR' } })).status).toBe(400);
    expect((await patch(m, job.id, { fee: { type: 'fixed', amountCents: 0, currency: 'USD' } })).status).toBe(400);
    expect((await patch(m, job.id, { status: 'closed' })).status).toBe(400);
    expect(await counts(m)).toEqual(after);
  });

  it('switches fee terms between the two forms, audits every change with old and new values, and replays a create by Idempotency-Key', async () => {
    const m = await createMarketplace(h.db);
    const key = { 'Idempotency-Key': `job-${randomUUID()}` };
    const first = await post(m, jobBody(), m.actors.companyAdmin, key);
    const again = await post(m, jobBody(), m.actors.companyAdmin, key);
    expect(again.body.id).toBe(first.body.id);
    expect(await h.db('jobs').where({ company_id: m.companyId, title: 'Staff Engineer' })).toHaveLength(1);
    const id = first.body.id as string;

    const fixed = { type: 'fixed', amountCents: 1_500_000, currency: 'USD' };
    const edited = await patch(m, id, { fee: fixed, location: null, title: 'Principal Engineer' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ fee: fixed, location: null, title: 'Principal Engineer' });
    expect(await h.db('jobs').where({ id }).first()).toMatchObject({
      fee_percent_bps: null,
      fee_fixed_cents: 1_500_000,
      fee_currency: 'USD',
      location: null,
    });
    // The same values again change nothing and write no audit row.
    expect((await patch(m, id, { fee: fixed })).status).toBe(200);
    await command(m, id, 'pause');

    const changes = await h.request('GET', `/api/v1/jobs/${id}/changes`, { actor: m.actors.hiringManager });
    expect(changes.status).toBe(200);
    expect(changes.body.data.map((c: { change: string }) => c.change)).toEqual(['paused', 'edited', 'created']);
    const [paused, edit, created] = changes.body.data;
    expect(paused).toMatchObject({
      changes: { status: ['open', 'paused'] },
      actorName: 'Admin',
      actorRole: 'company_admin',
      actorUserId: m.actors.companyAdmin.userId,
    });
    expect(edit.changes).toEqual({ title: ['Staff Engineer', 'Principal Engineer'], location: ['Berlin', null], fee: [percent, fixed] });
    expect(created.changes).toMatchObject({ title: [null, 'Staff Engineer'], fee: [null, percent] });
    await expect(h.db('job_changes').where({ job_id: id }).update({ change: 'closed' })).rejects.toThrow(/append-only/);
  });
});

describe('job status', () => {
  it('opens, pauses and closes; a closed job is final; a paused job takes no proposals and leaves the marketplace', async () => {
    const m = await createMarketplace(h.db);
    const kw = word();
    const job = await create(m, { title: `Data Engineer ${kw}` });
    const proposeFor = () =>
      h.request('POST', '/api/v1/proposals', {
        actor: m.actors.recruiter,
        body: { candidateId: m.candidateId, jobId: job.id, pitch: 'A match' },
      });
    const browse = async () => (await list(m.actors.recruiter, `q=${kw}`)).data.map((j) => j.id);

    expect((await command(m, job.id, 'open')).status).toBe(409);
    const paused = await command(m, job.id, 'pause');
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect((await command(m, job.id, 'pause')).body.error.message).toBe('the job is already paused');
    const refused = await proposeFor();
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('job_not_open');
    expect(await browse()).toEqual([]);
    // The company still sees it, in every status; a recruiter may still open the shared job's page.
    expect((await list(m.actors.hiringManager, 'status=paused')).data.map((j) => j.id)).toEqual([job.id]);
    expect((await h.request('GET', `/api/v1/jobs/${job.id}`, { actor: m.actors.recruiter })).body.status).toBe('paused');

    expect((await command(m, job.id, 'open')).body.status).toBe('open');
    expect(await browse()).toEqual([job.id]);
    expect((await command(m, job.id, 'close')).body.status).toBe('closed');
    for (const cmd of ['open', 'pause', 'close'] as const) expect((await command(m, job.id, cmd)).status).toBe(409);
    expect((await patch(m, job.id, { title: 'Reborn' })).status).toBe(409);
    expect((await h.db('job_changes').where({ job_id: job.id }).orderBy('id')).map((c) => c.change)).toEqual([
      'created',
      'paused',
      'opened',
      'closed',
    ]);
  });

  it('keeps an ATS-synced job read-only except its marketplace settings', async () => {
    const m = await createMarketplace(h.db);
    const integrationId = randomUUID();
    await h.db('integrations').insert({
      id: integrationId,
      company_id: m.companyId,
      platform: 'lever',
      name: 'Lever',
      credentials_sealed: 'x',
      credentials_key_id: 'k1',
      webhook_secret_sealed: 'x',
      workflow_id: `ats-sync-${integrationId}`,
      created_at: new Date(),
      updated_at: new Date(),
    });
    const [{ id }] = (await h
      .db('jobs')
      .insert({ company_id: m.companyId, title: 'Synced role', source_integration_id: integrationId })
      .returning('id')) as [{ id: string }];
    const refused = await patch(m, id, { title: 'Renamed', fee: percent });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', details: { fields: ['title'] } });
    expect(refused.body.error.message).toContain("synced from the company's ATS");
    expect((await command(m, id, 'pause')).status).toBe(409);
    const settings = await patch(m, id, { fee: percent, sharedWithMarketplace: false });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({
      title: 'Synced role',
      atsSynced: true,
      fee: percent,
      sharedWithMarketplace: false,
      status: 'open',
    });
    expect((await h.db('job_changes').where({ job_id: id })).map((c) => c.changes)).toEqual([
      { fee: [null, percent], sharedWithMarketplace: [true, false] },
    ]);
  });
});

describe('browsing and searching jobs', () => {
  it('ranks by title, then location, then description, and pages through ties by (rank, id) without gaps or repeats', async () => {
    const m = await createMarketplace(h.db);
    const kw = word();
    const inTitle = await create(m, { title: `Engineer ${kw}`, description: 'Plain' });
    const inDescription = await create(m, { title: 'Engineer', description: `Works with ${kw} daily` });
    const inLocation = await create(m, { title: 'Engineer', location: `${kw} City`, description: 'Plain' });
    expect((await list(m.actors.recruiter, `q=${kw}`)).data.map((j) => j.id)).toEqual([inTitle.id, inLocation.id, inDescription.id]);

    const tie = word();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(m, { title: `Analyst ${tie}`, description: 'Same', location: 'Same' })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof list>> = await list(m.actors.recruiter, `q=${tie}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(new Set(res.data.map((j) => j.rank)).size).toBe(1);
      seen.push(...res.data.map((j) => j.id));
      cursor = res.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort().reverse());
    // A search cursor is not a list cursor, and the other way round.
    const plain = await list(m.actors.companyAdmin, 'limit=1');
    expect((await h.request('GET', `/api/v1/jobs?q=${tie}&cursor=${plain.nextCursor}`, { actor: m.actors.recruiter })).status).toBe(400);
  });

  it('filters by remote mode, location, salary and fee type; recruiters see open shared jobs of all companies, companies their own in every status', async () => {
    const m = await createMarketplace(h.db);
    const other = await createMarketplace(h.db);
    const kw = word();
    const remote = await create(m, {
      title: `Remote ${kw}`,
      remote: 'remote',
      location: 'Lisbon',
      salary: { minCents: 5_000_000, maxCents: 7_000_000, currency: 'EUR' },
    });
    const onsite = await create(other, {
      title: `Onsite ${kw}`,
      remote: 'on_site',
      location: 'New York',
      fee: { type: 'fixed', amountCents: 2_000_000, currency: 'USD' },
      salary: undefined,
    });
    const hidden = await create(m, { title: `Hidden ${kw}`, sharedWithMarketplace: false });
    const closed = await create(other, { title: `Closed ${kw}` });
    await command(other, closed.id, 'close');
    const found = async (actor: Actor, q: string) => (await list(actor, `q=${kw}&${q}`)).data.map((j) => j.id).sort();

    expect(await found(m.actors.recruiter, '')).toEqual([remote.id, onsite.id].sort());
    expect(await found(m.actors.recruiter, 'remote=remote')).toEqual([remote.id]);
    expect(await found(m.actors.recruiter, 'location=new%20york')).toEqual([onsite.id]);
    expect(await found(m.actors.recruiter, 'location=%25')).toEqual([]);
    expect(await found(m.actors.recruiter, 'salaryAtLeast=6500000')).toEqual([remote.id]);
    expect(await found(m.actors.recruiter, 'salaryAtLeast=7500000')).toEqual([]);
    expect(await found(m.actors.recruiter, 'feeType=fixed')).toEqual([onsite.id]);
    expect(await found(m.actors.recruiter, 'feeType=percentage&remote=remote')).toEqual([remote.id]);
    expect(await found(m.actors.companyAdmin, '')).toEqual([remote.id, hidden.id].sort());
    expect(await found(other.actors.hiringManager, 'status=closed')).toEqual([closed.id]);
    expect(await found(m.actors.platformAdmin, `companyId=${other.companyId}`)).toEqual([onsite.id, closed.id].sort());
    const seen = (await list(m.actors.recruiter, `q=${kw}&feeType=fixed`)).data[0];
    expect(seen).toMatchObject({
      fee: { type: 'fixed', amountCents: 2_000_000, currency: 'USD' },
      companyName: expect.stringContaining('Acme'),
    });
    for (const bad of ['remote=space', 'salaryAtLeast=-1', 'feeType=free', 'q=', 'cursor=nope', 'currency=usd']) {
      expect((await h.request('GET', `/api/v1/jobs?${bad}`, { actor: m.actors.recruiter })).status, bad).toBe(400);
    }
    // Newest first without a search, for every role.
    const newest = await list(m.actors.companyAdmin, 'limit=100');
    expect(newest.data.slice(0, 2).map((j) => j.id)).toEqual([hidden.id, remote.id]);
  });
});
