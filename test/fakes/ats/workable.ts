// A fake of Workable's SPI v3 (../shared/ATS-CONNECTORS.md): bearer token, `/jobs` and
// `/candidates` filtered by `updated_after`, `limit` ≤ 100 with `paging.next` as a full
// URL carrying `since_id`, the three X-Rate-Limit-* headers on every response (10 per 10 s
// when `rateLimit` is on), pushes to `/jobs/{shortcode}/candidates`, and webhooks signed
// `X-Workable-Signature: <hex HMAC-SHA256 of the body>`. A Workable candidate is one
// person's candidacy for one job: each stored application is one candidate record.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hmacSha256Hex } from '../../../activities/ats/http.js';
import { listen, readBody, sendJson } from '../http.js';
import { AtsStore, type StoredApplication } from './store.js';
import type { FakeAts } from './types.js';

const STAGES = ['Sourced', 'Applied', 'Phone Screen', 'Interview', 'Offer', 'Hired'] as const;
const TOKEN = 'workable-token';
const WINDOW_MS = 10_000;
const PER_WINDOW = 10;

export async function startWorkableFake(opts: { port?: number; rateLimit?: boolean } = {}): Promise<FakeAts> {
  const store = new AtsStore(STAGES);
  const webhookSecret = `workable_${randomBytes(12).toString('hex')}`;
  const shortcode = (jobId: number) => `J${jobId}`;
  let window = { start: Date.now(), used: 0 };
  let base = '';

  const candidateDto = (a: StoredApplication) => {
    const c = store.candidate.get(a.candidateId)!;
    const job = store.job.get(a.jobId)!;
    return {
      id: String(a.id), name: `${c.firstName} ${c.lastName}`.trim(), firstname: c.firstName, lastname: c.lastName, email: c.email,
      stage: a.stage, disqualified: a.status === 'rejected', job: { shortcode: shortcode(job.id), title: job.title }, tags: a.reference ? [a.reference] : [],
      updated_at: new Date(a.updatedAt).toISOString(),
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    store.log.push({ method: req.method ?? 'GET', path: url.pathname, query });
    if (Date.now() - window.start >= WINDOW_MS) window = { start: Date.now(), used: 0 };
    window.used++;
    const limits = {
      'X-Rate-Limit-Limit': String(PER_WINDOW), 'X-Rate-Limit-Remaining': String(Math.max(0, PER_WINDOW - window.used)),
      'X-Rate-Limit-Reset': String(Math.ceil((window.start + WINDOW_MS) / 1000)),
    };
    const failure = store.failures.take(req.method ?? 'GET', url.pathname);
    if (failure) return sendJson(res, failure.status, failure.body ?? { error: `injected ${failure.status}` }, { ...limits, ...failure.headers });
    if (opts.rateLimit && window.used > PER_WINDOW) return sendJson(res, 429, { error: 'Too many requests' }, limits);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendJson(res, 401, { error: 'Not authorized' }, limits);

    const limit = Number(query.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return sendJson(res, 422, { error: 'limit must be 1 to 100' }, limits);
    const after = query.updated_after ? Date.parse(query.updated_after) : 0;
    const sinceId = Number(query.since_id ?? 0);
    const next = (lastId: number | undefined, more: boolean) =>
      more && lastId !== undefined ? `${base}${url.pathname}?${new URLSearchParams({ ...query, since_id: String(lastId + 1) })}` : undefined;

    if (req.method === 'GET' && url.pathname === '/spi/v3/jobs') {
      const { rows, next: pos } = AtsStore.page(store.jobs, 0, limit, (j) => !j.deleted && j.id >= sinceId && j.updatedAt >= after);
      const more = pos < store.jobs.length;
      return sendJson(res, 200, {
        jobs: rows.map((j) => ({ id: String(j.id), shortcode: shortcode(j.id), title: j.title, state: j.status === 'open' ? 'published' : j.status, updated_at: new Date(j.updatedAt).toISOString() })),
        paging: { next: next(rows.at(-1)?.id, more) },
      }, limits);
    }
    if (req.method === 'GET' && url.pathname === '/spi/v3/candidates') {
      const start = sinceId ? store.applications.findIndex((a) => a.id >= sinceId) : 0;
      const { rows, next: pos } = AtsStore.page(store.applications, start < 0 ? store.applications.length : start, limit,
        (a) => !a.deleted && a.updatedAt >= after && (!query.tag || a.reference === query.tag));
      return sendJson(res, 200, { candidates: rows.map(candidateDto), paging: { next: next(rows.at(-1)?.id, pos < store.applications.length) } }, limits);
    }
    const push = /^\/spi\/v3\/jobs\/J(\d+)\/candidates$/.exec(url.pathname);
    if (req.method === 'POST' && push) {
      const job = store.job.get(Number(push[1]));
      const body = JSON.parse((await readBody(req)) || '{}');
      if (!job) return sendJson(res, 404, { error: 'Job not found' }, limits);
      if (!body.candidate?.name) return sendJson(res, 422, { error: 'candidate name is required' }, limits);
      const pushed = store.push(body.candidate.tags?.[0] ?? '', job.id, body.candidate.name, body.candidate.email ?? null);
      return sendJson(res, 201, { candidate: candidateDto(pushed.application) }, limits);
    }
    return sendJson(res, 404, { error: 'Not found' }, limits);
  }

  const server = await listen(handle, opts.port);
  base = server.url;
  const sign = (body: string, secret = webhookSecret) => hmacSha256Hex(secret, body);
  return {
    platform: 'workable',
    url: server.url,
    config: { credentials: { subdomain: 'acme', token: TOKEN }, baseUrl: server.url },
    webhookSecret,
    ...store.controls(),
    stageChangeWebhook: (id, o = {}) => {
      const a = store.get(id);
      const body = JSON.stringify({
        id: o.deliveryId ?? randomBytes(8).toString('hex'), event_type: 'candidate_moved', fired_at: (o.at ?? new Date()).toISOString(),
        data: { ...candidateDto(a), previous_stage: a.history.at(-2)?.to ?? null },
      });
      return { body, headers: { 'x-workable-signature': sign(body), 'content-type': 'application/json' } };
    },
    signWebhook: (body, o = {}) => ({ 'x-workable-signature': sign(body, o.secret), 'content-type': 'application/json' }),
    close: () => server.close(),
  };
}
