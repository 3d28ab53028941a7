import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAshbyConnector } from '../../../activities/ats/ashby.js';
import {
  AtsAuthError,
  AtsRateLimitError,
  AtsRequestError,
  AtsResyncRequiredError,
  type AtsConnector,
  type ListRequest,
  type Page,
} from '../../../activities/ats/types.js';
import { ASHBY_READ_ONLY_KEY, startAshbyFake, type AshbyFake } from '../../../testkit/fakes/ats/ashby.js';

const fakes: AshbyFake[] = [];
async function fake(opts: Parameters<typeof startAshbyFake>[0] = {}) {
  const f = await startAshbyFake(opts);
  fakes.push(f);
  return { ats: f, ashby: createAshbyConnector(f.config) };
}
afterAll(() => Promise.all(fakes.map((f) => f.close())));

/** Every page of one run, as the sync activity reads them: the checkpoint on every page, the cursor of the previous one. */
async function run<T extends { externalId: string }>(
  list: (req: ListRequest) => Promise<Page<T>>,
  checkpoint: string | null,
  pageSize: number,
) {
  const items: T[] = [];
  const checkpoints: (string | null | undefined)[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list({ checkpoint, cursor, pageSize });
    items.push(...page.items);
    checkpoints.push(page.platformCheckpoint);
    cursor = page.nextCursor;
  } while (cursor);
  return { items, token: checkpoints.at(-1) ?? null, checkpoints };
}
const tick = () => new Promise((r) => setTimeout(r, 3));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

let ats: AshbyFake;
let ashby: AtsConnector;
beforeAll(async () => {
  ({ ats, ashby } = await fake());
  ats.seedBulk({ jobs: 3, candidates: 90, applicationsPerCandidate: 1, ageMs: 60_000 });
});

describe('Ashby connector: listing', () => {
  it('lists every job, candidate and application exactly once across cursor pages', async () => {
    const jobs = await run(ashby.listJobs, null, 2);
    const candidates = await run(ashby.listCandidates, null, 40);
    const applications = await run(ashby.listApplications, null, 40);
    expect(jobs.items.map((j) => j.title)).toEqual(['Bulk job 0', 'Bulk job 1', 'Bulk job 2']);
    expect(jobs.items[0]).toMatchObject({ status: 'open', deleted: false });
    expect(candidates.items).toHaveLength(90);
    expect(new Set(candidates.items.map((c) => c.externalId)).size).toBe(90);
    expect(candidates.items[0]).toMatchObject({ fullName: 'Bulk0 Candidate', email: 'bulk0@example.com' });
    expect(applications.items).toHaveLength(90);
    expect(new Set(applications.items.map((a) => a.externalId)).size).toBe(90);
    expect(applications.checkpoints).toHaveLength(3);
    expect(applications.items[0]).toMatchObject({
      stage: 'Application Review',
      status: 'active',
      jobExternalId: expect.any(String),
      candidateExternalId: expect.any(String),
    });
  });

  it('hands out the syncToken (as platformCheckpoint) only on the last page', async () => {
    const { checkpoints } = await run(ashby.listApplications, null, 40);
    expect(checkpoints.slice(0, -1)).toEqual([undefined, undefined]);
    expect(checkpoints.at(-1)).toEqual(expect.any(String));
  });

  it('posts {limit} first, then {limit, cursor}: the cursor is never dropped', async () => {
    const before = ats.requests().length;
    await run(ashby.listApplications, null, 40);
    const calls = ats.requests().slice(before);
    expect(calls.map((c) => [c.method, c.path])).toEqual(Array(3).fill(['POST', '/application.list']));
    expect(calls[0]!.query).toEqual({ limit: '40' });
    expect(calls.slice(1).every((c) => Object.keys(c.query).sort().join() === 'cursor,limit')).toBe(true);
  });

  it("with the last page's syncToken lists only what changed since, sending the token on every page of the run", async () => {
    const apps = await run(ashby.listApplications, null, 100);
    const candidates = await run(ashby.listCandidates, null, 100);
    await tick();
    const moved = apps.items.slice(10, 15).map((a) => a.externalId);
    for (const id of moved) ats.moveApplication(id, 'Onsite', 'recruiter@ashby');
    ats.updateCandidate(candidates.items[7]!.externalId, { email: 'new@example.com' });
    await tick(); // the delta run begins after the changes (its own token must not see them again)
    const before = ats.requests().length;
    const delta = await run(ashby.listApplications, apps.token, 2);
    expect(delta.items.map((a) => [a.externalId, a.stage])).toEqual(moved.map((id) => [id, 'Onsite']));
    const calls = ats.requests().slice(before);
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.query.syncToken === apps.token)).toBe(true);
    expect(delta.token).toEqual(expect.any(String));
    expect(delta.token).not.toBe(apps.token);

    const changedPeople = await run(ashby.listCandidates, candidates.token, 100);
    expect(changedPeople.items.map((c) => [c.externalId, c.email])).toEqual([[candidates.items[7]!.externalId, 'new@example.com']]);
    // Nothing changed since the delta run began: its own token lists nothing.
    expect((await run(ashby.listApplications, delta.token, 100)).items).toEqual([]);
  });

  it('runs a full sync when the checkpoint is a time rather than a syncToken', async () => {
    const before = ats.requests().length;
    const { items } = await run(ashby.listJobs, new Date().toISOString(), 100);
    expect(items).toHaveLength(3);
    expect(
      ats
        .requests()
        .slice(before)
        .every((c) => !('syncToken' in c.query)),
    ).toBe(true);
  });
});

