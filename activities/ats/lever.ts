import { atsFetch, basicAuth, hmacSha256Hex, sameHex } from './http.js';
import type {
  AtsConnector,
  CanonicalApplication,
  CanonicalCandidate,
  CanonicalEventType,
  ConnectorConfig,
  ListRequest,
  Page,
} from './types.js';

interface LeverOpportunity {
  id: string;
  name: string;
  contact: string;
  emails: string[];
  stage: { id: string; text: string } | string;
  stageChanges: { toStageId: string; updatedAt: number; userId: string | null }[];
  archived: { reason: string } | null;
  postings: string[];
  tags: string[];
  updatedAt: number;
}

/** Every event Lever can send a webhook for ("Webhooks" in Lever's docs); each has its own signature token. */
export const LEVER_WEBHOOK_EVENTS = [
  'applicationCreated',
  'candidateHired',
  'candidateStageChange',
  'candidateArchiveChange',
  'candidateDeleted',
  'interviewCreated',
  'interviewUpdated',
  'interviewDeleted',
  'contactCreated',
  'contactUpdated',
] as const;
/** The credential field holding the signature token of one event type (stored sealed with the other credentials). */
export const leverTokenField = (event: string) => `signatureToken.${event}`;

const WEBHOOK_EVENTS: Record<string, CanonicalEventType> = {
  candidateStageChange: 'application.stage_changed',
  candidateHired: 'application.hired',
  candidateArchiveChange: 'application.rejected',
  candidateDeleted: 'application.deleted',
};
/** A webhook older (or newer) than this is refused as a replay. */
const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

/**
 * Lever v1: HTTP Basic (API key as user). An opportunity is a candidate's application, so
 * candidates and applications both page `/opportunities` (filtered by `updated_at_start` in
 * epoch milliseconds, `offset` = the previous page's `next`); an application run then pages
 * `/opportunities/deleted` for deletions. Webhooks sign `token + triggeredAt` with the signature
 * token of their event type (one per type: credentials `signatureToken.<event>`).
 */
