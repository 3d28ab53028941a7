// A fake of Greenhouse Harvest v3, each behaviour after the published docs:
// - tokens: POST /token, Basic client_id:client_secret, form grant_type=client_credentials&sub=<user id>
//   (harvestdocs.greenhouse.io/docs/authentication, "Step 2: Generate an access token"), 1 h lifetime
//   (docs/harvest-partner-oauth, "Key Token Lifetimes"). The lifetime field is not in the guide: clients in
//   the wild read `expires_at`, OAuth 2.0 (RFC 6749 §5.1) says `expires_in`: `tokenForm` serves either.
// - lists: `per_page` 1–500 and filters on the first request only; later pages carry the Link rel="next"
//   cursor as the ONLY parameter (docs/pagination; docs/list-endpoints, "Available filters": cursor, per_page,
//   ids, parent resource ids such as candidate_ids / job_ids, created_at / updated_at with gte|lte|gt|lt,
//   status). A filter the platform does not know is IGNORED (it answers unfiltered), as a real server does.
// - applications: `stage_id` and `status` in_process | rejected | hired | converted; `stageForm` serves the
//   stage name beside the id (`stage_name`) or the id alone, to resolve through GET /v3/job_stages?job_ids=
//   (field and endpoint names unconfirmed: the v3 reference pages could not be read).
// - 429 without rate-limit headers; 422 {message, errors:[{message, field}]} validation errors.
// - web hooks (developers.greenhouse.io/webhooks.html): `Signature: sha256 <hex HMAC-SHA256 of the body>`, a
//   `Greenhouse-Event-ID` per delivery, application payloads with `current_stage` and `last_activity_at` but
//   no `updated_at` / `previous_stage`; "Candidate deleted": payload.person.id + deleted_application_ids.
// Records live in arrays ordered by id, so paging 300,000 applications stays linear.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hmacSha256Hex } from '../../../activities/ats/http.js';
import { FailureQueue, listen, readBody, sendJson, type FailureMatch } from '../http.js';
import type { FakeAts } from './types.js';

