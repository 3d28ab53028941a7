import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGreenhouseConnector } from '../../../activities/ats/greenhouse.js';
import { AtsAuthError, AtsRateLimitError, AtsRequestError, type AtsConnector } from '../../../activities/ats/types.js';
import { startGreenhouseFake } from '../../../testkit/fakes/ats/greenhouse.js';
import type { FakeAts } from '../../../testkit/fakes/ats/types.js';

let ats: FakeAts;
let connector: AtsConnector;
beforeAll(async () => {
  ats = await startGreenhouseFake();
  connector = createGreenhouseConnector(ats.config);
  ats.seedBulk({ jobs: 5, candidates: 120, applicationsPerCandidate: 2 });
});
afterAll(() => ats?.close());

async function all<T extends { externalId: string }>(page: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const p = await page(cursor);
    items.push(...p.items);
    cursor = p.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

describe('Greenhouse Harvest v3 connector (as the published docs leave it open)', () => {
  it("names stages from stage_name, or through the job's stages when an application gives only stage_id, and maps v3 statuses", async () => {
    for (const stageForm of ['named', 'id_only'] as const) {
      const fake = await startGreenhouseFake({ stageForm });
      try {
        const job = fake.addJob({ title: 'Engineer' });
        const apps = ['Ada', 'Bob'].map((n) =>
          fake.addApplication({ candidateExternalId: fake.addCandidate({ fullName: `${n} X` }), jobExternalId: job }),
        );
        fake.moveApplication(apps[1]!, 'Onsite');
        const page = await createGreenhouseConnector(fake.config).listApplications({ checkpoint: null, cursor: null, pageSize: 10 });
        expect(page.items.map((a) => [a.stage, a.status])).toEqual([
          ['Application Review', 'active'],
          ['Onsite', 'active'],
        ]);
        expect(fake.requests().filter((r) => r.path === '/v3/job_stages')).toHaveLength(stageForm === 'id_only' ? 1 : 0);
      } finally {
        await fake.close();
      }
    }
  });

  it('reuses one token until shortly before it expires, whether the response says expires_at or expires_in', async () => {
    for (const tokenForm of ['expires_at', 'expires_in'] as const) {
      const fake = await startGreenhouseFake({ tokenForm });
      try {
        const gh = createGreenhouseConnector(fake.config);
        for (let i = 0; i < 10; i++) await gh.testConnection();
        expect(fake.requests().filter((r) => r.path === '/token')).toHaveLength(1);
      } finally {
        await fake.close();
      }
    }
  });
});

describe('Greenhouse Harvest v3 connector', () => {
  it('lists every record exactly once across pages, sending only the cursor after the first page', async () => {
    const before = ats.requests().length;
    const { items, pages } = await all((cursor) => connector.listApplications({ checkpoint: null, cursor, pageSize: 50 }));
    expect(items).toHaveLength(240);
    expect(new Set(items.map((a) => a.externalId)).size).toBe(240);
    expect(pages).toBe(5);
    const lists = ats
      .requests()
      .slice(before)
      .filter((r) => r.path === '/v3/applications');
    expect(lists[0]!.query).toEqual({ per_page: '50' });
    expect(lists.slice(1).every((r) => Object.keys(r.query).join() === 'cursor')).toBe(true);
  });

  it('lists only what changed since a checkpoint (updated_at=gte|…)', async () => {
    const checkpoint = new Date(Date.now() + 1).toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const { items: apps } = await all((cursor) => connector.listApplications({ checkpoint: null, cursor, pageSize: 500 }));
    ats.moveApplication(apps[7]!.externalId, 'Onsite', 'a recruiter');
    const { items } = await all((cursor) => connector.listApplications({ checkpoint, cursor, pageSize: 100 }));
    expect(items.map((a) => [a.externalId, a.stage])).toEqual([[apps[7]!.externalId, 'Onsite']]);
    expect(
      ats
        .requests()
        .filter((r) => r.query.updated_at)
        .at(-1)!.query.updated_at,
    ).toBe(`gte|${checkpoint}`);
  });

  it('maps jobs and candidates to the canonical shapes', async () => {
    const jobs = await connector.listJobs({ checkpoint: null, cursor: null, pageSize: 10 });
    expect(jobs.items[0]).toMatchObject({ title: 'Bulk job 0', status: 'open', deleted: false });
    const candidates = await connector.listCandidates({ checkpoint: null, cursor: null, pageSize: 1 });
    expect(candidates.items[0]).toMatchObject({ fullName: 'Bulk0 Candidate', email: 'bulk0@example.com' });
    expect(candidates.nextCursor).not.toBeNull();
  });

  it('refuses bad credentials as an auth error, and renews a token the platform stopped accepting', async () => {
    const wrong = createGreenhouseConnector({ ...ats.config, credentials: { ...ats.config.credentials, clientSecret: 'nope' } });
    await expect(wrong.testConnection()).rejects.toBeInstanceOf(AtsAuthError);
    const fresh = createGreenhouseConnector(ats.config);
    await fresh.testConnection();
    const tokens = () => ats.requests().filter((r) => r.path === '/token').length;
    const before = tokens();
    await fresh.testConnection(); // cached
    expect(tokens()).toBe(before);
    ats.injectFailure({ path: '/v3/jobs', status: 401, times: 1 });
    await fresh.testConnection(); // 401 → one renewal, then success
    expect(tokens()).toBe(before + 1);
  });

  it('reports throttling with the wait the platform asked for (or none when it said nothing)', async () => {
    ats.injectFailure({ path: '/v3/candidates', status: 429, headers: { 'Retry-After': '7' } });
    const err = await connector.listCandidates({ checkpoint: null, cursor: null, pageSize: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtsRateLimitError);
    expect((err as AtsRateLimitError).retryAfterMs).toBe(7000);
    ats.injectFailure({ path: '/v3/candidates', status: 429 });
    const bare = await connector.listCandidates({ checkpoint: null, cursor: null, pageSize: 10 }).catch((e: unknown) => e);
    expect((bare as AtsRateLimitError).retryAfterMs).toBeNull();
  });

  it('verifies webhook signatures (valid, forged, missing) and reads a stage change', async () => {
    const { items } = await all((cursor) => connector.listApplications({ checkpoint: null, cursor, pageSize: 500 }));
    ats.moveApplication(items[0]!.externalId, 'Technical Interview');
    const delivery = ats.stageChangeWebhook(items[0]!.externalId, { deliveryId: 'evt-1' });
    const now = new Date();
    const verify = (headers: Record<string, string>) =>
      connector.verifyWebhook({ rawBody: Buffer.from(delivery.body), headers, secret: ats.webhookSecret, now });
    expect(verify(delivery.headers)).toEqual({ ok: true });
    expect(verify(ats.signWebhook(delivery.body, { secret: 'other' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({})).toEqual({ ok: false, reason: 'missing_signature' });
    expect(connector.parseWebhook(Buffer.from(delivery.body), delivery.headers)).toMatchObject([
      {
        eventType: 'application.stage_changed',
        providerEventId: 'evt-1',
        provider: 'greenhouse',
        applicationExternalId: items[0]!.externalId,
        stageTo: 'Technical Interview',
        stageFrom: null,
      },
    ]);
    expect(connector.parseWebhook(Buffer.from(JSON.stringify({ action: 'prospect_created', payload: {} })), {})).toEqual([]);
  });

  it("takes a webhook's time from the payload's own activity time, and reads delete_candidate as the person and their applications", async () => {
    const { items } = await all((cursor) => connector.listApplications({ checkpoint: null, cursor, pageSize: 500 }));
    const at = new Date(Date.now() - 3_600_000);
    const moved = ats.stageChangeWebhook(items[1]!.externalId, { deliveryId: 'evt-at', at });
    expect(connector.parseWebhook(Buffer.from(moved.body), moved.headers)[0]!.timestamp).toBe(at.toISOString());
    const target = items[2]!;
    const siblings = items
      .filter((a) => a.candidateExternalId === target.candidateExternalId)
      .map((a) => a.externalId)
      .sort();
    const deleted = ats.deletionWebhook!(target.externalId, { deliveryId: 'evt-del' });
    const events = connector.parseWebhook(Buffer.from(deleted.body), deleted.headers);
    expect(events.map((e) => [e.eventType, e.candidateExternalId, e.applicationExternalId])).toEqual([
      ['candidate.deleted', target.candidateExternalId, null],
      ...siblings.map((id) => ['application.deleted', target.candidateExternalId, id]),
    ]);
    expect(new Set(events.map((e) => e.providerEventId)).size).toBe(events.length);
  });

  it('pushes an application once per reference, and reports a validation error as permanent', async () => {
    const jobs = await connector.listJobs({ checkpoint: null, cursor: null, pageSize: 10 });
    const input = {
      reference: 'proposal-123',
      jobExternalId: jobs.items[0]!.externalId,
      candidate: { fullName: 'Mary Jackson', email: 'mj@example.com' },
      note: 'pitch',
    };
    // Someone else applied to that job first: a lookup whose candidate filter the platform ignored would find theirs.
    const other = ats.addCandidate({ fullName: 'Other Person', email: 'other@example.com' });
    ats.addApplication({ candidateExternalId: other, jobExternalId: input.jobExternalId });
    const first = await connector.pushApplication(input);
    const again = await connector.pushApplication(input);
    expect(again).toEqual(first);
    const pushed = (await all((cursor) => connector.listApplications({ checkpoint: null, cursor, pageSize: 500 }))).items.find(
      (a) => a.externalId === first.applicationExternalId,
    );
    expect(pushed).toMatchObject({ candidateExternalId: first.candidateExternalId, jobExternalId: input.jobExternalId });
    expect(
      ats
        .requests()
        .filter((r) => r.path === '/v3/applications' && r.query.candidate_ids)
        .at(-1)!.query,
    ).toMatchObject({ candidate_ids: first.candidateExternalId });
    expect(ats.pushed().filter((p) => p.reference === 'proposal-123')).toHaveLength(1);
    const err = await connector.pushApplication({ ...input, reference: 'proposal-456', jobExternalId: '999999' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtsRequestError);
    expect((err as AtsRequestError).permanent).toBe(true);
  });
});
