// A fake of Lever's v1 API (../shared/ATS-CONNECTORS.md): HTTP Basic with the API key as
// user, `/postings`, `/opportunities` filtered by `updated_at_start` in epoch
// MILLISECONDS, `limit` (1–100) + `offset` paging where `next` goes back as `offset`,
// `/opportunities/deleted?deleted_at_start=`, pushes with `perform_as`, and webhooks whose
// signature is HMAC-SHA256(token + triggeredAt) — not the body — keyed by the signature token of
// the webhook's EVENT TYPE: Lever shows one token per enabled event (help.lever.co "Configuring
// webhooks"; integrators such as Knit ask customers for "EventType and SignatureToken pairs").
// Which fields each event's `data` carries beyond opportunityId / contactId is unconfirmed.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hmacSha256Hex } from '../../../activities/ats/http.js';
import { apiKeyOf, listen, readBody, sendJson } from '../http.js';
import { AtsStore, type StoredApplication } from './store.js';
import { leverTokenField } from '../../../activities/ats/lever.js';
import type { FakeAts } from './types.js';

const STAGES = ['New lead', 'Phone screen', 'On-site interview', 'Offer', 'Hired'] as const;
const API_KEY = 'lever-api-key';
const stageId = (name: string) => `stage-${STAGES.indexOf(name as (typeof STAGES)[number])}`;

