import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { hashRequest } from '../../api/idempotency.js';
import { proposalStateQuery } from '../../domain/proposal.js';
import { createCandidate, createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const HOUR = 3_600_000;
const propose = (m: Marketplace, overrides: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  h.request('POST', '/api/v1/proposals', {
    actor: m.actors.recruiter,
    body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Ten years of distributed systems.', ...overrides },
    headers,
  });

const proposalRows = (m: Marketplace) => h.db('candidate_role_assignments').where({ job_id: m.jobId });
const workflowsOfCompany = async (companyId: string) => {
  const ids: string[] = [];
  for await (const wf of h.temporal.workflow.list({ query: `CompanyId = "${companyId}"` })) ids.push(wf.workflowId);
  return ids;
};

describe('POST /api/v1/proposals', () => {
  it('creates the proposal, starts its workflow and makes it findable by ProposalState in Temporal', async () => {
    const m = await createMarketplace(h.db);
    const before = Date.now();
    const res = await propose(m);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/proposals/${res.body.id}`);
    const company = await h.db('companies').where({ id: m.companyId }).first();
    expect(res.body).toMatchObject({
      candidateId: m.candidateId,
      jobId: m.jobId,
      companyId: m.companyId,
      companyName: company!.name,
      recruiterId: m.recruiterId,
      recruiterName: 'Rita Recruiter',
      state: 'proposed',
      workflowId: `proposal-${res.body.id}`,
      applicationId: null,
      history: [{ oldState: null, newState: 'proposed', actorRole: 'recruiter', actorName: 'Rita Recruiter' }],
    });
    const deadline = new Date(res.body.decisionDeadline).getTime();
    expect(deadline - before).toBeGreaterThanOrEqual(72 * HOUR - 5_000);
    expect(deadline - before).toBeLessThan(72 * HOUR + 60_000);

    const handle = h.temporal.workflow.getHandle(res.body.workflowId);
    expect((await handle.query(proposalStateQuery)).state).toBe('proposed');
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.temporal.workflow.list({ query: `ProposalState = "proposed" AND CompanyId = "${m.companyId}"` }))
        ids.push(wf.workflowId);
      return ids.length === 1 ? ids : undefined;
    });
    expect(found).toEqual([res.body.workflowId]);
  });

  it('answers 409 for a second open proposal of the same candidate and job, starting nothing', async () => {
    const m = await createMarketplace(h.db);
    expect((await propose(m)).status).toBe(201);
    const dup = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.otherRecruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Me too' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('conflict');
    expect(await proposalRows(m)).toHaveLength(1);
    expect(await eventually(async () => (await workflowsOfCompany(m.companyId)).length === 1)).toBe(true);
  });

  it('answers 409 for a new proposal of a candidate already accepted for the job, so its acceptance cannot re-fire automation', async () => {
    const m = await createMarketplace(h.db);
    const { body: first } = await propose(m);
    expect((await h.request('POST', `/api/v1/proposals/${first.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(200);
    const again = await propose(m, { pitch: 'Once more' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', details: { proposalId: first.id } });
    expect(await proposalRows(m)).toHaveLength(1);
    // The database backs it: a second accepted row for the pair is refused (a race past the API check fails in the activity, non-retryably).
    const row = await h.db('candidate_role_assignments').where({ id: first.id }).first();
    await expect(
      h.db('candidate_role_assignments').insert({ ...row, id: randomUUID(), workflow_id: `proposal-${randomUUID()}` }),
    ).rejects.toMatchObject({ code: '23505', constraint: 'cra_one_live_per_candidate_job' });
  });

  it('lets exactly one of many concurrent identical proposals win', async () => {
    const m = await createMarketplace(h.db);
    const results = await Promise.all(Array.from({ length: 6 }, () => propose(m)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await proposalRows(m)).toHaveLength(1);
  });

  it.each([
    ['a missing pitch', { pitch: undefined }, ['pitch']],
    ['a malformed candidate id', { candidateId: 'not-a-uuid' }, ['candidateId']],
    ['an unknown field', { salary: 100 }, []],
    ['an over-long pitch', { pitch: 'x'.repeat(5001) }, ['pitch']],
  ])('rejects %s with 400 and zod details, writing nothing', async (_name, overrides, paths) => {
    const m = await createMarketplace(h.db);
    const res = await propose(m, overrides);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.details).toEqual(expect.any(Array));
    for (const path of paths) expect(res.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toContain(path);
    expect(await proposalRows(m)).toHaveLength(0);
  });

  it('rejects malformed JSON, a missing or forged token, and the wrong role, without a stack trace', async () => {
    const m = await createMarketplace(h.db);
    const malformed = await h.request('POST', '/api/v1/proposals', { actor: m.actors.recruiter, rawBody: '{"pitch": ' });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).not.toMatch(/at .*\.js|node_modules/);
    expect((await h.request('POST', '/api/v1/proposals', { body: {} })).status).toBe(401);
    expect((await h.request('GET', '/api/v1/proposals', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.forged' })).status).toBe(401);
    const wrongRole = await propose({ ...m, actors: { ...m.actors, recruiter: m.actors.companyAdmin } });
    expect(wrongRole.status).toBe(403);
    expect(wrongRole.body.error.code).toBe('forbidden');
    expect(await proposalRows(m)).toHaveLength(0);
  });

  it('answers 404 for an unknown job or candidate and 422 for a closed job', async () => {
    const m = await createMarketplace(h.db);
    expect((await propose(m, { jobId: randomUUID() })).status).toBe(404);
    expect((await propose(m, { candidateId: randomUUID() })).status).toBe(404);
    await h.db('jobs').where({ id: m.jobId }).update({ status: 'closed' });
    const closed = await propose(m);
    expect(closed.status).toBe(422);
    expect(closed.body.error.code).toBe('job_not_open');
    expect(await proposalRows(m)).toHaveLength(0);
  });

  it('replays the first response for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const m = await createMarketplace(h.db);
    const key = randomUUID();
    const first = await propose(m, {}, { 'Idempotency-Key': key });
    const again = await propose(m, {}, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const changed = await propose(m, { pitch: 'A different pitch' }, { 'Idempotency-Key': key });
    expect(changed.status).toBe(422);
    expect(changed.body.error.code).toBe('idempotency_key_reused');
    expect(await proposalRows(m)).toHaveLength(1);
  });
});

describe('Idempotency-Key recovery', () => {
  it('attaches a retry whose stored response was lost (a crash mid-request) to the same proposal', async () => {
    const m = await createMarketplace(h.db);
    const key = randomUUID();
    const first = await propose(m, {}, { 'Idempotency-Key': key });
    // The API died after the workflow started but before it stored the response.
    await h
      .db('api_idempotency_keys')
      .where({ key })
      .update({ status_code: null, response_body: null, created_at: h.db.raw("now() - interval '2 minutes'") });
    const retry = await propose(m, {}, { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(await proposalRows(m)).toHaveLength(1);
  });

  it('answers 409 while the first request with the key is still running', async () => {
    const m = await createMarketplace(h.db);
    const key = randomUUID();
    const body = { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Ten years of distributed systems.' };
    await h.db('api_idempotency_keys').insert({
      user_id: m.actors.recruiter.userId!,
      key,
      method: 'POST',
      path: '/api/v1/proposals',
      request_hash: hashRequest('POST', '/api/v1/proposals', body),
    });
    const res = await propose(m, {}, { 'Idempotency-Key': key });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/still in progress/);
    expect(await proposalRows(m)).toHaveLength(0);
  });

  it('stores nothing for a rejected request, so the key stays usable', async () => {
    const m = await createMarketplace(h.db);
    const key = randomUUID();
    const rejected = await propose(m, { jobId: randomUUID() }, { 'Idempotency-Key': key });
    expect(rejected.status).toBe(404);
    expect(await h.db('api_idempotency_keys').where({ key })).toHaveLength(0);
    expect((await propose(m, {}, { 'Idempotency-Key': key })).status).toBe(201);
  });

  it('refuses an oversized body with 413 and a malformed key with 400', async () => {
    const m = await createMarketplace(h.db);
    expect((await propose(m, { pitch: 'x'.repeat(200_000) })).status).toBe(413);
    expect((await propose(m, {}, { 'Idempotency-Key': 'spaces are not allowed' })).status).toBe(400);
    expect(await proposalRows(m)).toHaveLength(0);
  });

  it('answers bodies that lie about their encoding and malformed URLs with 4xx in the error shape, before any auth (found by the fuzz drill)', async () => {
    const m = await createMarketplace(h.db);
    const body = JSON.stringify({ candidateId: m.candidateId, jobId: m.jobId, pitch: 'x' });
    const cases: [Record<string, string>, string, number][] = [
      [{ 'content-encoding': 'gzip' }, '/api/v1/proposals', 400],
      [{ 'content-encoding': 'br' }, '/api/v1/proposals', 400],
      [{ 'content-encoding': 'x-unknown' }, '/api/v1/proposals', 415],
      [{}, '/api/v1/integrations/%E0%A4%A/webhooks', 400],
    ];
    for (const [headers, path, status] of cases) {
      const res = await h.request('POST', path, { rawBody: body, headers: { 'content-type': 'application/json', ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(status);
      expect(res.body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
    }
    // JSON is UTF-8 (a one-byte body in "UTF-16" decoded to nothing and was taken as {}), and shallow.
    const reviewed = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      rawBody: '{',
      headers: { 'content-type': 'application/json; charset=utf-16' },
    });
    expect(reviewed.status).toBe(415);
    const deep = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      rawBody: `${'['.repeat(40_000)}${']'.repeat(40_000)}`,
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    });
    expect(deep.status).toBe(400);
    expect(deep.body.error.message).toMatch(/nested/);
    const codec = await h.request('GET', '/codec/decode');
    expect(codec.status).toBe(404);
    expect(codec.body.error.code).toBe('not_found');
    expect(await proposalRows(m)).toHaveLength(0);
  });
});

describe('proposal commands', () => {
  it('lets the company accept: application created once, later commands refused with 409', async () => {
    const m = await createMarketplace(h.db);
    const { body: created } = await propose(m);
    const reviewed = await h.request('POST', `/api/v1/proposals/${created.id}/review`, { actor: m.actors.hiringManager, body: {} });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.state).toBe('company_reviewing');
    const accepted = await h.request('POST', `/api/v1/proposals/${created.id}/accept`, { actor: m.actors.companyAdmin, body: {} });
    expect(accepted.status).toBe(200);
    expect(accepted.body.state).toBe('accepted');
    expect(accepted.body.applicationId).toEqual(expect.any(String));
    expect(accepted.body.history.map((x: { newState: string }) => x.newState)).toEqual(['proposed', 'company_reviewing', 'accepted']);

    const late = await h.request('POST', `/api/v1/proposals/${created.id}/decline`, {
      actor: m.actors.companyAdmin,
      body: { reason: 'changed mind' },
    });
    expect(late.status).toBe(409);
    const again = await h.request('POST', `/api/v1/proposals/${created.id}/accept`, { actor: m.actors.companyAdmin, body: {} });
    expect(again.status).toBe(409);
    expect(await h.db('applications').where({ source_proposal_id: created.id })).toHaveLength(1);

    const done = await h.temporal.workflow.getHandle(created.workflowId).result();
    expect(done.state).toBe('accepted');
    const mail = await eventually(async () => h.resend.emails().find((e) => e.idempotencyKey === `proposal-${created.id}-accepted`));
    expect(mail?.to).toEqual([m.emails.recruiter]);
  });

  it('keeps proposals private: other parties get 404, the wrong role 403', async () => {
    const m = await createMarketplace(h.db);
    const { body: created } = await propose(m);
    expect((await h.request('GET', `/api/v1/proposals/${created.id}`, { actor: m.actors.otherRecruiter })).status).toBe(404);
    expect((await h.request('POST', `/api/v1/proposals/${created.id}/accept`, { actor: m.actors.foreignAdmin, body: {} })).status).toBe(
      404,
    );
    const selfAccept = await h.request('POST', `/api/v1/proposals/${created.id}/accept`, { actor: m.actors.recruiter, body: {} });
    expect(selfAccept.status).toBe(403);
    const companyWithdraw = await h.request('POST', `/api/v1/proposals/${created.id}/withdraw`, { actor: m.actors.companyAdmin, body: {} });
    expect(companyWithdraw.status).toBe(403);
    expect((await h.request('GET', `/api/v1/proposals/${created.id}`, { actor: m.actors.platformAdmin })).status).toBe(200);
    expect((await h.request('GET', `/api/v1/proposals/${randomUUID()}`, { actor: m.actors.recruiter })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/proposals/not-a-uuid', { actor: m.actors.recruiter })).status).toBe(400);
  });

  it('lets the recruiter withdraw an open proposal, after which commands are refused', async () => {
    const m = await createMarketplace(h.db);
    const { body: created } = await propose(m);
    const withdrawn = await h.request('POST', `/api/v1/proposals/${created.id}/withdraw`, {
      actor: m.actors.recruiter,
      body: { reason: 'Candidate accepted another offer' },
    });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ state: 'withdrawn', decisionReason: 'Candidate accepted another offer' });
    expect((await h.request('POST', `/api/v1/proposals/${created.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(
      409,
    );
    // The candidate can be proposed again once nothing is open.
    expect((await propose(m)).status).toBe(201);
  });
});

describe('GET /api/v1/proposals', () => {
  it('shows each party only its own proposals, newest first, page by page', async () => {
    const m = await createMarketplace(h.db);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await propose(m, { candidateId: await createCandidate(h.db) })).body.id);
    const other = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.otherRecruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Other recruiter' },
    });
    expect(other.status).toBe(201);

    const page1 = await h.request('GET', '/api/v1/proposals?limit=2', { actor: m.actors.recruiter });
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    const page2 = await h.request('GET', `/api/v1/proposals?limit=2&cursor=${page1.body.nextCursor}`, { actor: m.actors.recruiter });
    expect(page2.body.data.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    const company = await h.request('GET', `/api/v1/proposals?limit=100&jobId=${m.jobId}`, { actor: m.actors.hiringManager });
    expect(company.body.data.map((p: { id: string }) => p.id)).toEqual([other.body.id, ...ids.slice().reverse()]);
    const foreign = await h.request('GET', `/api/v1/proposals?jobId=${m.jobId}`, { actor: m.actors.foreignAdmin });
    expect(foreign.body.data).toEqual([]);

    await h.request('POST', `/api/v1/proposals/${ids[0]}/decline`, { actor: m.actors.companyAdmin, body: {} });
    const declined = await h.request('GET', `/api/v1/proposals?state=declined&jobId=${m.jobId}`, { actor: m.actors.companyAdmin });
    expect(declined.body.data.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
  });

  it('rejects a bad cursor, an out-of-range limit and an unknown state with 400', async () => {
    const m = await createMarketplace(h.db);
    for (const query of ['cursor=garbage', 'limit=101', 'limit=0', 'state=pending']) {
      const res = await h.request('GET', `/api/v1/proposals?${query}`, { actor: m.actors.recruiter });
      expect(res.status, query).toBe(400);
    }
  });
});

describe('service endpoints', () => {
  it('reports database and Temporal health without auth', async () => {
    const res = await h.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', checks: { database: { ok: true }, temporal: { ok: true } } });
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const res = await h.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.0.3');
    const create = res.body.paths['/api/v1/proposals'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['candidateId', 'jobId', 'pitch']);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '409']));
    expect(res.body.paths['/api/v1/proposals/{id}/accept'].post.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  });

  it('answers unknown API routes with the JSON error shape', async () => {
    const m = await createMarketplace(h.db);
    const res = await h.request('GET', '/api/v1/nope', { actor: m.actors.recruiter });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'route not found' } });
  });
});
