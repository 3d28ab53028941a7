import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBambooHrConnector } from '../../../activities/ats/bamboohr.js';
import {
  AtsAuthError,
  AtsRateLimitError,
  AtsRequestError,
  type AtsConnector,
  type ListRequest,
  type Page,
} from '../../../activities/ats/types.js';
import { BAMBOO_NO_ATS_KEY, startBambooHrFake, type BambooHrFake } from '../../../testkit/fakes/ats/bamboohr.js';

const APPLICATIONS = '/api/gateway.php/acme/v1/applicant_tracking/applications';
const JOBS = '/api/gateway.php/acme/v1/applicant_tracking/jobs';

const fakes: BambooHrFake[] = [];
async function fake(opts: Parameters<typeof startBambooHrFake>[0] = {}) {
  const f = await startBambooHrFake(opts);
  fakes.push(f);
  return { ats: f, bamboo: createBambooHrConnector(f.config) };
}
afterAll(() => Promise.all(fakes.map((f) => f.close())));

/** Every page of one run, as the sync activity reads them (a checkpoint given, as an incremental run would). */
async function run<T extends { externalId: string }>(
  list: (req: ListRequest) => Promise<Page<T>>,
  checkpoint: string | null = '2026-01-01T00:00:00.000Z',
) {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list({ checkpoint, cursor, pageSize: 100 });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { items: pages.flat(), pages };
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

let ats: BambooHrFake;
let bamboo: AtsConnector;
beforeAll(async () => {
  ({ ats, bamboo } = await fake());
  ats.seedBulk({ jobs: 2, candidates: 120, applicationsPerCandidate: 1 });
});

describe('BambooHR connector: full scans', () => {
  it('declares full_scan for all three entities and no webhooks', () => {
    expect(bamboo.capabilities).toEqual({
      incremental: { jobs: 'full_scan', candidates: 'full_scan', applications: 'full_scan' },
      webhooks: false,
      push: true,
    });
  });

  it('lists every application exactly once across numbered pages, following paginationComplete', async () => {
    const before = ats.requests().length;
    const { items, pages } = await run((r) => bamboo.listApplications(r));
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(items).toHaveLength(120);
    expect(new Set(items.map((a) => a.externalId)).size).toBe(120);
    expect(items[0]).toMatchObject({
      stage: 'New',
      status: 'active',
      candidateExternalId: expect.any(String),
      jobExternalId: expect.any(String),
    });
    const calls = ats.requests().slice(before);
    expect(calls.map((c) => c.query.page)).toEqual(['1', '2', '3']);
  });

  it('ignores the checkpoint: no created-since or updated-since filter, every status asked for explicitly', async () => {
    const before = ats.requests().length;
    await run((r) => bamboo.listApplications(r), new Date().toISOString());
    const calls = ats.requests().slice(before);
    expect(calls.every((c) => !('newSince' in c.query) && c.query.applicationStatus === 'ALL' && c.query.jobStatusGroups === 'ALL')).toBe(
      true,
    );
  });

  it('lists hired and rejected applications too (a default status filter would leave them out), mapping their status', async () => {
    const { items } = await run((r) => bamboo.listApplications(r));
    ats.moveApplication(items[1]!.externalId, 'Hired');
    ats.moveApplication(items[2]!.externalId, 'Not a Fit');
    const after = await run((r) => bamboo.listApplications(r));
    expect(after.items).toHaveLength(120);
    expect(after.items.find((a) => a.externalId === items[1]!.externalId)).toMatchObject({ stage: 'Hired', status: 'hired' });
    expect(after.items.find((a) => a.externalId === items[2]!.externalId)).toMatchObject({ stage: 'Not a Fit', status: 'rejected' });
  });

  it('lists everything on every run, so a deleted application is simply absent from the next complete run', async () => {
    const first = await run((r) => bamboo.listApplications(r));
    const gone = first.items[60]!.externalId;
    ats.deleteApplication(gone);
    const second = await run((r) => bamboo.listApplications(r));
    expect(second.items).toHaveLength(first.items.length - 1);
    expect(second.items.map((a) => a.externalId)).not.toContain(gone);
    expect(second.items.map((a) => a.externalId)).toEqual(first.items.map((a) => a.externalId).filter((id) => id !== gone));
  });

  it('lists each applicant once per page as a candidate', async () => {
    const small = await fake({ pageSize: 4 });
    small.ats.seedBulk({ jobs: 3, candidates: 5, applicationsPerCandidate: 2 });
    const { items, pages } = await run((r) => small.bamboo.listCandidates(r));
    for (const page of pages) expect(new Set(page.map((c) => c.externalId)).size).toBe(page.length);
    expect(new Set(items.map((c) => c.externalId)).size).toBe(5);
    expect(items[0]).toMatchObject({ fullName: 'Bulk0 Candidate', email: 'bulk0@example.com', deleted: false });
  });

  it('lists jobs as one page, closed ones included', async () => {
    const small = await fake();
    small.ats.addJob({ title: 'Open role' });
    small.ats.addJob({ title: 'Filled role', status: 'closed' });
    small.ats.addJob({ title: 'Draft role', status: 'draft' });
    const page = await small.bamboo.listJobs({ checkpoint: null, cursor: null, pageSize: 1 });
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((j) => [j.title, j.status])).toEqual([
      ['Open role', 'open'],
      ['Filled role', 'closed'],
      ['Draft role', 'draft'],
    ]);
  });

  it('refuses to end a run on an empty page that says pagination is not complete', async () => {
    ats.injectFailure({ path: APPLICATIONS, status: 200, body: { applications: [], paginationComplete: false, nextPageUrl: null } });
    const refused = await failure(bamboo.listApplications({ checkpoint: null, cursor: '2', pageSize: 100 }));
    expect(refused).toBeInstanceOf(AtsRequestError);
    expect(refused).toMatchObject({ permanent: false });
  });
});

