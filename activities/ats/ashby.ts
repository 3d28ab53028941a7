import { createHash } from 'node:crypto';
import { atsFetch, basicAuth, hmacSha256Hex, sameHex } from './http.js';
import {
  AtsAuthError,
  AtsRateLimitError,
  AtsRequestError,
  AtsResyncRequiredError,
  type AtsConnector,
  type CanonicalApplication,
  type CanonicalCandidate,
  type CanonicalEvent,
  type CanonicalEventType,
  type CanonicalJob,
  type ConnectorConfig,
  type ListRequest,
  type Page,
} from './types.js';

interface AshbyApplication {
  id: string;
  status: string;
  updatedAt?: string;
  candidate: { id: string };
  job: { id: string } | null;
  currentInterviewStage: { title: string } | null;
}
interface AshbyCandidate {
  id: string;
  name: string;
  primaryEmailAddress: { value: string } | null;
  updatedAt?: string;
  tags?: (string | { id: string; title: string })[];
  applicationIds?: string[];
}
interface AshbyJob {
  id: string;
  title: string;
  status: string;
  updatedAt?: string;
}
type AshbyError = string | { code?: string; message?: string };
interface AshbyResponse<T> {
  success: boolean;
  results: T;
  errors?: AshbyError[];
  errorInfo?: { code?: string; message?: string };
  moreDataAvailable?: boolean;
  nextCursor?: string | null;
  syncToken?: string | null;
}

/**
 * Only a syncToken Ashby handed out filters. A time (the ingestion's fallback checkpoint when
 * a run got no token) is no filter Ashby knows: such a run lists fully.
 */
const TIME_CHECKPOINT = /^\d{4}-\d{2}-\d{2}(T|$)/;
/** Errors after which Ashby's guide says: drop the syncToken and sync fully. */
const RESYNC = new Set(['incremental_sync_too_large', 'sync_token_expired', 'sync_token_invalid']);
/** The run's cursor is no longer usable: the run has to start again from its first page. */
const CURSOR_GONE = new Set(['next_cursor_expired', 'invalid_next_cursor', 'cursor_invalid']);
const AUTH = /missing_endpoint_permission|permission|api_key|apikey|unauthori[sz]ed|unauthenticated|forbidden/i;
const TRANSIENT = /timeout|timed_out|internal|unavailable|try_again|temporar/i;
const THROTTLED = /rate_limit|too_many_requests/i;

const WEBHOOK_ACTIONS: Record<string, CanonicalEventType> = {
  applicationSubmit: 'application.created',
  applicationUpdate: 'application.updated',
  candidateStageChange: 'application.stage_changed',
  candidateHire: 'application.hired',
  candidateDelete: 'candidate.deleted',
  candidateMerge: 'candidate.merged',
  jobCreate: 'job.updated',
  jobUpdate: 'job.updated',
};

/** How a pushed candidate carries our reference in Ashby: a candidate tag of this title. */
export const ashbyReferenceTag = (reference: string) => `splits:${reference}`;

const tagTitles = (c: AshbyCandidate) => (c.tags ?? []).map((t) => (typeof t === 'string' ? t : t.title));

const applicationStatus = (status: string): CanonicalApplication['status'] =>
  status === 'Hired' ? 'hired' : status === 'Archived' ? 'rejected' : 'active';

/**
 * Ashby: RPC `POST /<category.method>` with HTTP Basic (key as user, empty password). Lists
 * page by `nextCursor`; only the last page hands out a `syncToken`, the next incremental
 * run's filter, which is sent on every page of that run. Failures often arrive with HTTP 200
 * as `{success:false, errors}`: `incremental_sync_too_large` / `sync_token_expired` mean
 * "sync fully" (AtsResyncRequiredError). Pushes tag the candidate with our reference, so a
 * retried push finds what the first one created. Webhooks: `Ashby-Signature: sha256=<hex>`.
 */