export async function startLeverFake(opts: { port?: number } = {}): Promise<FakeAts> {
  const store = new AtsStore(STAGES);
  // What the integration stores as its own webhook secret: Lever signs nothing with it.
  const webhookSecret = `lever_${randomBytes(12).toString('hex')}`;
  const tokens = Object.fromEntries(
    ['candidateStageChange', 'candidateHired', 'candidateArchiveChange', 'candidateDeleted'].map((e) => [
      e,
      `lever_sig_${e}_${randomBytes(8).toString('hex')}`,
    ]),
  );
  const offset = (pos: number) => Buffer.from(String(pos)).toString('base64url');

  const opportunity = (a: StoredApplication, expandStage: boolean) => {
    const c = store.candidate.get(a.candidateId)!;
    return {
      id: String(a.id),
      name: `${c.firstName} ${c.lastName}`.trim(),
      contact: String(c.id),
      emails: c.email ? [c.email] : [],
      stage: expandStage ? { id: stageId(a.stage), text: a.stage } : stageId(a.stage),
      stageChanges: a.history.map((h) => ({
        toStageId: stageId(h.to),
        toStageIndex: STAGES.indexOf(h.to as (typeof STAGES)[number]),
        updatedAt: h.at,
        userId: h.by,
      })),
      archived: a.status === 'rejected' ? { reason: 'rejected', archivedAt: a.updatedAt } : null,
      postings: [String(a.jobId)],
      tags: a.reference ? [a.reference] : [],
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    store.log.push({ method: req.method ?? 'GET', path: url.pathname, query });
    const failure = store.failures.take(req.method ?? 'GET', url.pathname);
    if (failure)
      return sendJson(res, failure.status, failure.body ?? { code: 'Error', message: `injected ${failure.status}` }, failure.headers);
    if (apiKeyOf(req) !== API_KEY) return sendJson(res, 401, { code: 'UnauthorizedError', message: 'Invalid API key' });

    const limit = Number(query.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return sendJson(res, 400, { code: 'BadRequestError', message: 'limit must be 1 to 100' });
    const from = query.offset ? Number(Buffer.from(query.offset, 'base64url').toString()) : 0;
    const reply = <T>(list: T[], keep: (r: T) => boolean, dto: (r: T) => unknown) => {
      const { rows, next } = AtsStore.page(list, from, limit, keep);
      const hasNext = next < list.length;
      return sendJson(res, 200, { data: rows.map(dto), hasNext, ...(hasNext && { next: offset(next) }) });
    };

    if (req.method === 'GET' && url.pathname === '/v1/postings') {
      return reply(
        store.jobs,
        (j) => !j.deleted,
        (j) => ({ id: String(j.id), text: j.title, state: j.status === 'open' ? 'published' : j.status, updatedAt: j.updatedAt }),
      );
    }
    // API reference, "Stages": the account's pipeline stages.
    if (req.method === 'GET' && url.pathname === '/v1/stages')
      return reply(
        [...STAGES],
        () => true,
        (name) => ({ id: stageId(name), text: name }),
      );
    if (req.method === 'GET' && url.pathname === '/v1/opportunities') {
      const since = query.updated_at_start ? Number(query.updated_at_start) : 0;
      if (!Number.isInteger(since))
        return sendJson(res, 400, { code: 'BadRequestError', message: 'updated_at_start must be epoch milliseconds' });
      return reply(
        store.applications,
        (a) => !a.deleted && a.updatedAt >= since && (!query.tag || a.reference === query.tag),
        (a) => opportunity(a, query.expand === 'stage'),
      );
    }
    if (req.method === 'GET' && url.pathname === '/v1/opportunities/deleted') {
      const since = Number(query.deleted_at_start ?? 0);
      return reply(
        store.applications,
        (a) => a.deleted && (a.deletedAt ?? 0) >= since,
        (a) => ({ id: String(a.id), deletedAt: a.deletedAt }),
      );
    }
    if (req.method === 'POST' && url.pathname === '/v1/opportunities') {
      if (!query.perform_as) return sendJson(res, 400, { code: 'BadRequestError', message: 'perform_as is required' });
      const body = JSON.parse((await readBody(req)) || '{}');
      const job = store.job.get(Number(body.postings?.[0]));
      if (!body.name || !job)
        return sendJson(res, 400, { code: 'BadRequestError', message: !body.name ? 'name is required' : 'posting not found' });
      const pushed = store.push(body.tags?.[0] ?? '', job.id, body.name, body.emails?.[0] ?? null);
      return sendJson(res, 201, { data: opportunity(pushed.application, true) });
    }
    return sendJson(res, 404, { code: 'ResourceNotFound', message: 'Not found' });
  }

  const server = await listen(handle, opts.port);
  const signed = (event: string, token: string, triggeredAt: number) => hmacSha256Hex(tokens[event]!, `${token}${triggeredAt}`);
  const delivery = (event: string, data: Record<string, string>, o: { deliveryId?: string; at?: Date }) => {
    const triggeredAt = (o.at ?? new Date()).getTime();
    const token = o.deliveryId ?? randomBytes(16).toString('hex');
    return {
      body: JSON.stringify({ triggeredAt, event, token, signature: signed(event, token, triggeredAt), data }),
      headers: { 'content-type': 'application/json' },
    };
  };
  return {
    platform: 'lever',
    url: server.url,
    config: {
      credentials: {
        apiKey: API_KEY,
        performAs: 'lever-user-1',
        ...Object.fromEntries(Object.entries(tokens).map(([e, t]) => [leverTokenField(e), t])),
      },
      baseUrl: server.url,
    },
    webhookSecret,
    ...store.controls(),
    stageChangeWebhook: (id, o = {}) => {
      const a = store.get(id);
      return delivery(
        'candidateStageChange',
        {
          opportunityId: String(a.id),
          contactId: String(a.candidateId),
          toStageId: stageId(a.stage),
          fromStageId: stageId(a.history.at(-2)?.to ?? a.stage),
        },
        o,
      );
    },
    deletionWebhook: (id, o = {}) => {
      const a = store.get(id);
      store.controls().deleteApplication(id);
      return delivery('candidateDeleted', { opportunityId: String(a.id), contactId: String(a.candidateId) }, o);
    },
    // Lever signs inside the body (token + triggeredAt), so no header carries a signature.
    signWebhook: () => ({ 'content-type': 'application/json' }),
    close: () => server.close(),
  };
}
