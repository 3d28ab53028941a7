// A fake of Workable's SPI v3, each behaviour after workable.readme.io:
// - bearer token; `/jobs`, `/candidates` filtered by `updated_after`, `limit` ≤ 100, `paging.next` a full URL
//   carrying `since_id`. The docs do not say which host `next` is on: `pagingHost` serves the subdomain form
//   (https://<subdomain>.workable.com/spi/v3/…) or the account form (https://www.workable.com/spi/v3/accounts/<subdomain>/…),
//   and every path answers in both forms.
// - "Rate limiting": 10 requests / 10 s for account tokens, 429 beyond; X-Rate-Limit-Limit / -Remaining /
//   -Reset on every response, Reset being the "Timestamp of next interval" with no unit: `resetUnit` serves
//   epoch seconds or milliseconds.
// - "Webhook Subscriptions": `POST /subscriptions {target, event, args?}` (events candidate_created, candidate_moved;
//   a target already registered answers 409). Listing (`GET /subscriptions`) and `DELETE /subscriptions/{id}`
//   are not on the pages read (unconfirmed). Deliveries are signed `X-Workable-Signature` = hex HMAC-SHA256 of
//   the body keyed by the ACCOUNT TOKEN (or the OAuth app's secret: `clientSecret`); the envelope
//   {id, event_type, fired_at, resource_type, data} follows a public client (activepieces' Workable piece).
// - pushes to `/jobs/{shortcode}/candidates`. A Workable candidate is one person's candidacy for one job:
//   each stored application is one candidate record.
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

export interface WorkableFakeOptions {
  port?: number;
  rateLimit?: boolean;
  /** X-Rate-Limit-Reset in epoch seconds (default) or milliseconds. */
  resetUnit?: 'seconds' | 'ms';
  /** Where paging.next points: the subdomain host (default) or the account form on www.workable.com (reached through `config.fetch`). */
  pagingHost?: 'subdomain' | 'account';
  /** An OAuth app's secret: it signs webhooks instead of the account token. */
  clientSecret?: string;
}

export interface WorkableFake extends FakeAts {
  subscriptions(): { id: string; target: string; event: string }[];
}

const SUBDOMAIN = 'acme';
const EVENTS = ['candidate_created', 'candidate_moved'];

