// A fake of BambooHR's applicant tracking API (../shared/ATS-CONNECTORS.md, "BambooHR"):
// - `/api/gateway.php/{companyDomain}/v1/applicant_tracking/...`, HTTP Basic with the key as
//   user and any password (401 without a known key, 403 for a key whose user has no ATS access,
//   404 for an unknown company);
// - `GET /jobs` is one unpaginated list (`statusGroups`; default open and draft jobs only);
// - `GET /applications?page=N` answers `{paginationComplete, nextPageUrl, applications}`, oldest
//   first, filtered by `jobId`, `searchString`, `applicationStatus` (default: active ones only)
//   and `newSince` — which is created-since: there is NO updated-since filter;
// - `GET /applications/{id}`: the application with its applicant (e-mail, phone, address, education: Knit's
//   summary of "Get Application Details"); no `source` to search by, in lists or details;
// - `POST /application` ("Add New Candidate", documentation.bamboohr.com/reference/add-new-candidate-1) takes
//   multipart/form-data (firstName, lastName, email, source, jobId …) and creates an application every time
//   (no idempotency: the connector has to find its earlier push). Its answer is not shown on the reference
//   page: `createAnswer` serves just the new candidate's id (default) or both ids; `dropCreateAnswers` loses
//   answers after creating (a timeout seen by the client). `POST /applications/{id}/comments`;
// - throttling is whatever `injectFailure` says: 503 (older behaviour) or 429 + Retry-After;
// - webhooks (employee events only) are signed X-BambooHR-Signature = hex HMAC-SHA256(body + X-BambooHR-Timestamp).
// Defaults marked (unverified) are the conservative reading; the connector asks explicitly.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hmacSha256Hex } from '../../../activities/ats/http.js';
import { apiKeyOf, listen, readBody, sendJson } from '../http.js';
import { AtsStore, type StoredApplication, type StoredJob } from './store.js';
import type { FakeAts } from './types.js';

const STAGES = ['New', 'Reviewed', 'Schedule Phone Screen', 'Interviewed', 'Offer Sent', 'Hired'] as const;
const API_KEY = 'bamboo-key';
/** A key whose user may not use applicant tracking: every call answers 403. */
export const BAMBOO_NO_ATS_KEY = 'bamboo-key-without-ats-access';
const DOMAIN = 'acme';
/** The source our connector gives a pushed application (`bambooReferenceSource`). */
const REFERENCE_SOURCE = /^splits:(.+)$/;
const HIRED = /hired/i;
/** Statuses that end an application without a hire (move an application to e.g. "Not a Fit"). */
const INACTIVE = /not (a )?fit|declined|rejected|withdrawn/i;

export interface BambooHrFake extends FakeAts {
  /** Comments added to applications through the API. */
  comments(): { applicationExternalId: string; comment: string }[];
  /** The next `times` creations happen but their answers are lost (502). */
  dropCreateAnswers(times: number): void;
}

const jobStatus = (j: StoredJob) => (j.deleted ? 'Deleted' : j.status === 'open' ? 'Open' : j.status === 'draft' ? 'Draft' : 'Filled');

/** `applicationStatus` groups; (unverified) the default is ALL_ACTIVE. */
const STATUS_GROUPS: Record<string, (stage: string, isNew: boolean) => boolean> = {
  ALL: () => true,
  ALL_ACTIVE: (s) => !HIRED.test(s) && !INACTIVE.test(s),
  NEW: (_s, isNew) => isNew,
  ACTIVE: (s, isNew) => !isNew && !HIRED.test(s) && !INACTIVE.test(s),
  INACTIVE: (s) => INACTIVE.test(s),
  HIRED: (s) => HIRED.test(s),
};

