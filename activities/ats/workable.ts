import { createHash } from 'node:crypto';
import { atsFetch, hmacSha256Hex, sameHex } from './http.js';
import {
  AtsRequestError,
  type AtsConnector,
  type CanonicalApplication,
  type CanonicalCandidate,
  type CanonicalEventType,
  type ConnectorConfig,
  type ListRequest,
  type Page,
} from './types.js';

interface WorkableCandidate {
  id: string;
  name: string;
  email: string | null;
  stage: string;
  disqualified: boolean;
  job: { shortcode: string };
  tags?: string[];
  updated_at: string;
}

const WEBHOOK_EVENTS: Record<string, CanonicalEventType> = {
  candidate_created: 'application.created',
  candidate_moved: 'application.stage_changed',
};

/**
 * Workable SPI v3: bearer token; `/jobs` and `/candidates` filtered by `updated_after`,
 * paged by the full `paging.next` URL (which carries `since_id`), followed only on the
 * account's own API hosts; 10 requests per 10 s, with the wait taken from
 * `X-Rate-Limit-Reset` (bounded, seconds or milliseconds). Webhooks are subscribed through
 * `POST /subscriptions` and signed with the account token (or OAuth app secret). A Workable
 * candidate is one person's candidacy for one job, so each record is both a candidate and an
 * application. Sources and open questions: docs/ats-connectors.md.
 */
