// A fake of Ashby's RPC API (../shared/ATS-CONNECTORS.md, "Ashby"):
// - every call is `POST /<category.method>` with a JSON body, HTTP Basic with the key as user
//   (401 without a key or with an unknown one, 403 for a key lacking the endpoint's permission);
// - `job.list`, `candidate.list`, `application.list` take `{limit, cursor, syncToken}` and answer
//   `{success, results, moreDataAvailable, nextCursor, syncToken}`: the syncToken comes only on
//   the last page and stands for the moment the run began, so a run with it lists only what
//   changed since (the cursor carries the run, so later pages need not repeat the token);
// - refusals come with HTTP 200 as `{success:false, errors:[code], errorInfo:{code, message}}`,
//   including `incremental_sync_too_large` (past `incrementalPageLimit` pages of an incremental
//   run, or on demand via `refuseNextIncremental`) and `sync_token_invalid` / `invalid_next_cursor`;
// - pushes: `candidate.search`, `candidateTag.create`, `candidate.create`, `candidate.addTag`,
//   `candidate.createNote`, `application.create`, `application.info` (a pushed application's
//   reference is read from its candidate's `splits:<reference>` tag);
// - webhooks `{action, webhookActionId, data}` signed `Ashby-Signature: sha256=<hex>` over the body.
// Behaviour marked (unverified) is this fake's reading where Ashby's documentation is silent.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hmacSha256Hex } from '../../../activities/ats/http.js';
import { apiKeyOf, listen, readBody, sendJson } from '../http.js';
import { AtsStore, type StoredApplication, type StoredCandidate, type StoredJob } from './store.js';
import type { FakeAts } from './types.js';

const STAGES = ['Application Review', 'Recruiter Screen', 'Onsite', 'Offer', 'Hired'] as const;
const API_KEY = 'ashby-key';
/** A key that may list jobs but lacks `candidatesRead`: every other endpoint answers 403. */
export const ASHBY_READ_ONLY_KEY = 'ashby-no-candidates-permission';
/** The tag our connector gives a pushed candidate (`ashbyReferenceTag`). */
const REFERENCE_TAG = /^splits:(.+)$/;

export interface AshbyFake extends FakeAts {
  /** The next call that carries a syncToken is refused with HTTP 200 and this code (default `incremental_sync_too_large`). */
  refuseNextIncremental(code?: string): void;
}

interface RunState {
  pos: number;
  since: number;
  started: number;
  page: number;
}
type Body = Record<string, unknown>;
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function decode<T>(token: string, code: string): T {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw new Refusal(code, `could not decode ${code.includes('cursor') ? 'the cursor' : 'the syncToken'}`);
  }
}