describe('Ashby connector: refusals', () => {
  it('treats {success:false} with HTTP 200 as an error: permanent, unless the code says transient', async () => {
    ats.injectFailure({
      path: '/job.list',
      status: 200,
      body: { success: false, errors: ['invalid_input'], errorInfo: { code: 'invalid_input', message: 'bad limit' } },
    });
    const refused = await failure(ashby.listJobs({ checkpoint: null, cursor: null, pageSize: 10 }));
    expect(refused).toBeInstanceOf(AtsRequestError);
    expect(refused).toMatchObject({ permanent: true, message: expect.stringContaining('invalid_input') });
    ats.injectFailure({
      path: '/job.list',
      status: 200,
      body: { success: false, errors: [{ code: 'internal_server_error', message: 'oops' }] },
    });
    expect(await failure(ashby.listJobs({ checkpoint: null, cursor: null, pageSize: 10 }))).toMatchObject({
      name: 'AtsRequestError',
      permanent: false,
    });
    ats.injectFailure({ path: '/job.list', status: 200, body: { success: false } });
    expect(await failure(ashby.listJobs({ checkpoint: null, cursor: null, pageSize: 10 }))).toMatchObject({
      name: 'AtsRequestError',
      permanent: false,
    });
  });

  it('turns incremental_sync_too_large and sync_token_expired (HTTP 200) into AtsResyncRequiredError', async () => {
    const { token } = await run(ashby.listApplications, null, 100);
    ats.refuseNextIncremental();
    expect(await failure(ashby.listApplications({ checkpoint: token, cursor: null, pageSize: 10 }))).toBeInstanceOf(AtsResyncRequiredError);
    ats.refuseNextIncremental('sync_token_expired');
    expect(await failure(ashby.listCandidates({ checkpoint: token, cursor: null, pageSize: 10 }))).toBeInstanceOf(AtsResyncRequiredError);
    // A token Ashby never issued is the same story; a full run is unaffected.
    expect(await failure(ashby.listJobs({ checkpoint: 'not-a-token', cursor: null, pageSize: 10 }))).toBeInstanceOf(AtsResyncRequiredError);
    expect((await run(ashby.listApplications, null, 100)).items).toHaveLength(90);
  });

  it("gets AtsResyncRequiredError mid-run when an incremental sync runs past Ashby's page limit", async () => {
    const small = await fake({ incrementalPageLimit: 2 });
    small.ats.seedBulk({ jobs: 1, candidates: 10, applicationsPerCandidate: 1, ageMs: 60_000 });
    const full = await run(small.ashby.listApplications, null, 2); // 5 pages: the limit is for incremental runs only
    expect(full.items).toHaveLength(10);
    await tick();
    for (const a of full.items.slice(0, 6)) small.ats.moveApplication(a.externalId, 'Offer');
    const page1 = await small.ashby.listApplications({ checkpoint: full.token, cursor: null, pageSize: 2 });
    const page2 = await small.ashby.listApplications({ checkpoint: full.token, cursor: page1.nextCursor, pageSize: 2 });
    expect(await failure(small.ashby.listApplications({ checkpoint: full.token, cursor: page2.nextCursor, pageSize: 2 }))).toBeInstanceOf(
      AtsResyncRequiredError,
    );
  });

  it('reports a missing key (401), a wrong key (401) and a key without the permission (403) as AtsAuthError', async () => {
    const as = (apiKey: string) => createAshbyConnector({ ...ats.config, credentials: { apiKey } });
    expect(await failure(as('').testConnection())).toMatchObject({ name: 'AtsAuthError', status: 401 });
    expect(await failure(as('wrong').listJobs({ checkpoint: null, cursor: null, pageSize: 1 }))).toMatchObject({
      name: 'AtsAuthError',
      status: 401,
    });
    await as(ASHBY_READ_ONLY_KEY).listJobs({ checkpoint: null, cursor: null, pageSize: 1 }); // job.list is allowed
    const forbidden = await failure(as(ASHBY_READ_ONLY_KEY).listCandidates({ checkpoint: null, cursor: null, pageSize: 1 }));
    expect(forbidden).toBeInstanceOf(AtsAuthError);
    expect(forbidden).toMatchObject({ status: 403 });
    // Connecting checks every list the sync reads, so the missing permission shows up at once.
    expect(await failure(as(ASHBY_READ_ONLY_KEY).testConnection())).toMatchObject({ name: 'AtsAuthError', status: 403 });
    await ashby.testConnection();
  });

  it('reports a permission refusal sent with HTTP 200 as AtsAuthError', async () => {
    ats.injectFailure({ path: '/candidate.list', status: 200, body: { success: false, errors: ['missing_endpoint_permission'] } });
    expect(await failure(ashby.listCandidates({ checkpoint: null, cursor: null, pageSize: 1 }))).toMatchObject({
      name: 'AtsAuthError',
      status: 403,
    });
  });

  it('reports 429 as AtsRateLimitError with the Retry-After wait', async () => {
    ats.injectFailure({ path: '/application.list', status: 429, headers: { 'Retry-After': '30' } });
    const throttled = await failure(ashby.listApplications({ checkpoint: null, cursor: null, pageSize: 10 }));
    expect(throttled).toBeInstanceOf(AtsRateLimitError);
    expect((throttled as AtsRateLimitError).retryAfterMs).toBe(30_000);
  });
});