export async function startBambooHrFake(
  opts: { port?: number; pageSize?: number; createAnswer?: 'id_only' | 'ids' } = {},
): Promise<BambooHrFake> {
  let lostAnswers = 0;
  const store = new AtsStore(STAGES);
  const webhookSecret = `bamboo_${randomBytes(12).toString('hex')}`;
  const pageSize = opts.pageSize ?? 50;
  const comments: { applicationExternalId: string; comment: string }[] = [];
  let root = '';

  const applicant = (a: StoredApplication) => {
    const c = store.candidate.get(a.candidateId)!;
    return { id: c.id, firstName: c.firstName, lastName: c.lastName, email: c.email, avatar: null };
  };
  const applicationRow = (a: StoredApplication) => {
    const job = store.job.get(a.jobId)!;
    return {
      id: a.id,
      appliedDate: new Date(a.createdAt).toISOString(),
      lastUpdatedDate: new Date(a.updatedAt).toISOString(),
      status: { id: STAGES.indexOf(a.stage as (typeof STAGES)[number]) + 1 || null, label: a.stage },
      rating: null,
      applicant: applicant(a),
      job: { id: job.id, title: { id: null, label: job.title } },
    };
  };
  const applicationDetail = (a: StoredApplication) => ({
    ...applicationRow(a),
    applicant: { ...applicant(a), phoneNumber: null, address: null, education: null },
  });

  /** `newSince`: `YYYY-MM-DD HH:MM:SS` in UTC (or ISO). */
  const parseSince = (v: string) => Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v) ? `${v.replace(' ', 'T')}Z` : v);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    store.log.push({ method, path: url.pathname, query });
    const failure = store.failures.take(method, url.pathname);
    if (failure) return sendJson(res, failure.status, failure.body ?? { error: `injected ${failure.status}` }, failure.headers);

    const gateway = /^\/api\/gateway\.php\/([^/]+)\/v1\/applicant_tracking(\/.*)$/.exec(url.pathname);
    if (!gateway) return sendJson(res, 404, { error: 'Not found' });
    const key = apiKeyOf(req);
    if (key !== API_KEY && key !== BAMBOO_NO_ATS_KEY)
      return sendJson(res, 401, { error: 'Unauthorized' }, { 'WWW-Authenticate': 'Basic realm="api"' });
    if (gateway[1] !== DOMAIN) return sendJson(res, 404, { error: `No company ${gateway[1]}` });
    if (key === BAMBOO_NO_ATS_KEY) return sendJson(res, 403, { error: 'The API user has no access to applicant tracking' });
    const path = gateway[2]!;

    if (method === 'GET' && path === '/jobs') {
      const group = query.statusGroups ?? 'DRAFT_AND_OPEN'; // (unverified) default
      const shown = store.jobs.filter(
        (j) => group === 'ALL' || (group === 'DRAFT_AND_OPEN' ? ['Open', 'Draft'].includes(jobStatus(j)) : jobStatus(j) === group),
      );
      return sendJson(
        res,
        200,
        shown.map((j) => ({
          id: j.id,
          title: { id: null, label: j.title },
          postedDate: null,
          status: { id: null, label: jobStatus(j) },
          lastUpdatedDate: new Date(j.updatedAt).toISOString(),
          totalApplicantsCount: store.applications.filter((a) => a.jobId === j.id && !a.deleted).length,
        })),
      );
    }

    if (method === 'GET' && path === '/applications') {
      const page = Number(query.page ?? 1);
      if (!Number.isInteger(page) || page < 1) return sendJson(res, 400, { error: 'page must be a positive integer' });
      const inGroup = STATUS_GROUPS[query.applicationStatus ?? 'ALL_ACTIVE'];
      if (!inGroup) return sendJson(res, 400, { error: `unknown applicationStatus ${query.applicationStatus}` });
      const since = query.newSince ? parseSince(query.newSince) : null;
      if (since !== null && Number.isNaN(since))
        return sendJson(res, 400, { error: 'newSince must be a UTC time like 2024-01-01 13:00:00' });
      const search = query.searchString?.toLowerCase();
      const matches = (a: StoredApplication) => {
        if (a.deleted || !inGroup(a.stage, a.stage === STAGES[0])) return false;
        if (query.jobId && String(a.jobId) !== query.jobId) return false;
        if (since !== null && a.createdAt < since) return false;
        if (!search) return true;
        const c = store.candidate.get(a.candidateId)!;
        return `${c.firstName} ${c.lastName}`.toLowerCase().includes(search) || (c.email ?? '').toLowerCase().includes(search);
      };
      const listed = store.applications.filter(matches);
      if (query.sortOrder === 'DESC') listed.reverse();
      const rows = listed.slice((page - 1) * pageSize, page * pageSize);
      const complete = page * pageSize >= listed.length;
      return sendJson(res, 200, {
        paginationComplete: complete,
        nextPageUrl: complete ? null : `${root}${url.pathname}?${new URLSearchParams({ ...query, page: String(page + 1) })}`,
        applications: rows.map(applicationRow),
      });
    }

    const one = /^\/applications\/(\d+)(\/comments)?$/.exec(path);
    if (one) {
      const a = store.application.get(Number(one[1]));
      if (!a || a.deleted) return sendJson(res, 404, { error: `No application ${one[1]}` });
      if (method === 'GET' && !one[2]) return sendJson(res, 200, applicationDetail(a));
      if (method === 'POST' && one[2]) {
        let body: { type?: string; comment?: string };
        try {
          body = JSON.parse(await readBody(req)) as typeof body;
        } catch {
          return sendJson(res, 400, { error: 'the body must be JSON' });
        }
        if (body.type !== 'comment' || !body.comment) return sendJson(res, 400, { error: 'type "comment" and a comment are required' });
        comments.push({ applicationExternalId: String(a.id), comment: body.comment });
        return sendJson(res, 200, { type: 'comment', commentId: comments.length });
      }
    }

    if (method === 'POST' && path === '/application') {
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.startsWith('multipart/form-data')) return sendJson(res, 400, { error: 'send multipart/form-data' });
      let fields: FormData;
      try {
        // The platform's own multipart parser (undici), so a malformed body is refused as BambooHR would.
        fields = await new Response(await readBody(req), { headers: { 'content-type': contentType } }).formData();
      } catch {
        return sendJson(res, 400, { error: 'the multipart body could not be read' });
      }
      const field = (name: string) => {
        const v = fields.get(name);
        return typeof v === 'string' && v.trim() ? v.trim() : null;
      };
      const firstName = field('firstName');
      const job = store.job.get(Number(field('jobId')));
      if (!firstName) return sendJson(res, 400, { error: 'firstName is required' });
      if (!job || job.deleted) return sendJson(res, 400, { error: `No job ${field('jobId') ?? ''}` });
      const source = field('source');
      const c = store.addCandidate([firstName, field('lastName')].filter(Boolean).join(' '), field('email'));
      const a = store.addApplication(c.id, job.id, STAGES[0], source);
      const reference = source ? REFERENCE_SOURCE.exec(source)?.[1] : undefined;
      if (reference)
        store.pushes.push({
          applicationExternalId: String(a.id),
          candidateExternalId: String(c.id),
          jobExternalId: String(job.id),
          reference,
        });
      if (lostAnswers > 0) {
        lostAnswers--;
        return sendJson(res, 502, { error: 'Bad gateway' });
      }
      return sendJson(
        res,
        200,
        opts.createAnswer === 'ids' ? { result: 'success', candidateId: c.id, applicationId: a.id } : { candidateId: c.id },
      );
    }
    return sendJson(res, 404, { error: 'Not found' });
  }

  const server = await listen(handle, opts.port);
  root = server.url;
  const sign = (body: string, at: Date, secret = webhookSecret) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return {
      'x-bamboohr-timestamp': timestamp,
      'x-bamboohr-signature': hmacSha256Hex(secret, `${body}${timestamp}`),
      'content-type': 'application/json',
    };
  };
  return {
    platform: 'bamboohr',
    url: server.url,
    config: { credentials: { companyDomain: DOMAIN, apiKey: API_KEY }, baseUrl: server.url },
    webhookSecret,
    ...store.controls(),
    comments: () => comments.map((c) => ({ ...c })),
    dropCreateAnswers: (times) => {
      lostAnswers = times;
    },
    stageChangeWebhook: () => {
      throw new Error('BambooHR sends no applicant-tracking webhooks (its webhooks cover employee fields only)');
    },
    signWebhook: (body, o = {}) => sign(body, o.at ?? new Date(), o.secret),
    close: () => server.close(),
  };
}
