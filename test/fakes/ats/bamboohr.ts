// A fake of BambooHR's applicant tracking API (../shared/ATS-CONNECTORS.md): HTTP Basic
// with the key as user and any password, `/applicant_tracking/jobs` (one unpaginated list),
// `/applicant_tracking/applications?page=N` with `{applications, paginationComplete,
// nextPageUrl}` and NO updated-since filter, throttling as 503 or 429 + Retry-After
// (injected), multipart pushes to `/applicant_tracking/application`, and webhooks signed
// `X-BambooHR-Signature` = HMAC-SHA256(body + X-BambooHR-Timestamp) — employee events only.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hmacSha256Hex } from '../../../activities/ats/http.js';
import { apiKeyOf, listen, readBody, sendJson } from '../http.js';
import { AtsStore, type StoredApplication } from './store.js';
import type { FakeAts } from './types.js';

const STAGES = ['New', 'Reviewed', 'Schedule Phone Screen', 'Interviewed', 'Offer Sent', 'Hired'] as const;
const API_KEY = 'bamboo-key';
const PAGE_SIZE = 50;

/** The fields of a multipart/form-data body (text parts only). */
function formFields(body: string, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return {};
  const fields: Record<string, string> = {};
  for (const part of body.split(`--${boundary[1] ?? boundary[2]}`)) {
    const name = /name="([^"]+)"/.exec(part)?.[1];
    const value = part.split('\r\n\r\n')[1];
    if (name && value !== undefined) fields[name] = value.replace(/\r\n$/, '');
  }
  return fields;
}

export async function startBambooHrFake(opts: { port?: number } = {}): Promise<FakeAts> {
  const store = new AtsStore(STAGES);
  const webhookSecret = `bamboo_${randomBytes(12).toString('hex')}`;
  const domain = 'acme';
  let base = '';
  const applicationDto = (a: StoredApplication) => {
    const c = store.candidate.get(a.candidateId)!;
    const job = store.job.get(a.jobId)!;
    return {
      id: a.id, appliedDate: new Date(a.createdAt).toISOString(), status: { id: STAGES.indexOf(a.stage as (typeof STAGES)[number]) + 1, label: a.stage },
      lastUpdatedDate: new Date(a.updatedAt).toISOString(), applicant: { id: c.id, firstName: c.firstName, lastName: c.lastName, email: c.email, source: a.reference },
      job: { id: job.id, title: { label: job.title } },
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    store.log.push({ method: req.method ?? 'GET', path: url.pathname, query });
    const failure = store.failures.take(req.method ?? 'GET', url.pathname);
    if (failure) return sendJson(res, failure.status, failure.body ?? { error: `injected ${failure.status}` }, failure.headers);
    if (apiKeyOf(req) !== API_KEY) return sendJson(res, 401, { error: 'Unauthorized' });
    const prefix = `/api/gateway.php/${domain}/v1/applicant_tracking`;

    if (req.method === 'GET' && url.pathname === `${prefix}/jobs`) {
      return sendJson(res, 200, store.jobs.filter((j) => !j.deleted).map((j) => ({
        id: j.id, title: { label: j.title }, status: { label: j.status === 'open' ? 'Open' : j.status === 'draft' ? 'Draft' : 'Closed' }, lastUpdatedDate: new Date(j.updatedAt).toISOString(),
      })));
    }
    if (req.method === 'GET' && url.pathname === `${prefix}/applications`) {
      const page = Number(query.page ?? 1);
      if (!Number.isInteger(page) || page < 1) return sendJson(res, 400, { error: 'page must be a positive integer' });
      const live = store.applications.filter((a) => !a.deleted && (!query.searchString || a.reference === query.searchString));
      const rows = live.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
      const complete = page * PAGE_SIZE >= live.length;
      return sendJson(res, 200, {
        applications: rows.map(applicationDto), paginationComplete: complete,
        nextPageUrl: complete ? null : `${base}${url.pathname}?${new URLSearchParams({ ...query, page: String(page + 1) })}`,
      });
    }
    if (req.method === 'POST' && url.pathname === `${prefix}/application`) {
      const fields = formFields(await readBody(req), req.headers['content-type'] ?? '');
      const job = store.job.get(Number(fields.jobId));
      if (!fields.firstName || !job) return sendJson(res, 400, { error: !fields.firstName ? 'firstName is required' : 'job not found' });
      const pushed = store.push(fields.source ?? '', job.id, `${fields.firstName} ${fields.lastName ?? ''}`.trim(), fields.email || null);
      return sendJson(res, 200, { result: 'success', applicationId: pushed.application.id, candidateId: pushed.candidate.id });
    }
    return sendJson(res, 404, { error: 'Not found' });
  }

  const server = await listen(handle, opts.port);
  base = server.url;
  const sign = (body: string, at: Date, secret = webhookSecret) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return { 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': hmacSha256Hex(secret, `${body}${timestamp}`), 'content-type': 'application/json' };
  };
  return {
    platform: 'bamboohr',
    url: server.url,
    config: { credentials: { companyDomain: domain, apiKey: API_KEY }, baseUrl: server.url },
    webhookSecret,
    ...store.controls(),
    stageChangeWebhook: () => {
      throw new Error('BambooHR sends no applicant-tracking webhooks (employee events only)');
    },
    signWebhook: (body, o = {}) => sign(body, o.at ?? new Date(), o.secret),
    close: () => server.close(),
  };
}
