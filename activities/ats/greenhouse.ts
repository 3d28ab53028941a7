import { createHash } from 'node:crypto';
import { atsFetch, basicAuth, hmacSha256Hex, sameHex } from './http.js';
import {
  AtsAuthError,
  AtsRequestError,
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

interface GhJob {
  id: number;
  name: string;
  status: string;
  updated_at: string | null;
}
interface GhCandidate {
  id: number;
  first_name: string | null;
  last_name: string | null;
  email_addresses?: { value: string }[];
  tags?: string[];
  updated_at: string | null;
}
/**
 * A v3 application: the stage as `stage_id` (+ `stage_name` when given, else resolved through the
 * job's stages), `status` one of in_process | rejected | hired | converted. `current_stage` is the
 * v1 shape, still read when present.
 */
interface GhApplication {
  id: number;
  candidate_id: number;
  job_id: number | null;
  status: string;
  stage_id?: number | null;
  stage_name?: string | null;
  current_stage?: { id?: number; name: string } | null;
  last_activity_at?: string | null;
  updated_at?: string | null;
}
interface GhJobStage {
  id: number;
  name: string;
  job_id?: number | null;
}
/** The application part of a webhook payload (Greenhouse web hooks: no `updated_at` / `previous_stage`). */
interface GhWebhookApplication {
  id?: number;
  candidate?: { id: number };
  candidate_id?: number;
  jobs?: { id: number }[];
  job_id?: number;
  status?: string;
  current_stage?: { id?: number; name: string } | null;
  stage_id?: number | null;
  stage_name?: string | null;
  last_activity_at?: string | null;
  rejected_at?: string | null;
  applied_at?: string | null;
}

const WEBHOOK_ACTIONS: Record<string, CanonicalEventType> = {
  candidate_stage_change: 'application.stage_changed',
  application_updated: 'application.updated',
  hire_candidate: 'application.hired',
  reject_candidate: 'application.rejected',
  delete_application: 'application.deleted',
  delete_candidate: 'candidate.deleted',
  merge_candidate: 'candidate.merged',
};

/** A token is renewed this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;
/** Harvest v3 access tokens live 1 h (Authentication guide); used when a response names no lifetime. */
const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;

/**
 * When a token expires: `expires_at` (an ISO time, or epoch seconds / milliseconds) as clients of
 * Harvest v3 read it, else `expires_in` seconds, else the documented hour.
 */
function tokenExpiry(body: { expires_at?: string | number; expires_in?: number }, now: number): number {
  if (body.expires_at !== undefined) {
    const n = Number(body.expires_at);
    const at = Number.isFinite(n) ? (n >= 1e12 ? n : n * 1000) : Date.parse(String(body.expires_at));
    if (Number.isFinite(at)) return at;
  }
  if (typeof body.expires_in === 'number' && Number.isFinite(body.expires_in)) return now + body.expires_in * 1000;
  return now + DEFAULT_TOKEN_LIFETIME_MS;
}

/** v3 statuses: in_process | rejected | hired | converted (a prospect application turned into a candidate one: it moves no further). */
function applicationStatus(status: string): CanonicalApplication['status'] {
  if (status === 'hired') return 'hired';
  if (status === 'rejected' || status === 'converted') return 'rejected';
  return 'active';
}

/** The reference tag a pushed candidate carries, so a second push finds the first. */
const referenceTag = (reference: string) => `splits:${reference}`;

/**
 * Greenhouse Harvest v3: OAuth client credentials (token kept until a minute before its
 * `expires_at` / `expires_in`, renewed once on a 401), lists filtered by `updated_at=gte|…`
 * on the first request and paged by the `Link rel="next"` cursor alone, applications named by
 * `stage_name` or their `stage_id` resolved through the job's stages, webhooks signed
 * `Signature: sha256 <hex>` over the raw body and timed by their payload's activity time.
 * Sources and open questions: docs/ats-connectors.md.
 */
export function createGreenhouseConnector(config: ConnectorConfig): AtsConnector {
  const base = `${(config.baseUrl ?? 'https://harvest.greenhouse.io').replace(/\/$/, '')}/v3`;
  const authUrl = `${(config.authUrl ?? 'https://auth.greenhouse.io').replace(/\/$/, '')}/token`;
  const { clientId = '', clientSecret = '', userId = '' } = config.credentials;
  const doFetch = config.fetch;
  let token: { value: string; until: number } | null = null;
  /** Stage names by id, per job (resolved once per job per connector). */
  const stageNames = new Map<number, Map<number, string>>();

  async function accessToken(renew = false): Promise<string> {
    if (!renew && token && token.until > Date.now()) return token.value;
    const res = await atsFetch('greenhouse', authUrl, {
      method: 'POST',
      fetch: doFetch,
      headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', sub: userId }).toString(),
    }).catch((err: unknown) => {
      // The token endpoint answers 400 invalid_request for a wrong user: an auth problem too.
      if (err instanceof AtsRequestError && err.status === 400) throw new AtsAuthError(err.message, 400);
      throw err;
    });
    const body = (await res.json()) as { access_token: string; expires_at?: string | number; expires_in?: number };
    token = { value: body.access_token, until: tokenExpiry(body, Date.now()) - TOKEN_MARGIN_MS };
    return token.value;
  }

  async function call(url: string, init: RequestInit = {}): Promise<Response> {
    const send = async (renew: boolean) =>
      atsFetch('greenhouse', url, {
        ...init,
        fetch: doFetch,
        headers: { ...init.headers, authorization: `Bearer ${await accessToken(renew)}`, accept: 'application/json' },
      });
    try {
      return await send(false);
    } catch (err) {
      if (!(err instanceof AtsAuthError) || err.status !== 401) throw err;
      return send(true); // the token may have been revoked early: one fresh try
    }
  }

  async function list<T, C>(path: string, req: ListRequest, map: (row: T) => C | Promise<C>): Promise<Page<C>> {
    let url: string;
    if (req.cursor) {
      url = `${base}${path}?${new URLSearchParams({ cursor: req.cursor })}`;
    } else {
      const params = new URLSearchParams({ per_page: String(Math.min(500, req.pageSize)) });
      if (req.checkpoint) params.set('updated_at', `gte|${req.checkpoint}`);
      url = `${base}${path}?${params}`;
    }
    const res = await call(url);
    const rows = (await res.json()) as T[];
    const items: C[] = [];
    for (const row of rows) items.push(await map(row)); // one by one: a job's stages are fetched once
    return { items, nextCursor: nextCursor(res.headers.get('link')) };
  }

  /** The name of stage `stageId` of job `jobId`, from the job's stages (fetched once per job and run). */
  async function stageName(jobId: number, stageId: number): Promise<string | null> {
    let names = stageNames.get(jobId);
    if (!names) {
      const rows = await call(`${base}/job_stages?${new URLSearchParams({ job_ids: String(jobId), per_page: '500' })}`).then(
        (r) => r.json() as Promise<GhJobStage[]>,
      );
      // Checked here too: a filter the platform ignored would hand back other jobs' stages.
      names = new Map(rows.filter((r) => r.job_id === undefined || r.job_id === null || r.job_id === jobId).map((r) => [r.id, r.name]));
      stageNames.set(jobId, names);
    }
    return names.get(stageId) ?? null;
  }

  const job = (j: GhJob): CanonicalJob => ({
    externalId: String(j.id),
    title: j.name,
    status: j.status === 'open' ? 'open' : j.status === 'draft' ? 'draft' : 'closed',
    updatedAt: j.updated_at,
    deleted: false,
    raw: j,
  });
  const candidate = (c: GhCandidate): CanonicalCandidate => ({
    externalId: String(c.id),
    fullName: [c.first_name, c.last_name].filter(Boolean).join(' '),
    email: c.email_addresses?.[0]?.value ?? null,
    updatedAt: c.updated_at,
    deleted: false,
    raw: c,
  });
  const application = async (a: GhApplication): Promise<CanonicalApplication> => {
    const stageId = a.stage_id ?? a.current_stage?.id ?? null;
    const named = a.stage_name ?? a.current_stage?.name ?? null;
    const stage = named ?? (stageId !== null && a.job_id !== null ? await stageName(a.job_id, stageId) : null);
    return {
      externalId: String(a.id),
      candidateExternalId: String(a.candidate_id),
      jobExternalId: a.job_id === null ? null : String(a.job_id),
      // No stage we can name: '' = unknown, which the ingestion never writes over a known stage.
      stage: stage ?? (a.status === 'hired' ? 'Hired' : ''),
      status: applicationStatus(a.status),
      stageHistory: [],
      updatedAt: a.last_activity_at ?? a.updated_at ?? null,
      deleted: false,
      raw: a,
    };
  };

  return {
    platform: 'greenhouse',
    capabilities: {
      incremental: { jobs: 'updated_since', candidates: 'updated_since', applications: 'updated_since' },
      webhooks: true,
      push: true,
    },
    async testConnection() {
      await call(`${base}/jobs?per_page=1`);
    },
    listJobs: (req) => list('/jobs', req, job),
    listCandidates: (req) => list('/candidates', req, candidate),
    listApplications: (req) => list('/applications', req, application),

    async pushApplication(input) {
      const tag = referenceTag(input.reference);
      // Every filter's answer is checked again here: a filter the platform does not know is ignored
      // and answers unrelated records, which must never be taken for ours.
      const found = await call(`${base}/candidates?${new URLSearchParams({ per_page: '500', tag })}`).then(
        (r) => r.json() as Promise<GhCandidate[]>,
      );
      let candidateId = found.find((c) => c.tags?.includes(tag))?.id;
      if (candidateId !== undefined) {
        const apps = await call(
          `${base}/applications?${new URLSearchParams({ per_page: '500', candidate_ids: String(candidateId), job_ids: input.jobExternalId })}`,
        ).then((r) => r.json() as Promise<GhApplication[]>);
        const existing = apps.find((a) => a.candidate_id === candidateId && String(a.job_id) === input.jobExternalId);
        if (existing) return { applicationExternalId: String(existing.id), candidateExternalId: String(candidateId) };
      } else {
        const [first, ...rest] = input.candidate.fullName.split(' ');
        const created = await call(`${base}/candidates`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            first_name: first,
            last_name: rest.join(' '),
            email_addresses: input.candidate.email ? [{ value: input.candidate.email, type: 'personal' }] : [],
            tags: [tag],
          }),
        }).then((r) => r.json() as Promise<GhCandidate>);
        candidateId = created.id;
      }
      const app = await call(`${base}/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ candidate_id: candidateId, job_id: Number(input.jobExternalId), notes: input.note }),
      }).then((r) => r.json() as Promise<GhApplication>);
      return { applicationExternalId: String(app.id), candidateExternalId: String(candidateId) };
    },

    verifyWebhook({ rawBody, headers, secret }) {
      const signature = headers.signature;
      if (!signature) return { ok: false, reason: 'missing_signature' };
      const [scheme, digest] = signature.split(' ');
      if (scheme !== 'sha256' || !digest || !sameHex(digest, hmacSha256Hex(secret, rawBody))) return { ok: false, reason: 'bad_signature' };
      return { ok: true };
    },

    parseWebhook(rawBody, headers) {
      const body = JSON.parse(rawBody.toString('utf8')) as {
        action?: string;
        payload?: {
          application?: GhWebhookApplication;
          candidate?: { id: number };
          person?: { id: number; deleted_application_ids?: number[] };
        };
      };
      const eventType = body.action ? WEBHOOK_ACTIONS[body.action] : undefined;
      if (!eventType) return [];
      const deliveryId = headers['greenhouse-event-id'] ?? createHash('sha256').update(rawBody).digest('hex');
      const event = (e: Partial<CanonicalEvent> & Pick<CanonicalEvent, 'eventType' | 'providerEventId' | 'timestamp'>): CanonicalEvent => ({
        provider: 'greenhouse',
        candidateExternalId: null,
        applicationExternalId: null,
        jobExternalId: null,
        stageFrom: null,
        stageTo: null,
        actor: null,
        metadata: { action: body.action },
        ...e,
      });
      const receivedAt = new Date().toISOString();
      if (body.action === 'delete_candidate') {
        // Greenhouse web hooks, "Candidate deleted": the person and the applications deleted with it.
        const person = body.payload?.person ?? body.payload?.candidate;
        if (!person) return [];
        const candidateExternalId = String(person.id);
        const appIds = (body.payload?.person?.deleted_application_ids ?? []).map(String);
        return [
          event({ eventType, providerEventId: deliveryId, candidateExternalId, timestamp: receivedAt }),
          ...appIds.map((id) =>
            event({
              eventType: 'application.deleted',
              providerEventId: `${deliveryId}:application:${id}`,
              candidateExternalId,
              applicationExternalId: id,
              timestamp: receivedAt,
            }),
          ),
        ];
      }
      const app = body.payload?.application;
      const candidateId = app?.candidate?.id ?? app?.candidate_id ?? body.payload?.candidate?.id;
      const jobId = app?.jobs?.[0]?.id ?? app?.job_id;
      return [
        event({
          eventType,
          providerEventId: deliveryId,
          candidateExternalId: candidateId !== undefined ? String(candidateId) : null,
          applicationExternalId: app?.id !== undefined ? String(app.id) : null,
          jobExternalId: jobId !== undefined ? String(jobId) : null,
          stageTo: app?.stage_name ?? app?.current_stage?.name ?? null,
          // The payload's own activity time orders it against syncs and other deliveries; receipt time only when it has none.
          timestamp: app?.last_activity_at ?? app?.rejected_at ?? app?.applied_at ?? receivedAt,
        }),
      ];
    },
  };
}

/** The cursor of a `Link: <…?cursor=X>; rel="next"` header, or null on the last page. */
function nextCursor(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return new URL(match[1]!).searchParams.get('cursor');
  }
  return null;
}