export function createLeverConnector(config: ConnectorConfig): AtsConnector {
  const base = `${(config.baseUrl ?? 'https://api.lever.co').replace(/\/$/, '')}/v1`;
  const headers = { authorization: basicAuth(config.credentials.apiKey ?? ''), accept: 'application/json' };
  const get = async <T>(path: string, params: Record<string, string>) =>
    (await (await atsFetch('lever', `${base}${path}?${new URLSearchParams(params)}`, { headers, fetch: config.fetch })).json()) as {
      data: T[];
      hasNext: boolean;
      next?: string;
    };
  const since = (req: ListRequest) => (req.checkpoint ? String(new Date(req.checkpoint).getTime()) : '0');
  const page = (req: ListRequest, offset?: string) => ({ limit: String(Math.min(100, req.pageSize)), ...(offset && { offset }) });

  const stageName = (o: LeverOpportunity) => (typeof o.stage === 'string' ? o.stage : o.stage.text);
  const application = (o: LeverOpportunity): CanonicalApplication => ({
    externalId: o.id,
    candidateExternalId: o.contact,
    jobExternalId: o.postings[0] ?? null,
    stage: stageName(o),
    status: o.archived ? 'rejected' : /hired/i.test(stageName(o)) ? 'hired' : 'active',
    stageHistory: o.stageChanges.map((c, i) => ({
      stageFrom: o.stageChanges[i - 1]?.toStageId ?? null,
      stageTo: c.toStageId,
      at: new Date(c.updatedAt).toISOString(),
      actor: c.userId,
    })),
    updatedAt: new Date(o.updatedAt).toISOString(),
    deleted: false,
    raw: o,
  });
  const candidate = (o: LeverOpportunity): CanonicalCandidate => ({
    externalId: o.contact,
    fullName: o.name,
    email: o.emails[0] ?? null,
    updatedAt: new Date(o.updatedAt).toISOString(),
    deleted: false,
    raw: o,
  });
  const opportunities = async <C>(req: ListRequest, map: (o: LeverOpportunity) => C): Promise<{ items: C[]; next: string | null }> => {
    const body = await get<LeverOpportunity>('/opportunities', {
      ...page(req, req.cursor ?? undefined),
      updated_at_start: since(req),
      expand: 'stage',
    });
    return { items: body.data.map(map), next: body.hasNext ? body.next! : null };
  };

  return {
    platform: 'lever',
    capabilities: {
      incremental: { jobs: 'updated_since', candidates: 'updated_since', applications: 'updated_since' },
      webhooks: true,
      push: true,
    },
    async testConnection() {
      await get('/postings', { limit: '1' });
    },
    async listJobs(req) {
      const body = await get<{ id: string; text: string; state: string; updatedAt: number }>(
        '/postings',
        page(req, req.cursor ?? undefined),
      );
      return {
        items: body.data.map((p) => ({
          externalId: p.id,
          title: p.text,
          status: p.state === 'published' ? 'open' : p.state === 'draft' ? 'draft' : 'closed',
          updatedAt: new Date(p.updatedAt).toISOString(),
          deleted: false,
          raw: p,
        })),
        nextCursor: body.hasNext ? body.next! : null,
      };
    },
    async listCandidates(req) {
      const { items, next } = await opportunities(req, candidate);
      return { items, nextCursor: next };
    },
    /** Live opportunities first (cursor `live:<offset>`), then the deleted ones (`deleted:<offset>`). */
    async listApplications(req): Promise<Page<CanonicalApplication>> {
      const [phase, offset] = req.cursor
        ? [req.cursor.slice(0, req.cursor.indexOf(':')), req.cursor.slice(req.cursor.indexOf(':') + 1)]
        : ['live', ''];
      if (phase === 'live') {
        const { items, next } = await opportunities({ ...req, cursor: offset || null }, application);
        return { items, nextCursor: next ? `live:${next}` : 'deleted:' };
      }
      const body = await get<{ id: string; deletedAt: number }>('/opportunities/deleted', {
        ...page(req, offset || undefined),
        deleted_at_start: since(req),
      });
      return {
        items: body.data.map((d) => ({
          externalId: d.id,
          candidateExternalId: '',
          jobExternalId: null,
          stage: '',
          status: 'active',
          stageHistory: [],
          updatedAt: new Date(d.deletedAt).toISOString(),
          deleted: true,
          raw: d,
        })),
        nextCursor: body.hasNext ? `deleted:${body.next}` : null,
      };
    },
    async pushApplication(input) {
      const found = await get<LeverOpportunity>('/opportunities', { limit: '1', tag: input.reference, expand: 'stage' });
      const existing =
        found.data[0] ??
        (
          (await (
            await atsFetch('lever', `${base}/opportunities?${new URLSearchParams({ perform_as: config.credentials.performAs ?? '' })}`, {
              method: 'POST',
              fetch: config.fetch,
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify({
                name: input.candidate.fullName,
                emails: input.candidate.email ? [input.candidate.email] : [],
                postings: [input.jobExternalId],
                tags: [input.reference],
                sources: ['Splits marketplace'],
              }),
            })
          ).json()) as { data: LeverOpportunity }
        ).data;
      return { applicationExternalId: existing.id, candidateExternalId: existing.contact };
    },
    /** `GET /stages` ("Stages" in Lever's API reference): every pipeline stage's id and name. */
    async stageNames(stageIds) {
      const names: Record<string, string> = {};
      let offset: string | undefined;
      do {
        const body = await get<{ id: string; text: string }>('/stages', { limit: '100', ...(offset && { offset }) });
        for (const stage of body.data) if (stageIds.includes(stage.id)) names[stage.id] = stage.text;
        offset = body.hasNext ? body.next : undefined;
      } while (offset);
      return names;
    },
    verifyWebhook({ rawBody, secret, now }) {
      let body: { event?: string; token?: string; triggeredAt?: number; signature?: string };
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return { ok: false, reason: 'missing_signature' };
      }
      if (!body.signature || !body.token || typeof body.triggeredAt !== 'number') return { ok: false, reason: 'missing_signature' };
      // Each event type is signed with its own token; the integration's one secret only for types without a stored token.
      const key = (body.event && config.credentials[leverTokenField(body.event)]) || secret;
      if (!sameHex(body.signature, hmacSha256Hex(key, `${body.token}${body.triggeredAt}`))) return { ok: false, reason: 'bad_signature' };
      if (Math.abs(now.getTime() - body.triggeredAt) > WEBHOOK_TOLERANCE_MS) return { ok: false, reason: 'stale' };
      return { ok: true };
    },
    parseWebhook(rawBody) {
      const body = JSON.parse(rawBody.toString('utf8')) as {
        event: string;
        token: string;
        triggeredAt: number;
        data: { opportunityId?: string; contactId?: string; toStageId?: string; fromStageId?: string };
      };
      const eventType = WEBHOOK_EVENTS[body.event];
      if (!eventType) return [];
      // Lever's webhook names stages by id only: the ingestion names them (stageNames) before applying the move.
      return [
        {
          eventType,
          providerEventId: body.token,
          provider: 'lever',
          candidateExternalId: body.data.contactId ?? null,
          applicationExternalId: body.data.opportunityId ?? null,
          jobExternalId: null,
          stageFrom: null,
          stageTo: null,
          actor: null,
          timestamp: new Date(body.triggeredAt).toISOString(),
          metadata: { event: body.event, toStageId: body.data.toStageId ?? null, fromStageId: body.data.fromStageId ?? null },
        },
      ];
    },
  };
}