export function createWorkableConnector(config: ConnectorConfig): AtsConnector {
  const subdomain = config.credentials.subdomain ?? '';
  const root = (config.baseUrl ?? `https://${subdomain}.workable.com`).replace(/\/$/, '');
  const base = `${root}/spi/v3`;
  const headers = { authorization: `Bearer ${config.credentials.token ?? ''}`, accept: 'application/json' };
  // Where a `paging.next` may point: the account's own API, on its subdomain host or in the account form
  // on www.workable.com (or the configured host) — never anywhere else.
  const account = `/spi/v3/accounts/${encodeURIComponent(subdomain)}/`;
  const pageHosts = [`${base}/`, `${root}${account}`, `https://www.workable.com${account}`, `https://${subdomain}.workable.com/spi/v3/`];
  const onOwnHost = (url: string) => {
    try {
      const u = new URL(url);
      return pageHosts.some((prefix) => `${u.origin}${u.pathname}`.startsWith(prefix)) && !u.username && !u.password;
    } catch {
      return false;
    }
  };

  async function get<T>(
    path: string,
    req: ListRequest,
    extra: Record<string, string> = {},
  ): Promise<{ rows: T[]; next: string | null; key: string }> {
    let url: string;
    if (req.cursor) {
      // The next URL comes from the platform: follow it only on the platform's own host.
      if (!onOwnHost(req.cursor))
        throw new AtsRequestError(`workable: refusing a next page outside the account's API (${base})`, null, true);
      url = req.cursor;
    } else {
      url = `${base}${path}?${new URLSearchParams({ limit: String(Math.min(100, req.pageSize)), ...(req.checkpoint && { updated_after: req.checkpoint }), ...extra })}`;
    }
    const body = (await (await atsFetch('workable', url, { headers, fetch: config.fetch })).json()) as Record<string, unknown> & {
      paging?: { next?: string };
    };
    const key = path.endsWith('jobs') ? 'jobs' : 'candidates';
    return { rows: (body[key] ?? []) as T[], next: body.paging?.next ?? null, key };
  }

  const application = (c: WorkableCandidate): CanonicalApplication => ({
    externalId: c.id,
    candidateExternalId: c.id,
    jobExternalId: c.job.shortcode,
    stage: c.stage,
    status: c.disqualified ? 'rejected' : /hired/i.test(c.stage) ? 'hired' : 'active',
    stageHistory: [],
    updatedAt: c.updated_at,
    deleted: false,
    raw: c,
  });
  const candidate = (c: WorkableCandidate): CanonicalCandidate => ({
    externalId: c.id,
    fullName: c.name,
    email: c.email,
    updatedAt: c.updated_at,
    deleted: false,
    raw: c,
  });
  const candidates = async <C>(req: ListRequest, map: (c: WorkableCandidate) => C): Promise<Page<C>> => {
    const { rows, next } = await get<WorkableCandidate>('/candidates', req);
    return { items: rows.map(map), nextCursor: next };
  };

  return {
    platform: 'workable',
    capabilities: {
      incremental: { jobs: 'updated_since', candidates: 'updated_since', applications: 'updated_since' },
      webhooks: true,
      push: true,
    },
    async testConnection() {
      await get('/jobs', { checkpoint: null, cursor: null, pageSize: 1 });
    },
    async listJobs(req) {
      const { rows, next } = await get<{ shortcode: string; title: string; state: string; updated_at: string }>('/jobs', req);
      return {
        items: rows.map((j) => ({
          externalId: j.shortcode,
          title: j.title,
          status: j.state === 'published' ? 'open' : j.state === 'draft' ? 'draft' : 'closed',
          updatedAt: j.updated_at,
          deleted: false,
          raw: j,
        })),
        nextCursor: next,
      };
    },
    listCandidates: (req) => candidates(req, candidate),
    listApplications: (req) => candidates(req, application),
    async pushApplication(input) {
      const found = await get<WorkableCandidate>('/candidates', { checkpoint: null, cursor: null, pageSize: 1 }, { tag: input.reference });
      const existing =
        found.rows[0] ??
        (
          (await (
            await atsFetch('workable', `${base}/jobs/${encodeURIComponent(input.jobExternalId)}/candidates`, {
              method: 'POST',
              fetch: config.fetch,
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify({
                sourced: true,
                candidate: { name: input.candidate.fullName, email: input.candidate.email, summary: input.note, tags: [input.reference] },
              }),
            })
          ).json()) as { candidate: WorkableCandidate }
        ).candidate;
      return { applicationExternalId: existing.id, candidateExternalId: existing.id };
    },
    /** Signed with the account's API token, or the OAuth app's secret when there is one ("Webhook Subscriptions", Encryption). */
    verifyWebhook({ rawBody, headers: h }) {
      const signature = h['x-workable-signature'];
      if (!signature) return { ok: false, reason: 'missing_signature' };
      const key = config.credentials.clientSecret || config.credentials.token;
      if (!key) return { ok: false, reason: 'bad_signature' };
      return sameHex(signature, hmacSha256Hex(key, rawBody)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
    },
    /**
     * One subscription per event (`POST /subscriptions {target, event}`): Workable refuses a target
     * already registered (409), so each event gets its own target (`?event=`). A 409 on a retry is
     * looked up among the account's subscriptions.
     */
    async subscribeWebhooks(target) {
      const ids: string[] = [];
      for (const event of Object.keys(WEBHOOK_EVENTS)) {
        const url = `${target}${target.includes('?') ? '&' : '?'}event=${event}`;
        try {
          const res = await atsFetch('workable', `${base}/subscriptions`, {
            method: 'POST',
            fetch: config.fetch,
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ target: url, event }),
          });
          ids.push(String(((await res.json()) as { id: string | number }).id));
        } catch (err) {
          if (!(err instanceof AtsRequestError && err.status === 409)) throw err;
          const listed = (await (await atsFetch('workable', `${base}/subscriptions`, { headers, fetch: config.fetch })).json()) as {
            subscriptions?: { id: string | number; target: string }[];
          };
          const mine = listed.subscriptions?.find((sub) => sub.target === url);
          if (!mine) throw err;
          ids.push(String(mine.id));
        }
      }
      return ids;
    },
    async unsubscribeWebhooks(ids) {
      for (const id of ids) {
        await atsFetch('workable', `${base}/subscriptions/${encodeURIComponent(id)}`, {
          method: 'DELETE',
          headers,
          fetch: config.fetch,
        }).catch((err: unknown) => {
          if (!(err instanceof AtsRequestError && err.status === 404)) throw err; // already gone
        });
      }
    },
    parseWebhook(rawBody) {
      const body = JSON.parse(rawBody.toString('utf8')) as {
        id?: string;
        event_type: string;
        fired_at: string;
        data: WorkableCandidate & { previous_stage?: string | null };
      };
      const eventType = WEBHOOK_EVENTS[body.event_type];
      if (!eventType) return [];
      return [
        {
          eventType,
          providerEventId: body.id ?? createHash('sha256').update(rawBody).digest('hex'),
          provider: 'workable',
          candidateExternalId: body.data.id,
          applicationExternalId: body.data.id,
          jobExternalId: body.data.job?.shortcode ?? null,
          stageFrom: body.data.previous_stage ?? null,
          stageTo: body.data.stage ?? null,
          actor: null,
          timestamp: body.fired_at,
          metadata: { event: body.event_type },
        },
      ];
    },
  };
}
