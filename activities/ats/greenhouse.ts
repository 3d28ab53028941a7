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

interface GhJob { id: number; name: string; status: string; updated_at: string | null }
interface GhCandidate { id: number; first_name: string | null; last_name: string | null; email_addresses?: { value: string }[]; tags?: string[]; updated_at: string | null }
interface GhApplication { id: number; candidate_id: number; job_id: number | null; status: string; current_stage: { name: string } | null; updated_at: string | null }

const WEBHOOK_ACTIONS: Record<string, CanonicalEventType> = {
  candidate_stage_change: 'application.stage_changed',
  application_updated: 'application.updated',
  hire_candidate: 'application.hired',
  reject_candidate: 'application.rejected',
  delete_application: 'application.deleted',
  delete_candidate: 'candidate.deleted',
  merge_candidate: 'candidate.merged',
};

/** The reference tag a pushed candidate carries, so a second push finds the first. */
const referenceTag = (reference: string) => `splits:${reference}`;

/**
 * Greenhouse Harvest v3: OAuth client credentials (token cached until a minute before it
 * expires, renewed once on a 401), lists filtered by `updated_at=gte|…` on the first
 * request and paged by the `Link rel="next"` cursor alone, webhooks signed
 * `Signature: sha256 <hex>` over the raw body.
 */
export function createGreenhouseConnector(config: ConnectorConfig): AtsConnector {
  const base = `${(config.baseUrl ?? 'https://harvest.greenhouse.io').replace(/\/$/, '')}/v3`;
  const authUrl = `${(config.authUrl ?? 'https://auth.greenhouse.io').replace(/\/$/, '')}/token`;
  const { clientId = '', clientSecret = '', userId = '' } = config.credentials;
  const doFetch = config.fetch;
  let token: { value: string; until: number } | null = null;

  async function accessToken(renew = false): Promise<string> {
    if (!renew && token && token.until > Date.now()) return token.value;
    const res = await atsFetch('greenhouse', authUrl, {
      method: 'POST', fetch: doFetch,
      headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', sub: userId }).toString(),
    }).catch((err: unknown) => {
      // The token endpoint answers 400 invalid_request for a wrong user: an auth problem too.
      if (err instanceof AtsRequestError && err.status === 400) throw new AtsAuthError(err.message, 400);
      throw err;
    });
    const body = (await res.json()) as { access_token: string; expires_in: number };
    token = { value: body.access_token, until: Date.now() + Math.max(0, body.expires_in - 60) * 1000 };
    return token.value;
  }

  async function call(url: string, init: RequestInit = {}): Promise<Response> {
    const send = async (renew: boolean) => atsFetch('greenhouse', url, {
      ...init, fetch: doFetch, headers: { ...init.headers, authorization: `Bearer ${await accessToken(renew)}`, accept: 'application/json' },
    });
    try {
      return await send(false);
    } catch (err) {
      if (!(err instanceof AtsAuthError) || err.status !== 401) throw err;
      return send(true); // the token may have been revoked early: one fresh try
    }
  }

  async function list<T, C>(path: string, req: ListRequest, map: (row: T) => C): Promise<Page<C>> {
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
    return { items: rows.map(map), nextCursor: nextCursor(res.headers.get('link')) };
  }

  const job = (j: GhJob): CanonicalJob => ({
    externalId: String(j.id), title: j.name, status: j.status === 'open' ? 'open' : j.status === 'draft' ? 'draft' : 'closed',
    updatedAt: j.updated_at, deleted: false, raw: j,
  });
  const candidate = (c: GhCandidate): CanonicalCandidate => ({
    externalId: String(c.id), fullName: [c.first_name, c.last_name].filter(Boolean).join(' '), email: c.email_addresses?.[0]?.value ?? null,
    updatedAt: c.updated_at, deleted: false, raw: c,
  });
  const application = (a: GhApplication): CanonicalApplication => ({
    externalId: String(a.id), candidateExternalId: String(a.candidate_id), jobExternalId: a.job_id === null ? null : String(a.job_id),
    stage: a.current_stage?.name ?? (a.status === 'hired' ? 'Hired' : 'Unknown'), status: a.status === 'hired' ? 'hired' : a.status === 'rejected' ? 'rejected' : 'active',
    stageHistory: [], updatedAt: a.updated_at, deleted: false, raw: a,
  });

  return {
    platform: 'greenhouse',
    capabilities: { incremental: { jobs: 'updated_since', candidates: 'updated_since', applications: 'updated_since' }, webhooks: true, push: true },
    async testConnection() {
      await call(`${base}/jobs?per_page=1`);
    },
    listJobs: (req) => list('/jobs', req, job),
    listCandidates: (req) => list('/candidates', req, candidate),
    listApplications: (req) => list('/applications', req, application),

    async pushApplication(input) {
      const tag = referenceTag(input.reference);
      const found = await call(`${base}/candidates?${new URLSearchParams({ per_page: '1', tag })}`).then((r) => r.json() as Promise<GhCandidate[]>);
      let candidateId = found[0]?.id;
      if (candidateId !== undefined) {
        const apps = await call(`${base}/applications?${new URLSearchParams({ per_page: '500', candidate_id: String(candidateId) })}`).then((r) => r.json() as Promise<GhApplication[]>);
        const existing = apps.map(application).find((a) => a.jobExternalId === input.jobExternalId);
        if (existing) return { applicationExternalId: existing.externalId, candidateExternalId: String(candidateId) };
      } else {
        const [first, ...rest] = input.candidate.fullName.split(' ');
        const created = await call(`${base}/candidates`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ first_name: first, last_name: rest.join(' '), email_addresses: input.candidate.email ? [{ value: input.candidate.email, type: 'personal' }] : [], tags: [tag] }),
        }).then((r) => r.json() as Promise<GhCandidate>);
        candidateId = created.id;
      }
      const app = await call(`${base}/applications`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
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
      const body = JSON.parse(rawBody.toString('utf8')) as { action?: string; payload?: { application?: Record<string, unknown>; candidate?: { id: number } } };
      const eventType = body.action ? WEBHOOK_ACTIONS[body.action] : undefined;
      if (!eventType) return [];
      const app = body.payload?.application as { id?: number; candidate?: { id: number }; jobs?: { id: number }[]; current_stage?: { name: string }; previous_stage?: { name: string } | null; updated_at?: string } | undefined;
      const event: CanonicalEvent = {
        eventType,
        providerEventId: headers['greenhouse-event-id'] ?? createHash('sha256').update(rawBody).digest('hex'),
        provider: 'greenhouse',
        candidateExternalId: app?.candidate?.id !== undefined ? String(app.candidate.id) : body.payload?.candidate ? String(body.payload.candidate.id) : null,
        applicationExternalId: app?.id !== undefined ? String(app.id) : null,
        jobExternalId: app?.jobs?.[0] ? String(app.jobs[0].id) : null,
        stageFrom: app?.previous_stage?.name ?? null,
        stageTo: app?.current_stage?.name ?? null,
        actor: null,
        timestamp: app?.updated_at ?? new Date().toISOString(),
        metadata: { action: body.action },
      };
      return [event];
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
