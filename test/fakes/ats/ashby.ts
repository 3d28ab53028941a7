// A fake of Ashby's RPC API (../shared/ATS-CONNECTORS.md): `POST /job.list`,
// `/candidate.list`, `/application.list` with `{limit, cursor, syncToken}` bodies, HTTP
// Basic with the key as user (401 without a key, 403 for a key without permission),
// `{success, results, moreDataAvailable, nextCursor, syncToken}` where the syncToken comes
// only on the last page, errors as `{success:false, errors}` with HTTP 200 (including
// `incremental_sync_too_large`), pushes via candidate.search / candidate.create /
// application.create, and webhooks signed `Ashby-Signature: sha256=<hex>` over the body.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hmacSha256Hex } from '../../../activities/ats/http.js';
import { apiKeyOf, listen, readBody, sendJson } from '../http.js';
import { AtsStore, type StoredApplication } from './store.js';
import type { FakeAts } from './types.js';

const STAGES = ['Application Review', 'Recruiter Screen', 'Onsite', 'Offer', 'Hired'] as const;
const API_KEY = 'ashby-key';
const READ_ONLY_KEY = 'ashby-no-candidates-permission';

export interface AshbyFake extends FakeAts {
  /** The next incremental call (with a syncToken) answers `incremental_sync_too_large`. */
  refuseNextIncremental(): void;
}

export async function startAshbyFake(opts: { port?: number } = {}): Promise<AshbyFake> {
  const store = new AtsStore(STAGES);
  const webhookSecret = `ashby_${randomBytes(12).toString('hex')}`;
  let refuseIncremental = false;
  const iso = (ms: number) => new Date(ms).toISOString();
  const applicationDto = (a: StoredApplication) => ({
    id: String(a.id), candidate: { id: String(a.candidateId) }, job: { id: String(a.jobId) }, updatedAt: iso(a.updatedAt),
    status: a.status === 'hired' ? 'Hired' : a.status === 'rejected' ? 'Archived' : 'Active', currentInterviewStage: { title: a.stage },
  });
  const LISTS = {
    'job.list': { rows: () => store.jobs, dto: (j: (typeof store.jobs)[number]) => ({ id: String(j.id), title: j.title, status: j.status === 'open' ? 'Open' : j.status === 'draft' ? 'Draft' : 'Closed', updatedAt: iso(j.updatedAt) }) },
    'candidate.list': {
      rows: () => store.candidates,
      dto: (c: (typeof store.candidates)[number]) => ({ id: String(c.id), name: `${c.firstName} ${c.lastName}`.trim(), primaryEmailAddress: c.email ? { value: c.email } : null, updatedAt: iso(c.updatedAt) }),
    },
    'application.list': { rows: () => store.applications, dto: applicationDto },
  } as const;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = JSON.parse((await readBody(req)) || '{}');
    store.log.push({ method: req.method ?? 'POST', path: url.pathname, query: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])) });
    const failure = store.failures.take(req.method ?? 'POST', url.pathname);
    if (failure) return sendJson(res, failure.status, failure.body ?? { success: false, errors: [`injected ${failure.status}`] }, failure.headers);
    const key = apiKeyOf(req);
    if (!key) return sendJson(res, 401, { success: false, errors: ['missing api key'] });
    if (key !== API_KEY && key !== READ_ONLY_KEY) return sendJson(res, 401, { success: false, errors: ['invalid api key'] });
    const method = url.pathname.slice(1);
    if (key === READ_ONLY_KEY && method !== 'job.list') return sendJson(res, 403, { success: false, errors: ['missing permission candidatesRead'] });

    if (method in LISTS) {
      const list = LISTS[method as keyof typeof LISTS];
      if (body.syncToken && refuseIncremental) {
        refuseIncremental = false;
        return sendJson(res, 200, { success: false, errors: ['incremental_sync_too_large'] });
      }
      const limit = Math.min(Number(body.limit ?? 100), 100);
      // The cursor remembers where the run began: that is what the last page's syncToken stands for.
      const state = body.cursor ? JSON.parse(Buffer.from(body.cursor, 'base64url').toString()) : { pos: 0, since: body.syncToken ? Number(Buffer.from(body.syncToken, 'base64url').toString()) : 0, started: store.tick() };
      const rows = list.rows() as { updatedAt: number; deleted: boolean }[];
      const { rows: found, next } = AtsStore.page(rows, state.pos, limit, (r) => !r.deleted && r.updatedAt >= state.since);
      const more = next < rows.length;
      return sendJson(res, 200, {
        success: true, results: found.map((r) => (list.dto as (x: unknown) => unknown)(r)), moreDataAvailable: more,
        ...(more ? { nextCursor: Buffer.from(JSON.stringify({ ...state, pos: next })).toString('base64url') } : { syncToken: Buffer.from(String(state.started)).toString('base64url') }),
      });
    }
    if (method === 'candidate.search') {
      const found = store.candidates.filter((c) => !c.deleted && c.email === body.email);
      return sendJson(res, 200, { success: true, results: found.map((c) => ({ id: String(c.id), tags: c.reference ? [c.reference] : [], applicationIds: store.applications.filter((a) => a.candidateId === c.id).map((a) => String(a.id)) })) });
    }
    if (method === 'candidate.create') {
      if (!body.name) return sendJson(res, 200, { success: false, errors: ['name is required'] });
      const c = store.addCandidate(body.name, body.email ?? null, body.tags?.[0] ?? null);
      return sendJson(res, 200, { success: true, results: { id: String(c.id) } });
    }
    if (method === 'application.create') {
      const c = store.candidate.get(Number(body.candidateId));
      const job = store.job.get(Number(body.jobId));
      if (!c || !job) return sendJson(res, 200, { success: false, errors: [!c ? 'candidate not found' : 'job not found'] });
      const a = store.addApplication(c.id, job.id, STAGES[0], c.reference);
      if (c.reference) store.pushes.push({ applicationExternalId: String(a.id), candidateExternalId: String(c.id), jobExternalId: String(job.id), reference: c.reference });
      return sendJson(res, 200, { success: true, results: applicationDto(a) });
    }
    return sendJson(res, 404, { success: false, errors: ['unknown endpoint'] });
  }

  const server = await listen(handle, opts.port);
  const sign = (body: string, secret = webhookSecret) => `sha256=${hmacSha256Hex(secret, body)}`;
  return {
    platform: 'ashby',
    url: server.url,
    config: { credentials: { apiKey: API_KEY }, baseUrl: server.url },
    webhookSecret,
    ...store.controls(),
    refuseNextIncremental: () => { refuseIncremental = true; },
    stageChangeWebhook: (id, o = {}) => {
      const a = store.get(id);
      const body = JSON.stringify({ action: 'candidateStageChange', webhookActionId: o.deliveryId ?? randomBytes(8).toString('hex'), data: { application: applicationDto(a) } });
      return { body, headers: { 'ashby-signature': sign(body), 'content-type': 'application/json' } };
    },
    signWebhook: (body, o = {}) => ({ 'ashby-signature': sign(body, o.secret), 'content-type': 'application/json' }),
    close: () => server.close(),
  };
}

export const ASHBY_READ_ONLY_KEY = READ_ONLY_KEY;