describe('BambooHR connector: refusals', () => {
  it('treats a 503 (older throttling) as AtsRateLimitError without a wait', async () => {
    ats.injectFailure({ path: APPLICATIONS, status: 503 });
    const throttled = await failure(bamboo.listApplications({ checkpoint: null, cursor: null, pageSize: 100 }));
    expect(throttled).toBeInstanceOf(AtsRateLimitError);
    expect((throttled as AtsRateLimitError).retryAfterMs).toBeNull();
  });

  it('treats a 429 with Retry-After (newer throttling) as AtsRateLimitError with that wait', async () => {
    ats.injectFailure({ path: JOBS, status: 429, headers: { 'Retry-After': '9' } });
    const throttled = await failure(bamboo.listJobs({ checkpoint: null, cursor: null, pageSize: 100 }));
    expect(throttled).toBeInstanceOf(AtsRateLimitError);
    expect((throttled as AtsRateLimitError).retryAfterMs).toBe(9000);
    ats.injectFailure({ path: APPLICATIONS, status: 503, headers: { 'Retry-After': '4' } });
    expect(await failure(bamboo.listCandidates({ checkpoint: null, cursor: null, pageSize: 100 }))).toMatchObject({
      name: 'AtsRateLimitError',
      retryAfterMs: 4000,
    });
  });

  it('reports a wrong key (401) and a key without applicant-tracking access (403) as AtsAuthError', async () => {
    const as = (apiKey: string) => createBambooHrConnector({ ...ats.config, credentials: { companyDomain: 'acme', apiKey } });
    const wrong = await failure(as('nope').testConnection());
    expect(wrong).toBeInstanceOf(AtsAuthError);
    expect(wrong).toMatchObject({ status: 401 });
    expect(await failure(as(BAMBOO_NO_ATS_KEY).listApplications({ checkpoint: null, cursor: null, pageSize: 100 }))).toMatchObject({
      name: 'AtsAuthError',
      status: 403,
    });
    await bamboo.testConnection();
  });
});