export function createAshbyConnector(config: ConnectorConfig): AtsConnector {
  const base = (config.baseUrl ?? 'https://api.ashbyhq.com').replace(/\/$/, '');
  const headers = {
    authorization: basicAuth(config.credentials.apiKey ?? ''),
    'content-type': 'application/json',
    accept: 'application/json; version=1',
  };

  async function rpc<T>(method: string, body: Record<string, unknown>): Promise<AshbyResponse<T>> {
    let res: Response;
    try {
      res = await atsFetch('ashby', `${base}/${method}`, { method: 'POST', headers, body: JSON.stringify(body), fetch: config.fetch });
    } catch (err) {
      // Should Ashby send a refused sync token with a 4xx status, it still means "sync fully".
      if (err instanceof AtsRequestError && [...RESYNC].some((code) => err.message.includes(code)))
        throw new AtsResyncRequiredError(err.message);
      throw err;
    }
    let parsed: AshbyResponse<T>;
    try {
      parsed = (await res.json()) as AshbyResponse<T>;
    } catch (err) {
      throw new AtsRequestError(`ashby: ${method} answered ${res.status} with a body that is not JSON: ${String(err)}`, res.status, false);
    }
    if (parsed.success === true) return parsed;
    throw refusal(method, parsed, res.status);
  }

  /** The error a `{success:false}` answer (HTTP 200 included) stands for. */
  function refusal(method: string, res: AshbyResponse<unknown>, status: number): Error {
    const codes = [res.errorInfo?.code, ...(res.errors ?? []).map((e) => (typeof e === 'string' ? e : (e.code ?? e.message)))].filter(
      (c): c is string => typeof c === 'string' && c.length > 0,
    );
    const message = `ashby: ${method} failed: ${[...new Set(codes)].join(', ') || 'no error given'}${res.errorInfo?.message ? ` (${res.errorInfo.message})` : ''}`;
    if (codes.some((c) => RESYNC.has(c))) return new AtsResyncRequiredError(message);
    if (codes.some((c) => CURSOR_GONE.has(c)))
      return new AtsRequestError(`${message}: the run must start again from its first page`, status, true);
    if (codes.some((c) => AUTH.test(c))) return new AtsAuthError(message, codes.some((c) => /permission|forbidden/i.test(c)) ? 403 : 401);
    if (codes.some((c) => THROTTLED.test(c))) return new AtsRateLimitError(message, null);
    // A refusal that names no code is not known to repeat: leave it retryable.
    return new AtsRequestError(message, status, codes.length > 0 && !codes.some((c) => TRANSIENT.test(c)));
  }

  async function list<T, C>(method: string, req: ListRequest, map: (row: T) => C): Promise<Page<C>> {
    const syncToken = req.checkpoint && !TIME_CHECKPOINT.test(req.checkpoint) ? req.checkpoint : null;
    const res = await rpc<T[]>(method, {
      limit: Math.max(1, Math.min(100, req.pageSize)),
      ...(syncToken && { syncToken }),
      ...(req.cursor && { cursor: req.cursor }),
    });
    if (!Array.isArray(res.results)) throw new AtsRequestError(`ashby: ${method} answered without a results list`, 200, false);
    if (res.moreDataAvailable) {
      // Never end a run early (or loop on one page): a next page must come with a new cursor.
      if (!res.nextCursor || res.nextCursor === req.cursor)
        throw new AtsRequestError(`ashby: ${method} has more data but gave no new cursor`, 200, false);
      return { items: res.results.map(map), nextCursor: res.nextCursor };
    }
    return { items: res.results.map(map), nextCursor: null, platformCheckpoint: res.syncToken ?? null };
  }

  const application = (a: AshbyApplication): CanonicalApplication => ({
    externalId: a.id,
    candidateExternalId: a.candidate.id,
    jobExternalId: a.job?.id ?? null,
    stage: a.currentInterviewStage?.title ?? a.status,
    status: applicationStatus(a.status),
    stageHistory: [],
    updatedAt: a.updatedAt ?? null,
    deleted: false,
    raw: a,
  });

  return {
    platform: 'ashby',
    capabilities: {
      incremental: { jobs: 'updated_since', candidates: 'updated_since', applications: 'updated_since' },
      webhooks: true,
      push: true,
    },

    /** One tiny read per list the sync needs, so a key lacking a permission is refused when connecting, not on the first sync. */
    async testConnection() {
      for (const method of ['job.list', 'candidate.list', 'application.list']) await rpc(method, { limit: 1 });
    },

    listJobs: (req) =>
      list('job.list', req, (j: AshbyJob): CanonicalJob => ({
        externalId: j.id,
        title: j.title,
        status: j.status === 'Open' ? 'open' : j.status === 'Draft' ? 'draft' : 'closed',
        updatedAt: j.updatedAt ?? null,
        deleted: false,
        raw: j,
      })),

    listCandidates: (req) =>
      list('candidate.list', req, (c: AshbyCandidate): CanonicalCandidate => ({
        externalId: c.id,
        fullName: c.name,
        email: c.primaryEmailAddress?.value ?? null,
        updatedAt: c.updatedAt ?? null,
        deleted: false,
        raw: c,
      })),

    listApplications: (req) => list('application.list', req, application),

    /**
     * Idempotent on the reference: the candidate carries the tag `splits:<reference>`, so a retry
     * finds it (`candidate.search` by email, else by name) and returns its application for the
     * job, or creates only what is missing. A person Ashby already knows by that email is
     * reused rather than duplicated (which also covers a push that died before tagging).
     */
    async pushApplication(input) {
      const tag = ashbyReferenceTag(input.reference);
      const email = input.candidate.email?.trim() || null;
      const found = (await rpc<AshbyCandidate[]>('candidate.search', email ? { email } : { name: input.candidate.fullName })).results;
      const tagged = found.find((c) => tagTitles(c).includes(tag));
      if (tagged) {
        for (const applicationId of tagged.applicationIds ?? []) {
          const app = (await rpc<AshbyApplication>('application.info', { applicationId })).results;
          if (app.job?.id === input.jobExternalId) return { applicationExternalId: app.id, candidateExternalId: tagged.id };
        }
      }
      let candidate = tagged ?? (email ? found.find((c) => c.primaryEmailAddress?.value.toLowerCase() === email.toLowerCase()) : undefined);
      if (!candidate)
        candidate = (await rpc<AshbyCandidate>('candidate.create', { name: input.candidate.fullName, ...(email && { email }) })).results;
      if (!tagged) {
        const tagId = (await rpc<{ id: string }>('candidateTag.create', { title: tag })).results.id;
        await rpc('candidate.addTag', { candidateId: candidate.id, tagId });
        if (input.note.trim()) await rpc('candidate.createNote', { candidateId: candidate.id, note: input.note, sendNotifications: false });
      }
      const app = (await rpc<AshbyApplication>('application.create', { candidateId: candidate.id, jobId: input.jobExternalId })).results;
      return { applicationExternalId: app.id, candidateExternalId: candidate.id };
    },

    verifyWebhook({ rawBody, headers: h, secret }) {
      const signature = h['ashby-signature']?.trim();
      if (!signature) return { ok: false, reason: 'missing_signature' };
      const digest = /^sha256=([0-9a-f]+)$/i.exec(signature)?.[1] ?? '';
      // Ashby's deliveries carry no timestamp, so none is ever stale.
      return sameHex(digest, hmacSha256Hex(secret, rawBody)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
    },

    parseWebhook(rawBody) {
      const body = JSON.parse(rawBody.toString('utf8')) as {
        action?: string;
        webhookActionId?: string;
        data?: { application?: AshbyApplication; candidate?: { id: string }; job?: { id: string } };
      };
      const base = body.action ? WEBHOOK_ACTIONS[body.action] : undefined;
      if (!base) return []; // ping and actions we do not follow
      const app = body.data?.application;
      // An update that archives or hires says more than "updated".
      const eventType: CanonicalEventType =
        base === 'application.updated' && app
          ? ({ hired: 'application.hired', rejected: 'application.rejected', active: base } as const)[applicationStatus(app.status)]
          : base;
      const event: CanonicalEvent = {
        eventType,
        providerEventId: body.webhookActionId ?? createHash('sha256').update(rawBody).digest('hex'),
        provider: 'ashby',
        candidateExternalId: app?.candidate.id ?? body.data?.candidate?.id ?? null,
        applicationExternalId: app?.id ?? null,
        jobExternalId: app?.job?.id ?? body.data?.job?.id ?? null,
        stageFrom: null, // Ashby reports the stage an application is in, not the one it left
        stageTo: app?.currentInterviewStage?.title ?? null,
        actor: null,
        timestamp: app?.updatedAt ?? new Date().toISOString(),
        metadata: { action: body.action, ...(app && { status: app.status }) },
      };
      return [event];
    },
  };
}