export async function startAshbyFake(opts: { port?: number; incrementalPageLimit?: number } = {}): Promise<AshbyFake> {
  const store = new AtsStore(STAGES);
  const webhookSecret = `ashby_${randomBytes(12).toString('hex')}`;
  const tagsByTitle = new Map<string, { id: string; title: string; isArchived: boolean }>();
  const tagsOf = new Map<number, string[]>();
  let refusal: string | null = null;
  const iso = (ms: number) => new Date(ms).toISOString();

  const liveApplicationsOf = (candidateId: number) => store.applications.filter((a) => a.candidateId === candidateId && !a.deleted);
  const jobDto = (j: StoredJob) => ({
    id: String(j.id),
    title: j.title,
    status: j.status === 'open' ? 'Open' : j.status === 'draft' ? 'Draft' : 'Closed',
    updatedAt: iso(j.updatedAt),
  });
  const emailDto = (email: string | null) => (email ? { value: email, type: 'Personal', isPrimary: true } : null);
  const candidateDto = (c: StoredCandidate) => ({
    id: String(c.id),
    name: `${c.firstName} ${c.lastName}`.trim(),
    primaryEmailAddress: emailDto(c.email),
    emailAddresses: c.email ? [emailDto(c.email)] : [],
    tags: (tagsOf.get(c.id) ?? []).map((id) => [...tagsByTitle.values()].find((t) => t.id === id)!),
    applicationIds: liveApplicationsOf(c.id).map((a) => String(a.id)),
    updatedAt: iso(c.updatedAt),
  });
  const applicationDto = (a: StoredApplication) => {
    const c = store.candidate.get(a.candidateId)!;
    const job = store.job.get(a.jobId)!;
    return {
      id: String(a.id),
      createdAt: iso(a.createdAt),
      updatedAt: iso(a.updatedAt),
      status: a.status === 'hired' ? 'Hired' : a.status === 'rejected' ? 'Archived' : 'Active',
      candidate: { id: String(c.id), name: `${c.firstName} ${c.lastName}`.trim(), primaryEmailAddress: emailDto(c.email) },
      currentInterviewStage: {
        id: `stage-${STAGES.indexOf(a.stage as (typeof STAGES)[number])}`,
        title: a.stage,
        type: /hired/i.test(a.stage) ? 'Hired' : 'Active',
      },
      job: { id: String(job.id), title: job.title },
    };
  };

  const LISTS: Record<string, { rows: () => { updatedAt: number; deleted: boolean }[]; dto: (row: never) => unknown }> = {
    'job.list': { rows: () => store.jobs, dto: jobDto },
    'candidate.list': { rows: () => store.candidates, dto: candidateDto },
    'application.list': { rows: () => store.applications, dto: applicationDto },
  };

  function list(method: string, body: Body) {
    const { rows: all, dto } = LISTS[method]!;
    const limit = body.limit === undefined ? 100 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Refusal('invalid_input', 'limit must be an integer from 1 to 100');
    const cursor = str(body.cursor);
    const syncToken = str(body.syncToken);
    if (syncToken && refusal) {
      const code = refusal;
      refusal = null;
      throw new Refusal(code, 'the incremental sync cannot be served: drop the syncToken and sync fully');
    }
    let state: RunState;
    if (cursor) {
      state = decode<RunState>(cursor, 'invalid_next_cursor');
      if (typeof state.pos !== 'number' || typeof state.since !== 'number')
        throw new Refusal('invalid_next_cursor', 'the cursor is not one this endpoint handed out');
    } else {
      const since = syncToken ? decode<{ at?: unknown }>(syncToken, 'sync_token_invalid').at : 0;
      if (typeof since !== 'number') throw new Refusal('sync_token_invalid', 'the syncToken is not one this endpoint handed out');
      state = { pos: 0, since, started: store.tick(), page: 0 };
    }
    state = { ...state, page: state.page + 1 };
    if (state.since > 0 && opts.incrementalPageLimit !== undefined && state.page > opts.incrementalPageLimit) {
      throw new Refusal(
        'incremental_sync_too_large',
        `an incremental sync may read at most ${opts.incrementalPageLimit} pages: sync fully`,
      );
    }
    const rows = all();
    // A full run lists what exists; a run with a syncToken what changed since it was issued.
    const keep = (r: { updatedAt: number; deleted: boolean }) => !r.deleted && r.updatedAt >= state.since;
    const { rows: found, next } = AtsStore.page(rows, state.pos, limit, keep);
    let ahead = next;
    while (ahead < rows.length && !keep(rows[ahead]!)) ahead++;
    const more = ahead < rows.length;
    return {
      success: true,
      results: found.map((r) => dto(r as never)),
      moreDataAvailable: more,
      ...(more ? { nextCursor: encode({ ...state, pos: ahead }) } : { syncToken: encode({ at: state.started }) }),
    };
  }

  function candidateOf(body: Body) {
    const c = store.candidate.get(Number(body.candidateId));
    if (!c || c.deleted) throw new Refusal('candidate_not_found', `no candidate ${String(body.candidateId)}`);
    return c;
  }

  const RPC: Record<string, (body: Body) => unknown> = {
    'candidate.search': (body) => {
      const email = str(body.email)?.toLowerCase();
      const name = str(body.name)?.toLowerCase();
      if (!email && !name) throw new Refusal('invalid_input', 'give an email or a name to search by');
      const found = store.candidates.filter(
        (c) => !c.deleted && (email ? c.email?.toLowerCase() === email : `${c.firstName} ${c.lastName}`.trim().toLowerCase() === name),
      );
      return { success: true, results: found.map(candidateDto) };
    },
    'candidateTag.create': (body) => {
      const title = str(body.title);
      if (!title) throw new Refusal('invalid_input', 'title is required');
      // (unverified) a second tag of the same title is the first one.
      const tag = tagsByTitle.get(title) ?? { id: `tag-${tagsByTitle.size + 1}`, title, isArchived: false };
      tagsByTitle.set(title, tag);
      return { success: true, results: tag };
    },
    'candidate.create': (body) => {
      const name = str(body.name);
      if (!name) throw new Refusal('invalid_input', 'name is required');
      return { success: true, results: candidateDto(store.addCandidate(name, str(body.email) ?? null)) };
    },
    'candidate.addTag': (body) => {
      const c = candidateOf(body);
      const tag = [...tagsByTitle.values()].find((t) => t.id === body.tagId);
      if (!tag) throw new Refusal('tag_not_found', `no tag ${String(body.tagId)}`);
      tagsOf.set(c.id, [...new Set([...(tagsOf.get(c.id) ?? []), tag.id])]);
      c.updatedAt = store.tick();
      return { success: true, results: candidateDto(c) };
    },
    'candidate.createNote': (body) => {
      candidateOf(body);
      if (!str(body.note) && (typeof body.note !== 'object' || body.note === null)) throw new Refusal('invalid_input', 'note is required');
      return { success: true, results: { id: `note-${randomBytes(4).toString('hex')}`, createdAt: iso(Date.now()), content: body.note } };
    },
    'application.create': (body) => {
      const c = candidateOf(body);
      const job = store.job.get(Number(body.jobId));
      if (!job || job.deleted) throw new Refusal('job_not_found', `no job ${String(body.jobId)}`);
      // (unverified) one live application per candidate and job.
      if (liveApplicationsOf(c.id).some((a) => a.jobId === job.id))
        throw new Refusal('application_already_exists', 'the candidate already applied to this job');
      // The reference a push carries: the candidate's `splits:<reference>` tag not yet used by another pushed application.
      const used = new Set(store.pushes.filter((p) => p.candidateExternalId === String(c.id)).map((p) => p.reference));
      const reference =
        (tagsOf.get(c.id) ?? [])
          .map((id) => REFERENCE_TAG.exec([...tagsByTitle.values()].find((t) => t.id === id)!.title)?.[1])
          .find((r): r is string => r !== undefined && !used.has(r)) ?? null;
      const a = store.addApplication(c.id, job.id, STAGES[0], reference);
      if (reference)
        store.pushes.push({
          applicationExternalId: String(a.id),
          candidateExternalId: String(c.id),
          jobExternalId: String(job.id),
          reference,
        });
      return { success: true, results: applicationDto(a) };
    },
    'application.info': (body) => {
      const a = store.application.get(Number(body.applicationId ?? body.id));
      if (!a || a.deleted) throw new Refusal('application_not_found', `no application ${String(body.applicationId)}`);
      return { success: true, results: applicationDto(a) };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'POST';
    const raw = await readBody(req);
    let body: Body = {};
    try {
      body = raw ? (JSON.parse(raw) as Body) : {};
    } catch {
      return sendJson(res, 400, {
        success: false,
        errors: ['invalid_json'],
        errorInfo: { code: 'invalid_json', message: 'the body is not JSON' },
      });
    }
    // The request log's "query" of an RPC call is its JSON body (values as strings).
    store.log.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
    });
    const failure = store.failures.take(method, url.pathname);
    if (failure)
      return sendJson(res, failure.status, failure.body ?? { success: false, errors: [`injected_${failure.status}`] }, failure.headers);
    const refuse = (status: number, code: string, message: string) =>
      sendJson(res, status, { success: false, errors: [code], errorInfo: { code, message } });

    const key = apiKeyOf(req);
    if (!key) return refuse(401, 'unauthenticated', 'send your API key as the Basic auth username');
    if (key !== API_KEY && key !== ASHBY_READ_ONLY_KEY) return refuse(401, 'unauthenticated', 'invalid API key');
    const endpoint = url.pathname.slice(1);
    if (method !== 'POST') return refuse(405, 'method_not_allowed', 'every endpoint is a POST');
    const run = LISTS[endpoint] ? (b: Body) => list(endpoint, b) : RPC[endpoint];
    if (!run) return refuse(404, 'endpoint_not_found', `no endpoint ${endpoint}`);
    if (key === ASHBY_READ_ONLY_KEY && endpoint !== 'job.list')
      return refuse(403, 'missing_endpoint_permission', `the API key lacks the permission for ${endpoint}`);
    try {
      return sendJson(res, 200, run(body));
    } catch (err) {
      if (err instanceof Refusal) return refuse(err.status, err.code, err.message);
      throw err;
    }
  }

  const server = await listen(handle, opts.port);
  const sign = (body: string, secret = webhookSecret) => ({
    'ashby-signature': `sha256=${hmacSha256Hex(secret, body)}`,
    'content-type': 'application/json',
  });
  return {
    platform: 'ashby',
    url: server.url,
    config: { credentials: { apiKey: API_KEY }, baseUrl: server.url },
    webhookSecret,
    ...store.controls(),
    refuseNextIncremental: (code = 'incremental_sync_too_large') => {
      refusal = code;
    },
    // Ashby's deliveries carry no time: `at` has nothing to set.
    stageChangeWebhook: (id, o = {}) => {
      const body = JSON.stringify({
        action: 'candidateStageChange',
        webhookActionId: o.deliveryId ?? randomBytes(8).toString('hex'),
        data: { application: applicationDto(store.get(id)) },
      });
      return { body, headers: sign(body) };
    },
    // Ashby webhooks, candidateDelete: the deleted candidate (payload beyond its id unconfirmed).
    deletionWebhook: (id, o = {}) => {
      const candidateId = String(store.get(id).candidateId);
      store.controls().deleteCandidate(candidateId);
      const body = JSON.stringify({
        action: 'candidateDelete',
        webhookActionId: o.deliveryId ?? randomBytes(8).toString('hex'),
        data: { candidate: { id: candidateId } },
      });
      return { body, headers: sign(body) };
    },
    signWebhook: (body, o = {}) => sign(body, o.secret),
    close: () => server.close(),
  };
}