describe('BambooHR connector: webhooks', () => {
  const body = JSON.stringify({ employees: [{ id: '1', action: 'Updated', changedFields: ['department'] }] });
  const verify = (headers: Record<string, string>, now = new Date()) =>
    bamboo.verifyWebhook({ rawBody: Buffer.from(body), headers, secret: ats.webhookSecret, now });

  it('verifies X-BambooHR-Signature over body + timestamp', () => {
    expect(verify(ats.signWebhook(body))).toEqual({ ok: true });
  });

  it('refuses a forged signature, a signature over another body, and a missing signature or timestamp', () => {
    expect(verify(ats.signWebhook(body, { secret: 'someone-else' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(ats.signWebhook(`${body}\n`))).toEqual({ ok: false, reason: 'bad_signature' });
    const signed = ats.signWebhook(body);
    // The timestamp is signed too: changing it breaks the signature.
    expect(verify({ ...signed, 'x-bamboohr-timestamp': String(Number(signed['x-bamboohr-timestamp']) + 1) })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify({})).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify({ 'x-bamboohr-signature': signed['x-bamboohr-signature']! })).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('refuses a correctly signed delivery whose timestamp is more than 5 minutes from now (either way) as stale', () => {
    const now = new Date();
    expect(verify(ats.signWebhook(body, { at: new Date(now.getTime() - 4 * 60_000) }), now)).toEqual({ ok: true });
    expect(verify(ats.signWebhook(body, { at: new Date(now.getTime() - 6 * 60_000) }), now)).toEqual({ ok: false, reason: 'stale' });
    expect(verify(ats.signWebhook(body, { at: new Date(now.getTime() + 6 * 60_000) }), now)).toEqual({ ok: false, reason: 'stale' });
  });

  it('reads no ATS events from a (employee) webhook, and the fake refuses to make a stage-change delivery', () => {
    expect(bamboo.parseWebhook(Buffer.from(body), ats.signWebhook(body))).toEqual([]);
    expect(() => ats.stageChangeWebhook('1')).toThrow(/no applicant-tracking webhooks/);
  });
});

describe('BambooHR connector: push', () => {
  it('pushes a multipart application once (found again by applicant and job), with the note as a comment', async () => {
    const job = (await bamboo.listJobs({ checkpoint: null, cursor: null, pageSize: 10 })).items[0]!;
    const input = {
      reference: 'prop-b',
      jobExternalId: job.externalId,
      candidate: { fullName: 'Gladys Mae West', email: 'gw@example.com' },
      note: 'Geodesy expert.',
    };
    const first = await bamboo.pushApplication(input);
    expect(await bamboo.pushApplication(input)).toEqual(first);
    expect(ats.pushed().filter((p) => p.reference === 'prop-b')).toEqual([
      { ...first, jobExternalId: job.externalId, reference: 'prop-b' },
    ]);
    expect(ats.comments()).toEqual([{ applicationExternalId: first.applicationExternalId, comment: 'Geodesy expert.' }]);
    const listed = (await run((r) => bamboo.listApplications(r))).items.find((a) => a.externalId === first.applicationExternalId);
    expect(listed).toMatchObject({ candidateExternalId: first.candidateExternalId, jobExternalId: job.externalId, stage: 'New' });
    expect((await run((r) => bamboo.listCandidates(r))).items.find((c) => c.externalId === first.candidateExternalId)).toMatchObject({
      fullName: 'Gladys Mae West',
    });
  });

  it("finds the person's existing application to the job instead of creating a second one", async () => {
    const job = (await bamboo.listJobs({ checkpoint: null, cursor: null, pageSize: 10 })).items[1]!;
    const person = { fullName: 'Mary Jackson', email: 'mj@example.com' };
    const a = await bamboo.pushApplication({ reference: 'prop-c1', jobExternalId: job.externalId, candidate: person, note: '' });
    const b = await bamboo.pushApplication({
      reference: 'prop-c2',
      jobExternalId: job.externalId,
      candidate: { ...person, email: 'MJ@example.com ' },
      note: '',
    });
    expect(b).toEqual(a);
    expect(
      ats
        .pushed()
        .filter((p) => p.reference.startsWith('prop-c'))
        .map((p) => p.reference),
    ).toEqual(['prop-c1']);
  });

  it('takes an id-only create answer as success, and three attempts whose answers were lost make one application', async () => {
    const job = (await bamboo.listJobs({ checkpoint: null, cursor: null, pageSize: 10 })).items[0]!;
    const input = {
      reference: 'prop-e',
      jobExternalId: job.externalId,
      candidate: { fullName: 'Katherine Johnson', email: 'kj@example.com' },
      note: '',
    };
    ats.dropCreateAnswers(1);
    const attempts = [];
    for (let i = 0; i < 3; i++) attempts.push(await bamboo.pushApplication(input).catch((e: unknown) => e));
    expect(attempts[0]).toMatchObject({ name: 'AtsRequestError', permanent: false });
    expect(attempts[1]).toEqual(attempts[2]);
    expect(ats.pushed().filter((p) => p.reference === 'prop-e')).toEqual([
      { ...(attempts[1] as object), jobExternalId: job.externalId, reference: 'prop-e' },
    ]);
    const idOnly = await bamboo.pushApplication({
      ...input,
      reference: 'prop-f',
      candidate: { fullName: 'Dorothy Vaughan', email: 'dv@example.com' },
    });
    expect(ats.pushed().filter((p) => p.reference === 'prop-f')).toEqual([
      { ...idOnly, jobExternalId: job.externalId, reference: 'prop-f' },
    ]);
  });

  it('a push retried after failing behind the creation (the comment) does not create a second application', async () => {
    const job = (await bamboo.listJobs({ checkpoint: null, cursor: null, pageSize: 10 })).items[0]!;
    const input = {
      reference: 'prop-d',
      jobExternalId: job.externalId,
      candidate: { fullName: 'Christine Darden', email: null },
      note: 'Sonic boom research.',
    };
    ats.injectFailure({ method: 'POST', path: /\/comments$/, status: 500 });
    expect(await failure(bamboo.pushApplication(input))).toMatchObject({ name: 'AtsRequestError', permanent: false });
    const again = await bamboo.pushApplication(input);
    expect(ats.pushed().filter((p) => p.reference === 'prop-d')).toEqual([
      { ...again, jobExternalId: job.externalId, reference: 'prop-d' },
    ]);
  });
});