export async function startWorkableFake(opts: WorkableFakeOptions = {}): Promise<WorkableFake> {
  const store = new AtsStore(STAGES);
  // What the integration stores as its own secret: Workable signs with the account token (or app secret) instead.
  const webhookSecret = `workable_${randomBytes(12).toString('hex')}`;
  const signingKey = opts.clientSecret ?? TOKEN;
  const subscriptions: { id: string; target: string; event: string }[] = [];
  let nextSubscription = 1;
  const shortcode = (jobId: number) => `J${jobId}`;
  let window = { start: Date.now(), used: 0 };
  let base = '';

  const candidateDto = (a: StoredApplication) => {
    const c = store.candidate.get(a.candidateId)!;
    const job = store.job.get(a.jobId)!;
    return {
      id: String(a.id),
      name: `${c.firstName} ${c.lastName}`.trim(),
      firstname: c.firstName,
      lastname: c.lastName,
      email: c.email,
      stage: a.stage,
      disqualified: a.status === 'rejected',
      job: { shortcode: shortcode(job.id), title: job.title },
      tags: a.reference ? [a.reference] : [],
      updated_at: new Date(a.updatedAt).toISOString(),
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    url.pathname = url.pathname.replace(`/spi/v3/accounts/${SUBDOMAIN}/`, '/spi/v3/'); // the account form of every path
    const query = Object.fromEntries(url.searchParams);
    store.log.push({ method: req.method ?? 'GET', path: url.pathname, query });
    if (Date.now() - window.start >= WINDOW_MS) window = { start: Date.now(), used: 0 };
    window.used++;
    const limits = {
      'X-Rate-Limit-Limit': String(PER_WINDOW),
      'X-Rate-Limit-Remaining': String(Math.max(0, PER_WINDOW - window.used)),
      'X-Rate-Limit-Reset': String(opts.resetUnit === 'ms' ? window.start + WINDOW_MS : Math.ceil((window.start + WINDOW_MS) / 1000)),
    };
    const failure = store.failures.take(req.method ?? 'GET', url.pathname);
    if (failure)
      return sendJson(res, failure.status, failure.body ?? { error: `injected ${failure.status}` }, { ...limits, ...failure.headers });
    // workable.readme.io/reference/rate-limits: 10 requests per 10 s for an account token, then 429.
    if (opts.rateLimit && window.used > PER_WINDOW) return sendJson(res, 429, { error: 'Too many requests' }, limits);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendJson(res, 401, { error: 'Not authorized' }, limits);

    const limit = Number(query.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return sendJson(res, 422, { error: 'limit must be 1 to 100' }, limits);
    const after = query.updated_after ? Date.parse(query.updated_after) : 0;
    const sinceId = Number(query.since_id ?? 0);
    const pageBase =
      opts.pagingHost === 'account'
        ? `https://www.workable.com${url.pathname.replace('/spi/v3/', `/spi/v3/accounts/${SUBDOMAIN}/`)}`
        : `${base}${url.pathname}`;
    const next = (lastId: number | undefined, more: boolean) =>
      more && lastId !== undefined ? `${pageBase}?${new URLSearchParams({ ...query, since_id: String(lastId + 1) })}` : undefined;

    // workable.readme.io/reference/webhook-subscriptions: one target per subscription (409 when taken).
    if (url.pathname === '/spi/v3/subscriptions' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)) || '{}') as { target?: string; event?: string };
      if (!body.target || !EVENTS.includes(body.event ?? ''))
        return sendJson(res, 422, { error: 'target and a known event are required' }, limits);
      if (subscriptions.some((sub) => sub.target === body.target))
        return sendJson(res, 409, { error: 'target already registered' }, limits);
      const sub = { id: String(nextSubscription++), target: body.target, event: body.event! };
      subscriptions.push(sub);
      return sendJson(res, 201, sub, limits);
    }
    if (url.pathname === '/spi/v3/subscriptions' && req.method === 'GET') return sendJson(res, 200, { subscriptions }, limits);
    const unsubscribe = /^\/spi\/v3\/subscriptions\/([^/]+)$/.exec(url.pathname);
    if (unsubscribe && req.method === 'DELETE') {
      const at = subscriptions.findIndex((sub) => sub.id === unsubscribe[1]);
      if (at < 0) return sendJson(res, 404, { error: 'Not found' }, limits);
      subscriptions.splice(at, 1);
      res.writeHead(204, limits).end();
      return;
    }

    if (req.method === 'GET' && url.pathname === '/spi/v3/jobs') {
      const { rows, next: pos } = AtsStore.page(store.jobs, 0, limit, (j) => !j.deleted && j.id >= sinceId && j.updatedAt >= after);
      const more = pos < store.jobs.length;
      return sendJson(
        res,
        200,
        {
          jobs: rows.map((j) => ({
            id: String(j.id),
            shortcode: shortcode(j.id),
            title: j.title,
            state: j.status === 'open' ? 'published' : j.status,
            updated_at: new Date(j.updatedAt).toISOString(),
          })),
          paging: { next: next(rows.at(-1)?.id, more) },
        },
        limits,
      );
    }
    if (req.method === 'GET' && url.pathname === '/spi/v3/candidates') {
      const start = sinceId ? store.applications.findIndex((a) => a.id >= sinceId) : 0;
      const { rows, next: pos } = AtsStore.page(
        store.applications,
        start < 0 ? store.applications.length : start,
        limit,
        (a) => !a.deleted && a.updatedAt >= after && (!query.tag || a.reference === query.tag),
      );
      return sendJson(
        res,
        200,
        { candidates: rows.map(candidateDto), paging: { next: next(rows.at(-1)?.id, pos < store.applications.length) } },
        limits,
      );
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
  const sign = (body: string, secret = signingKey) => hmacSha256Hex(secret, body);
  // The platform's own hosts, reached on this server (for pagingHost 'account', where paging leaves the configured host).
  const publicHosts: typeof fetch = (input, init) => fetch(String(input).replace(/^https:\/\/(www|acme)\.workable\.com/, server.url), init);
  const credentials = { subdomain: SUBDOMAIN, token: TOKEN, ...(opts.clientSecret && { clientSecret: opts.clientSecret }) };
  return {
    platform: 'workable',
    url: server.url,
    config: opts.pagingHost === 'account' ? { credentials, fetch: publicHosts } : { credentials, baseUrl: server.url },
    webhookSecret,
    subscriptions: () => subscriptions.map((sub) => ({ ...sub })),
    ...store.controls(),
    stageChangeWebhook: (id, o = {}) => {
      const a = store.get(id);
      const body = JSON.stringify({
        id: o.deliveryId ?? randomBytes(8).toString('hex'),
        event_type: 'candidate_moved',
        resource_type: 'candidate',
        fired_at: (o.at ?? new Date()).toISOString(),
        data: { ...candidateDto(a), previous_stage: a.history.at(-2)?.to ?? null },
      });
      return { body, headers: { 'x-workable-signature': sign(body), 'content-type': 'application/json' } };
    },
    signWebhook: (body, o = {}) => ({ 'x-workable-signature': sign(body, o.secret), 'content-type': 'application/json' }),
    close: () => server.close(),
  };
}