describe('Ashby connector: webhooks', () => {
  it('verifies Ashby-Signature: valid, forged, missing or malformed, and never stale (no timestamp)', async () => {
    const app = (await run(ashby.listApplications, null, 100)).items[0]!;
    const delivery = ats.stageChangeWebhook(app.externalId, { deliveryId: 'wh-1' });
    const verify = (headers: Record<string, string>, now = new Date()) =>
      ashby.verifyWebhook({ rawBody: Buffer.from(delivery.body), headers, secret: ats.webhookSecret, now });
    expect(verify(delivery.headers)).toEqual({ ok: true });
    expect(verify(delivery.headers, new Date(Date.now() + 86_400_000))).toEqual({ ok: true });
    expect(verify(ats.signWebhook(delivery.body, { secret: 'someone-else' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(ats.signWebhook(`${delivery.body} `))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ 'ashby-signature': delivery.headers['ashby-signature']!.replace('sha256=', '') })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify({})).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('reads a candidateStageChange delivery as application.stage_changed, keyed by its webhookActionId', async () => {
    const app = (await run(ashby.listApplications, null, 100)).items[3]!;
    ats.moveApplication(app.externalId, 'Offer', 'hm@ashby');
    const delivery = ats.stageChangeWebhook(app.externalId, { deliveryId: 'wh-2' });
    expect(ashby.parseWebhook(Buffer.from(delivery.body), delivery.headers)).toEqual([
      {
        eventType: 'application.stage_changed',
        providerEventId: 'wh-2',
        provider: 'ashby',
        candidateExternalId: app.candidateExternalId,
        applicationExternalId: app.externalId,
        jobExternalId: app.jobExternalId,
        stageFrom: null,
        stageTo: 'Offer',
        actor: null,
        timestamp: expect.any(String),
        metadata: { action: 'candidateStageChange', status: 'Active' },
      },
    ]);
  });

  it('derives a stable event id from the body when a delivery has none, maps hires and deletions, and ignores ping', () => {
    const hire = Buffer.from(
      JSON.stringify({
        action: 'candidateHire',
        data: {
          application: { id: 'a1', status: 'Hired', candidate: { id: 'c1' }, job: { id: 'j1' }, currentInterviewStage: { title: 'Hired' } },
        },
      }),
    );
    const [event] = ashby.parseWebhook(hire, {});
    expect(event).toMatchObject({
      eventType: 'application.hired',
      applicationExternalId: 'a1',
      stageTo: 'Hired',
      providerEventId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(ashby.parseWebhook(hire, {})[0]!.providerEventId).toBe(event!.providerEventId);
    const archived = Buffer.from(
      JSON.stringify({
        action: 'applicationUpdate',
        webhookActionId: 'wh-3',
        data: { application: { id: 'a2', status: 'Archived', candidate: { id: 'c2' }, job: null, currentInterviewStage: null } },
      }),
    );
    expect(ashby.parseWebhook(archived, {})).toMatchObject([{ eventType: 'application.rejected', applicationExternalId: 'a2' }]);
    const deleted = Buffer.from(JSON.stringify({ action: 'candidateDelete', webhookActionId: 'wh-4', data: { candidate: { id: 'c3' } } }));
    expect(ashby.parseWebhook(deleted, {})).toMatchObject([
      { eventType: 'candidate.deleted', candidateExternalId: 'c3', applicationExternalId: null },
    ]);
    expect(ashby.parseWebhook(Buffer.from(JSON.stringify({ action: 'ping', data: {} })), {})).toEqual([]);
  });
});

describe('Ashby connector: push', () => {
  it('pushes an application once per reference: a second call returns the first', async () => {
    const job = (await run(ashby.listJobs, null, 100)).items[0]!;
    const input = {
      reference: 'prop-a',
      jobExternalId: job.externalId,
      candidate: { fullName: 'Annie Easley', email: 'annie@example.com' },
      note: 'Strong systems background.',
    };
    const first = await ashby.pushApplication(input);
    expect(await ashby.pushApplication(input)).toEqual(first);
    expect(ats.pushed().filter((p) => p.reference === 'prop-a')).toEqual([
      { ...first, jobExternalId: job.externalId, reference: 'prop-a' },
    ]);
    // Another proposal of the same person is another application of the same candidate.
    const other = await ashby.pushApplication({
      ...input,
      reference: 'prop-a2',
      jobExternalId: (await run(ashby.listJobs, null, 100)).items[1]!.externalId,
    });
    expect(other.applicationExternalId).not.toBe(first.applicationExternalId);
    expect(other.candidateExternalId).toBe(first.candidateExternalId);
    expect(
      ats
        .pushed()
        .filter((p) => p.reference.startsWith('prop-a'))
        .map((p) => p.reference),
    ).toEqual(['prop-a', 'prop-a2']);
  });

  it('finds a pushed candidate without an email by name', async () => {
    const job = (await run(ashby.listJobs, null, 100)).items[0]!;
    const input = {
      reference: 'prop-noemail',
      jobExternalId: job.externalId,
      candidate: { fullName: 'Dorothy Vaughan', email: null },
      note: '',
    };
    expect(await ashby.pushApplication(input)).toEqual(await ashby.pushApplication(input));
    expect(ats.pushed().filter((p) => p.reference === 'prop-noemail')).toHaveLength(1);
  });

  it('completes a push that died after creating the candidate (before or after tagging it), without a second candidate', async () => {
    const job = (await run(ashby.listJobs, null, 100)).items[2]!;
    for (const [reference, email, dies] of [
      ['prop-retry-1', 'evelyn@example.com', '/candidate.addTag'],
      ['prop-retry-2', 'melba@example.com', '/application.create'],
    ] as const) {
      const input = { reference, jobExternalId: job.externalId, candidate: { fullName: 'Retried Person', email }, note: '' };
      ats.injectFailure({ path: dies, status: 503 });
      expect(await failure(ashby.pushApplication(input))).toBeInstanceOf(AtsRateLimitError);
      const pushed = await ashby.pushApplication(input);
      expect(ats.requests().filter((r) => r.path === '/candidate.create' && r.query.email === email)).toHaveLength(1);
      expect(ats.pushed().filter((p) => p.reference === reference)).toEqual([{ ...pushed, jobExternalId: job.externalId, reference }]);
    }
  });

  it('declares token-based incremental sync for all three lists, webhooks and push', () => {
    expect(ashby.capabilities).toEqual({
      incremental: { jobs: 'updated_since', candidates: 'updated_since', applications: 'updated_since' },
      webhooks: true,
      push: true,
    });
  });
});