interface Failure extends FailureMatch {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Job {
  id: number;
  name: string;
  status: 'open' | 'closed' | 'draft';
  updated_at: string;
  deleted: boolean;
}
interface Candidate {
  id: number;
  first_name: string;
  last_name: string;
  email_addresses: { value: string; type: string }[];
  tags: string[];
  updated_at: string;
  deleted: boolean;
}
interface Application {
  id: number;
  candidate_id: number;
  job_id: number;
  status: 'in_process' | 'rejected' | 'hired';
  stage: string;
  stage_history: { from: string | null; to: string; at: string; by: string | null }[];
  applied_at: string;
  updated_at: string;
  deleted: boolean;
}

export interface GreenhouseFakeOptions {
  port?: number;
  perPageMax?: number;
  /** How the token response names its lifetime (default expires_at). */
  tokenForm?: 'expires_at' | 'expires_in';
  /** Whether applications name their stage beside its id (default), or give the id alone. */
  stageForm?: 'named' | 'id_only';
}

const STAGES = ['Application Review', 'Recruiter Screen', 'Technical Interview', 'Onsite', 'Offer'] as const;
const CLIENT = { clientId: 'gh-client', clientSecret: 'gh-secret', userId: '4080' };

export async function startGreenhouseFake(opts: GreenhouseFakeOptions = {}): Promise<FakeAts> {
  const perPageMax = opts.perPageMax ?? 500;
  const webhookSecret = `gh_whsec_${randomBytes(12).toString('hex')}`;
  const jobs: Job[] = [];
  const candidates: Candidate[] = [];
  const applications: Application[] = [];
  const byId = { job: new Map<number, Job>(), candidate: new Map<number, Candidate>(), application: new Map<number, Application>() };
  const tokens = new Map<string, number>();
  const failures = new FailureQueue<Failure>();
  const log: { method: string; path: string; query: Record<string, string> }[] = [];
  const pushes: { applicationExternalId: string; candidateExternalId: string; jobExternalId: string; reference: string }[] = [];
  let nextId = 1000;
  // Change times never go backwards (and never run ahead of the wall clock, which checkpoints come from).
  let clock = 0;
  const tick = () => new Date((clock = Math.max(clock, Date.now()))).toISOString();

  // Every job has its own interview plan: stage ids differ per job.
  const stageId = (jobId: number, name: string) => jobId * 100 + Math.max(0, STAGES.indexOf(name as (typeof STAGES)[number]));
  const jobDto = (j: Job) => ({ id: j.id, name: j.name, status: j.status, updated_at: j.updated_at });
  const candidateDto = (c: Candidate) => ({
    id: c.id,
    first_name: c.first_name,
    last_name: c.last_name,
    email_addresses: c.email_addresses,
    tags: c.tags,
    updated_at: c.updated_at,
  });
  const applicationDto = (a: Application) => ({
    id: a.id,
    candidate_id: a.candidate_id,
    job_id: a.job_id,
    status: a.status,
    stage_id: stageId(a.job_id, a.stage),
    ...(opts.stageForm !== 'id_only' && { stage_name: a.stage }),
    applied_at: a.applied_at,
    last_activity_at: a.updated_at,
    updated_at: a.updated_at,
  });
  const LISTS = {
    jobs: { rows: jobs as { id: number; updated_at: string; deleted: boolean }[], dto: jobDto as (r: never) => unknown },
    candidates: { rows: candidates, dto: candidateDto as (r: never) => unknown },
    applications: { rows: applications, dto: applicationDto as (r: never) => unknown },
  };

  const ids = (v: string | undefined) => (v === undefined ? null : v.split(',').map(Number));
  type ListState = {
    list: string;
    pos: number;
    since: string | null;
    perPage: number;
    tag: string | null;
    candidateIds: number[] | null;
    jobIds: number[] | null;
  };
  function cursorOf(state: ListState) {
    return Buffer.from(JSON.stringify(state)).toString('base64url');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    log.push({ method: req.method ?? 'GET', path: url.pathname, query });
    const failure = failures.take(req.method ?? 'GET', url.pathname);
    if (failure) return sendJson(res, failure.status, failure.body ?? { message: `injected ${failure.status}` }, failure.headers);

    // harvestdocs.greenhouse.io/docs/authentication, "Step 2: Generate an access token".
    if (req.method === 'POST' && url.pathname === '/token') {
      const [scheme, value] = (req.headers.authorization ?? '').split(' ');
      const [id, secret] = Buffer.from(value ?? '', 'base64')
        .toString()
        .split(':');
      const form = new URLSearchParams(await readBody(req));
      if (scheme !== 'Basic' || id !== CLIENT.clientId || secret !== CLIENT.clientSecret)
        return sendJson(res, 401, { error: 'invalid_client' });
      if (form.get('grant_type') !== 'client_credentials' || form.get('sub') !== CLIENT.userId)
        return sendJson(res, 400, { error: 'invalid_request' });
      const token = randomBytes(16).toString('hex');
      const until = Date.now() + 3_600_000;
      tokens.set(token, until);
      const lifetime = opts.tokenForm === 'expires_in' ? { expires_in: 3600 } : { expires_at: new Date(until).toISOString() };
      return sendJson(res, 200, { access_token: token, token_type: 'Bearer', ...lifetime });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || (tokens.get(bearer) ?? 0) < Date.now()) return sendJson(res, 401, { message: 'Unauthorized' });

    // docs/list-endpoints ("Available filters") and docs/pagination: filters on the first request, then the cursor alone.
    const list = /^\/v3\/(jobs|candidates|applications)$/.exec(url.pathname)?.[1] as keyof typeof LISTS | undefined;
    if (req.method === 'GET' && list) {
      let state: ListState;
      if (query.cursor !== undefined) {
        // Greenhouse v3: a follow-up request carries the cursor and nothing else.
        if (Object.keys(query).length !== 1) return sendJson(res, 400, { message: 'cursor must be the only query parameter' });
        try {
          state = JSON.parse(Buffer.from(query.cursor, 'base64url').toString());
        } catch {
          return sendJson(res, 400, { message: 'invalid cursor' });
        }
        if (state.list !== list) return sendJson(res, 400, { message: 'cursor belongs to another list' });
      } else {
        const perPage = Number(query.per_page ?? 100);
        if (!Number.isInteger(perPage) || perPage < 1 || perPage > perPageMax)
          return sendJson(res, 422, { message: 'Validation error', errors: [{ field: 'per_page', message: `1 to ${perPageMax}` }] });
        const filter = query.updated_at;
        if (filter !== undefined && !/^gte\|.+/.test(filter))
          return sendJson(res, 422, { message: 'Validation error', errors: [{ field: 'updated_at', message: 'gte|<ISO 8601>' }] });
        // Only the filters this list knows; any other parameter (e.g. a singular candidate_id) is ignored.
        state = {
          list,
          pos: 0,
          since: filter ? filter.slice(4) : null,
          perPage,
          tag: list === 'candidates' ? (query.tag ?? null) : null,
          candidateIds: list === 'applications' ? ids(query.candidate_ids) : null,
          jobIds: list === 'applications' ? ids(query.job_ids) : null,
        };
      }
      const rows = LISTS[list].rows;
      const page: unknown[] = [];
      let pos = state.pos;
      for (; pos < rows.length && page.length < state.perPage; pos++) {
        const r = rows[pos]!;
        if (r.deleted || (state.since && r.updated_at < state.since)) continue;
        if (state.tag && !(r as Candidate).tags?.includes(state.tag)) continue;
        if (state.candidateIds && !state.candidateIds.includes((r as Application).candidate_id)) continue;
        if (state.jobIds && !state.jobIds.includes((r as Application).job_id)) continue;
        page.push(LISTS[list].dto(r as never));
      }
      // More rows to look at: a next link (a page may come back short when the filter skips rows).
      const headers: Record<string, string> =
        pos < rows.length ? { Link: `<http://${req.headers.host}${url.pathname}?cursor=${cursorOf({ ...state, pos })}>; rel="next"` } : {};
      return sendJson(res, 200, page, headers);
    }

    // A job's interview stages (endpoint name unconfirmed: see docs/ats-connectors.md).
    if (req.method === 'GET' && url.pathname === '/v3/job_stages') {
      const jobIds = ids(query.job_ids);
      const shown = jobs.filter((j) => !jobIds || jobIds.includes(j.id));
      return sendJson(
        res,
        200,
        shown.flatMap((j) => STAGES.map((name, priority) => ({ id: stageId(j.id, name), name, job_id: j.id, priority }))),
      );
    }

    if (req.method === 'POST' && url.pathname === '/v3/candidates') {
      const body = JSON.parse((await readBody(req)) || '{}');
      if (!body.first_name)
        return sendJson(res, 422, { message: 'Validation error', errors: [{ field: 'first_name', message: 'is required' }] });
      const c = addCandidateRow(body.first_name, body.last_name ?? '', body.email_addresses?.[0]?.value ?? null, body.tags ?? []);
      return sendJson(res, 201, candidateDto(c));
    }
    if (req.method === 'POST' && url.pathname === '/v3/applications') {
      const body = JSON.parse((await readBody(req)) || '{}');
      const job = byId.job.get(Number(body.job_id));
      const candidate = byId.candidate.get(Number(body.candidate_id));
      if (!job || job.deleted)
        return sendJson(res, 422, { message: 'Validation error', errors: [{ field: 'job_id', message: 'job not found' }] });
      if (!candidate)
        return sendJson(res, 422, { message: 'Validation error', errors: [{ field: 'candidate_id', message: 'candidate not found' }] });
      const a = addApplicationRow(candidate.id, job.id, STAGES[0]);
      const reference = candidate.tags.find((t) => t.startsWith('splits:'))?.slice(7) ?? '';
      pushes.push({
        applicationExternalId: String(a.id),
        candidateExternalId: String(candidate.id),
        jobExternalId: String(job.id),
        reference,
      });
      return sendJson(res, 201, applicationDto(a));
    }
    return sendJson(res, 404, { message: 'Not found' });
  }

  function addCandidateRow(first: string, last: string, email: string | null, tags: string[] = []): Candidate {
    const c: Candidate = {
      id: nextId++,
      first_name: first,
      last_name: last,
      email_addresses: email ? [{ value: email, type: 'personal' }] : [],
      tags,
      updated_at: tick(),
      deleted: false,
    };
    candidates.push(c);
    byId.candidate.set(c.id, c);
    return c;
  }
  function addApplicationRow(candidateId: number, jobId: number, stage: string): Application {
    const at = tick();
    const a: Application = {
      id: nextId++,
      candidate_id: candidateId,
      job_id: jobId,
      status: 'in_process',
      stage,
      stage_history: [{ from: null, to: stage, at, by: null }],
      applied_at: at,
      updated_at: at,
      deleted: false,
    };
    applications.push(a);
    byId.application.set(a.id, a);
    return a;
  }
  const application = (id: string) => {
    const a = byId.application.get(Number(id));
    if (!a) throw new Error(`no application ${id}`);
    return a;
  };

  const server = await listen(handle, opts.port);
  const sign = (body: string, secret = webhookSecret) => `sha256 ${hmacSha256Hex(secret, body)}`;

  return {
    platform: 'greenhouse',
    url: server.url,
    config: { credentials: { ...CLIENT }, baseUrl: server.url, authUrl: server.url },
    webhookSecret,
    stages: STAGES,
    addJob: ({ title, status = 'open' }) => {
      const j: Job = { id: nextId++, name: title, status, updated_at: tick(), deleted: false };
      jobs.push(j);
      byId.job.set(j.id, j);
      return String(j.id);
    },
    addCandidate: ({ fullName, email = null }) => {
      const [first, ...rest] = fullName.split(' ');
      return String(addCandidateRow(first ?? fullName, rest.join(' '), email).id);
    },
    addApplication: ({ candidateExternalId, jobExternalId, stage = STAGES[0] }) =>
      String(addApplicationRow(Number(candidateExternalId), Number(jobExternalId), stage).id),
    moveApplication: (id, stage, actor = null as unknown as string) => {
      const a = application(id);
      const at = tick();
      a.stage_history.push({ from: a.stage, to: stage, at, by: actor ?? null });
      a.stage = stage;
      a.updated_at = at;
    },
    updateCandidate: (id, patch) => {
      const c = byId.candidate.get(Number(id))!;
      if (patch.fullName) [c.first_name, c.last_name] = [patch.fullName.split(' ')[0]!, patch.fullName.split(' ').slice(1).join(' ')];
      if (patch.email !== undefined) c.email_addresses = patch.email ? [{ value: patch.email, type: 'personal' }] : [];
      c.updated_at = tick();
    },
    deleteApplication: (id) => {
      const a = application(id);
      a.deleted = true;
      a.updated_at = tick();
    },
    deleteCandidate: (id) => {
      const c = byId.candidate.get(Number(id))!;
      c.deleted = true;
      c.updated_at = tick();
      for (const a of applications) if (a.candidate_id === c.id) a.deleted = true;
    },
    seedBulk: ({ jobs: jobCount, candidates: candidateCount, applicationsPerCandidate, ageMs = 0 }) => {
      const from = candidates.length;
      const fromApps = applications.length;
      const fromJobs = jobs.length;
      const jobIds = Array.from({ length: jobCount }, (_, i) => {
        const j: Job = { id: nextId++, name: `Bulk job ${i}`, status: 'open', updated_at: tick(), deleted: false };
        jobs.push(j);
        byId.job.set(j.id, j);
        return j.id;
      });
      for (let i = 0; i < candidateCount; i++) {
        const c = addCandidateRow(`Bulk${i}`, `Candidate`, `bulk${i}@example.com`);
        for (let k = 0; k < applicationsPerCandidate; k++) addApplicationRow(c.id, jobIds[(i + k) % jobCount]!, STAGES[k % 2]!);
      }
      if (ageMs > 0) {
        const past = new Date(Date.now() - ageMs).toISOString();
        for (const rows of [jobs.slice(fromJobs), candidates.slice(from), applications.slice(fromApps)])
          for (const r of rows) r.updated_at = past;
      }
    },
    touch: (fraction) => {
      const every = Math.max(1, Math.round(1 / fraction));
      for (let i = 0; i < applications.length; i += every) {
        const a = applications[i]!;
        const next = STAGES[(STAGES.indexOf(a.stage as (typeof STAGES)[number]) + 1) % STAGES.length]!;
        const at = tick();
        a.stage_history.push({ from: a.stage, to: next, at, by: 'bulk' });
        a.stage = next;
        a.updated_at = at;
      }
      // Keep the arrays ordered by id: touched rows stay where they are; filters find them by time.
    },
    stageChangeWebhook: (id, o = {}) => {
      const a = application(id);
      // Web hooks, "Candidate has changed stage": the application with its current stage and activity time.
      const body = JSON.stringify({
        action: 'candidate_stage_change',
        payload: {
          application: {
            id: a.id,
            candidate: { id: a.candidate_id },
            jobs: [{ id: a.job_id }],
            status: a.status === 'in_process' ? 'active' : a.status,
            current_stage: { id: stageId(a.job_id, a.stage), name: a.stage },
            applied_at: a.applied_at,
            last_activity_at: (o.at ?? new Date(a.updated_at)).toISOString(),
          },
        },
      });
      return { body, headers: { signature: sign(body), 'greenhouse-event-id': o.deliveryId ?? randomBytes(8).toString('hex') } };
    },
    deletionWebhook: (id, o = {}) => {
      const c = byId.candidate.get(application(id).candidate_id)!;
      const deleted = applications.filter((a) => a.candidate_id === c.id && !a.deleted);
      c.deleted = true;
      for (const a of deleted) a.deleted = true;
      // Web hooks, "Candidate deleted": the person, with the applications deleted along with it.
      const body = JSON.stringify({
        action: 'delete_candidate',
        payload: {
          person: { id: c.id, first_name: c.first_name, last_name: c.last_name, deleted_application_ids: deleted.map((a) => a.id) },
        },
      });
      return { body, headers: { signature: sign(body), 'greenhouse-event-id': o.deliveryId ?? randomBytes(8).toString('hex') } };
    },
    signWebhook: (body, o = {}) => ({
      signature: sign(body, o.secret),
      'greenhouse-event-id': o.deliveryId ?? randomBytes(8).toString('hex'),
    }),
    pushed: () => pushes.map((p) => ({ ...p })),
    injectFailure: (f) => failures.add(f),
    requests: () => log.map((r) => ({ ...r, query: { ...r.query } })),
    close: () => server.close(),
  };
}
