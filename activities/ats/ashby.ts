import { createHash } from 'node:crypto';
import { atsFetch, basicAuth, hmacSha256Hex, sameHex } from './http.js';
import {
  AtsAuthError,
  AtsRequestError,
  AtsResyncRequiredError,
  type AtsConnector,
  type CanonicalApplication,
  type CanonicalCandidate,
  type CanonicalEventType,
  type CanonicalJob,
  type ConnectorConfig,
  type ListRequest,
  type Page,
} from './types.js';

interface AshbyApplication { id: string; candidate: { id: string }; job: { id: string } | null; status: string; currentInterviewStage: { title: string } | null; updatedAt: string }
interface AshbyResponse<T> { success: boolean; results: T; errors?: (string | { code?: string; message?: string })[]; moreDataAvailable?: boolean; nextCursor?: string; syncToken?: string }

const WEBHOOK_ACTIONS: Record<string, CanonicalEventType> = {
  applicationUpdate: 'application.updated',
  candidateStageChange: 'application.stage_changed',
  candidateHire: 'application.hired',
  candidateDelete: 'candidate.deleted',
};

/**
 * Ashby: RPC `POST /<category.method>` with HTTP Basic (key as user). Lists page by
 * `nextCursor`; the last page hands out a `syncToken`, the next incremental run's filter.
 * `{success:false}` arrives with HTTP 200: `incremental_sync_too_large` means "sync fully".
 */
export function createAshbyConnector(config: ConnectorConfig): AtsConnector {
  const base = (config.baseUrl ?? 'https://api.ashbyhq.com').replace(/\/$/, '');
  const headers = { authorization: basicAuth(config.credentials.apiKey ?? ''), 'content-type': 'application/json', accept: 'application/json' };

  async function rpc<T>(method: string, body: Record<string, unknown>): Promise<AshbyResponse<T>> {
    const res = (await (await atsFetch('ashby', `${base}/${method}`, { method: 'POST', headers, body: JSON.stringify(body), fetch: config.fetch })).json()) as AshbyResponse<T>;
    if (res.success) return res;
    const errors = (res.errors ?? []).map((e) => (typeof e === 'string' ? e : e.code ?? e.message ?? 'error'));
    const message = `ashby: ${method} failed: ${errors.join(', ') || 'unknown error'}`;
    if (errors.some((e) => /incremental_sync_too_large|sync_token_expired/i.test(e))) throw new AtsResyncRequiredError(message);
    if (errors.some((e) => /api key|permission|unauthori[sz]ed/i.test(e))) throw new AtsAuthError(message, 200);
    throw new AtsRequestError(message, 200, true);
  }

  async function list<T, C>(method: string, req: ListRequest, map: (row: T) => C): Promise<Page<C>> {
    // Only a syncToken Ashby handed out filters; a time (the ingestion's fallback when a run got none) means a full listing.
    const token = req.checkpoint && Number.isNaN(Date.parse(req.checkpoint)) ? req.checkpoint : null;
    const res = await rpc<T[]>(method, { limit: Math.min(100, req.pageSize), ...(req.cursor ? { cursor: req.cursor } : token ? { syncToken: token } : {}) });
    return { items: res.results.map(map), nextCursor: res.moreDataAvailable ? res.nextCursor ?? null : null, ...(!res.moreDataAvailable && { platformCheckpoint: res.syncToken ?? null }) };
  }

  const application = (a: AshbyApplication): CanonicalApplication => ({
    externalId: a.id, candidateExternalId: a.candidate.id, jobExternalId: a.job?.id ?? null, stage: a.currentInterviewStage?.title ?? a.status,
    status: a.status === 'Hired' ? 'hired' : a.status === 'Archived' ? 'rejected' : 'active', stageHistory: [], updatedAt: a.updatedAt, deleted: false, raw: a,
  });

  return {
    platform: 'ashby',
    capabilities: { incremental: { jobs: 'updated_since', candidates: 'updated_since', applications: 'updated_since' }, webhooks: true, push: true },
    async testConnection() {
      await rpc('job.list', { limit: 1 });
    },
    listJobs: (req) => list('job.list', req, (j: { id: string; title: string; status: string; updatedAt: string }): CanonicalJob => ({
      externalId: j.id, title: j.title, status: j.status === 'Open' ? 'open' : j.status === 'Draft' ? 'draft' : 'closed', updatedAt: j.updatedAt, deleted: false, raw: j,
    })),
    listCandidates: (req) => list('candidate.list', req, (c: { id: string; name: string; primaryEmailAddress: { value: string } | null; updatedAt: string }): CanonicalCandidate => ({
      externalId: c.id, fullName: c.name, email: c.primaryEmailAddress?.value ?? null, updatedAt: c.updatedAt, deleted: false, raw: c,
    })),
    listApplications: (req) => list('application.list', req, application),
    async pushApplication(input) {
      const tag = input.reference;
      if (input.candidate.email) {
        const found = await rpc<{ id: string; tags: string[]; applicationIds: string[] }[]>('candidate.search', { email: input.candidate.email });
        const mine = found.results.find((c) => c.tags.includes(tag));
        if (mine?.applicationIds[0]) return { applicationExternalId: mine.applicationIds[0], candidateExternalId: mine.id };
      }
      const candidate = await rpc<{ id: string }>('candidate.create', { name: input.candidate.fullName, email: input.candidate.email, tags: [tag] });
      const app = await rpc<AshbyApplication>('application.create', { candidateId: candidate.results.id, jobId: input.jobExternalId });
      return { applicationExternalId: app.results.id, candidateExternalId: candidate.results.id };
    },
    verifyWebhook({ rawBody, headers: h, secret }) {
      const signature = h['ashby-signature'];
      if (!signature) return { ok: false, reason: 'missing_signature' };
      const digest = signature.startsWith('sha256=') ? signature.slice(7) : '';
      return sameHex(digest, hmacSha256Hex(secret, rawBody)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
    },
    parseWebhook(rawBody) {
      const body = JSON.parse(rawBody.toString('utf8')) as { action: string; webhookActionId?: string; data?: { application?: AshbyApplication; candidate?: { id: string } } };
      const eventType = WEBHOOK_ACTIONS[body.action];
      if (!eventType) return [];
      const app = body.data?.application;
      return [{
        eventType, providerEventId: body.webhookActionId ?? createHash('sha256').update(rawBody).digest('hex'), provider: 'ashby',
        candidateExternalId: app?.candidate.id ?? body.data?.candidate?.id ?? null, applicationExternalId: app?.id ?? null, jobExternalId: app?.job?.id ?? null,
        stageFrom: null, stageTo: app?.currentInterviewStage?.title ?? null, actor: null, timestamp: app?.updatedAt ?? new Date().toISOString(), metadata: { action: body.action },
      }];
    },
  };
}
