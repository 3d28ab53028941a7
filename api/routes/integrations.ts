import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import express, { Router } from 'express';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Db } from '../../lib/db.js';
import { type KeyRing, seal, unseal } from '../../lib/sealed.js';
import { integrationsDal, type CheckpointRow, type IntegrationRow, type SyncLogRow } from '../../db/dal/integrations.js';
import type { ConnectorFactory } from '../../activities/ats/sync.js';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import type { AtsSyncWorkflow } from '../../domain/ats.js';
import {
  changeSyncConfigUpdate,
  disconnectUpdate,
  fullResyncSignal,
  integrationRecordedUpdate,
  pauseSyncUpdate,
  resumeSyncUpdate,
  type SealedCredentials,
  syncNowSignal,
  syncStatusQuery,
  testConnectionUpdate,
  webhookEventsSignal,
} from '../../domain/ats.js';
import { NOBODY, actorOf, type AuthedActor } from '../auth.js';
import { badRequest, notFound, unauthorized, unavailable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { awaitWorkflow } from '../workflow-wait.js';
import { assertStorableText } from '../text-guard.js';
import { idParams, webhookAckDto, WORKFLOW_WAIT_RESPONSES } from '../schemas/common.js';
import {
  connectionTestDto,
  integrationCreateBody,
  integrationDeletedDto,
  integrationCreatedDto,
  integrationDto,
  integrationListQuery,
  integrationPageDto,
  integrationPatchBody,
  credentialIssues,
  type syncLogDto,
  syncLogPageDto,
  syncLogQuery,
  syncRequestBody,
} from './integrations.schemas.js';

export interface AtsApiDeps {
  keyRing: KeyRing;
  connectorFor: ConnectorFactory;
  /** Whether a company may point an integration at another API host (dev and tests: the fakes). */
  allowBaseUrl: boolean;
  publicUrl: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const logToDto = (l: SyncLogRow): z.infer<typeof syncLogDto> => ({
  id: l.id,
  runId: l.run_id,
  entity: l.entity,
  mode: l.mode,
  page: l.page,
  received: l.received,
  created: l.created,
  updated: l.updated,
  deleted: l.deleted,
  unchanged: l.unchanged,
  status: l.status,
  error: l.error,
  occurredAt: l.occurred_at.toISOString(),
});

/**
 * ATS integrations (product §3.6): company admins connect, configure, sync, pause and resume
 * them; each runs as its `ats-sync-<id>` workflow. Credentials are sealed here and never
 * returned. Webhooks are verified with the integration's secret and handed to the workflow.
 */
export function integrationRoutes({
  temporal,
  db,
  registry,
  taskQueue,
  ats,
}: {
  temporal: Client;
  db: Db;
  registry: Operation[];
  taskQueue: string;
  ats?: AtsApiDeps;
}): Router {
  const router = Router();
  const integrations = integrationsDal(db);
  const needAts = () => {
    if (!ats) throw unavailable('integrations_not_configured', 'ATS integrations need ATS_CREDENTIALS_KEYS on the server');
    return ats;
  };
  const ADMINS = ['company_admin', 'platform_admin'] as const;
  /** How long an integration's answer waits for its sync workflow's live status. */
  const LIVE_STATUS_TIMEOUT_MS = 2_000;

  async function owned(actor: AuthedActor, id: string, opts: { evenDisconnected?: boolean } = {}): Promise<IntegrationRow> {
    const row = await (opts.evenDisconnected ? integrations.findEvenDisconnected(id) : integrations.find(id));
    if (!row || (actor.role !== 'platform_admin' && row.company_id !== actor.companyId)) throw notFound('integration');
    return row;
  }

  async function toDto(row: IntegrationRow): Promise<z.infer<typeof integrationDto>> {
    const checkpoints = await integrations.checkpoints(row.id);
    // Bounded: a list of integrations must not wait on each workflow whose worker is down (live is then unknown).
    const live = await temporal
      .withDeadline(Date.now() + LIVE_STATUS_TIMEOUT_MS, () => temporal.workflow.getHandle(row.workflow_id).query(syncStatusQuery))
      .catch(() => null);
    return {
      id: row.id,
      companyId: row.company_id,
      platform: row.platform,
      name: row.name,
      state: row.state,
      entities: { jobs: row.sync_jobs, candidates: row.sync_candidates, applications: row.sync_applications },
      pushApplications: row.push_applications,
      intervalMinutes: row.interval_minutes,
      lastError: row.last_error,
      workflowId: row.workflow_id,
      webhookUrl: `${ats?.publicUrl ?? ''}/api/v1/integrations/${row.id}/webhooks`,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      sync: Object.fromEntries(
        checkpoints.map((c: CheckpointRow) => [
          c.entity,
          {
            checkpoint: c.checkpoint,
            runInProgress: c.run_id !== null,
            pagesDone: c.pages_done,
            lastSuccessAt: iso(c.last_success_at),
            lastError: c.last_error,
          },
        ]),
      ),
      live,
    };
  }

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/integrations',
      summary: 'Connect an ATS (company admin); starts its sync workflow, which syncs at once',
      body: integrationCreateBody,
      roles: ['company_admin'],
      responses: {
        ...WORKFLOW_WAIT_RESPONSES,
        201: { description: 'The integration; webhookSecret is shown this once', schema: integrationCreatedDto },
        400: { description: 'Invalid platform, credentials or settings' },
        409: { description: 'The company already has this platform connected' },
        503: { description: 'ATS integrations are not configured on this server (integrations_not_configured)' },
      },
    },
    async ({ body, res }) => {
      const actor = actorOf(res);
      const deps = needAts();
      if ((body.baseUrl || body.authUrl) && !deps.allowBaseUrl)
        throw badRequest('this deployment does not allow a custom API host', [{ path: ['baseUrl'], message: 'not allowed here' }]);
      const id = randomUUID();
      const webhookSecret = body.webhookSecret ?? randomBytes(24).toString('base64url');
      const credentials = seal(deps.keyRing, JSON.stringify(body.credentials), id);
      const entities = { jobs: true, candidates: true, applications: true, ...body.entities };
      const config = { entities, intervalMinutes: body.intervalMinutes, pushApplications: body.pushApplications };
      const workflowId = workflowIds.atsSync(id);
      await awaitWorkflow(temporal, res, workflowId, () =>
        temporal.workflow.executeUpdateWithStart(integrationRecordedUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation<AtsSyncWorkflow>(WORKFLOW_TYPES.atsSync, {
            workflowId,
            taskQueue,
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [
              {
                integrationId: id,
                companyId: actor.companyId!,
                platform: body.platform,
                config,
                record: {
                  id,
                  companyId: actor.companyId!,
                  platform: body.platform,
                  name: body.name ?? body.platform,
                  credentialsSealed: credentials.sealed,
                  credentialsKeyId: credentials.keyId,
                  webhookSecretSealed: seal(deps.keyRing, webhookSecret, `${id}:webhook`).sealed,
                  baseUrl: body.baseUrl ?? null,
                  authUrl: body.authUrl ?? null,
                  ...config,
                  workflowId,
                  createdByUserId: actor.userId,
                  at: new Date().toISOString(),
                },
              },
            ],
            typedSearchAttributes: [
              { key: SEARCH_ATTRIBUTES.IntegrationPlatform, value: body.platform },
              { key: SEARCH_ATTRIBUTES.CompanyId, value: actor.companyId! },
            ],
          }),
        }),
      );
      const row = (await integrations.find(id))!;
      return { status: 201, body: { ...(await toDto(row)), webhookSecret }, headers: { Location: `/api/v1/integrations/${id}` } };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/integrations',
      summary: "The company's integrations (platform admins: all), newest first",
      query: integrationListQuery,
      roles: ADMINS,
      responses: { 200: { description: 'A page of integrations', schema: integrationPageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const rows = await integrations.list({
        companyId: actor.role === 'platform_admin' ? undefined : (actor.companyId ?? NOBODY),
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      const listed = page(rows, query.limit, (r) => r);
      return { status: 200, body: { ...listed, data: await Promise.all(listed.data.map(toDto)) } };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/integrations/:id',
      summary: "One integration with its per-entity checkpoints and the sync workflow's live status",
      params: idParams,
      roles: ADMINS,
      responses: { 200: { description: 'The integration', schema: integrationDto }, 404: { description: 'No such integration' } },
    },
    async ({ params, res }) => ({ status: 200, body: await toDto(await owned(actorOf(res), params.id)) }),
  );

  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/integrations/:id',
      summary: 'Change what is synced, the interval, application pushes, or the credentials (write-only)',
      params: idParams,
      body: integrationPatchBody,
      roles: ADMINS,
      responses: {
        ...WORKFLOW_WAIT_RESPONSES,
        200: { description: 'The integration', schema: integrationDto },
        404: { description: 'No such integration' },
        409: { description: 'Disconnected' },
        503: { description: 'ATS integrations are not configured on this server (integrations_not_configured)' },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      const row = await owned(actor, params.id);
      const { credentials, ...config } = body;
      let sealed: SealedCredentials | undefined;
      if (credentials) {
        const issues = credentialIssues(row.platform, credentials);
        if (issues.length) throw badRequest('invalid credentials', issues);
        const { keyRing } = needAts();
        // The webhook secret is opened with the row's key id, which becomes the current key's: re-seal it too
        // (after a key rotation the two would differ and every webhook would fail to verify).
        const webhookSecret = unseal(keyRing, row.webhook_secret_sealed, row.credentials_key_id, `${row.id}:webhook`);
        const fresh = seal(keyRing, JSON.stringify(credentials), row.id);
        sealed = {
          sealed: fresh.sealed,
          keyId: fresh.keyId,
          webhookSecretSealed: seal(keyRing, webhookSecret, `${row.id}:webhook`).sealed,
        };
      }
      await awaitWorkflow(temporal, res, row.workflow_id, () =>
        temporal.workflow
          .getHandle(row.workflow_id)
          .executeUpdate(changeSyncConfigUpdate, { args: [{ actor, config, ...(sealed && { credentials: sealed }) }] }),
      );
      return { status: 200, body: await toDto((await integrations.find(row.id))!) };
    },
  );

  const commands = [
    ['pause', 'Pause syncing (webhook events are still stored)', pauseSyncUpdate],
    ['resume', 'Resume syncing (also after new credentials or an auth failure)', resumeSyncUpdate],
  ] as const;
  for (const [verb, summary, update] of commands) {
    route(
      router,
      registry,
      {
        method: 'post',
        path: `/integrations/:id/${verb}`,
        summary,
        params: idParams,
        roles: ADMINS,
        responses: {
          ...WORKFLOW_WAIT_RESPONSES,
          200: { description: 'The integration', schema: integrationDto },
          404: { description: 'No such integration' },
          409: { description: `Already ${verb === 'pause' ? 'paused' : 'running'}` },
        },
      },
      async ({ params, res }) => {
        const actor = actorOf(res);
        const row = await owned(actor, params.id);
        await awaitWorkflow(temporal, res, row.workflow_id, () =>
          temporal.workflow.getHandle(row.workflow_id).executeUpdate(update, { args: [{ actor }] }),
        );
        return { status: 200, body: await toDto((await integrations.find(row.id))!) };
      },
    );
  }

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/integrations/:id/sync',
      summary: 'Sync now: incremental, or a full re-sync that also finds deletions',
      params: idParams,
      body: syncRequestBody,
      roles: ADMINS,
      responses: {
        202: { description: 'Requested; the sync workflow runs it', schema: integrationDto },
        404: { description: 'No such integration' },
      },
    },
    async ({ params, body, res }) => {
      const row = await owned(actorOf(res), params.id);
      await temporal.workflow.getHandle(row.workflow_id).signal(body.mode === 'full' ? fullResyncSignal : syncNowSignal);
      return { status: 202, body: await toDto(row) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/integrations/:id/test',
      summary: 'Test the connection with the stored credentials',
      params: idParams,
      roles: ADMINS,
      responses: {
        ...WORKFLOW_WAIT_RESPONSES,
        200: { description: 'Whether the platform accepted the credentials, and its refusal if not', schema: connectionTestDto },
        404: { description: 'No such integration' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const row = await owned(actor, params.id);
      return {
        status: 200,
        body: await awaitWorkflow(temporal, res, row.workflow_id, () =>
          temporal.workflow.getHandle(row.workflow_id).executeUpdate(testConnectionUpdate, { args: [{ actor }] }),
        ),
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'delete',
      path: '/integrations/:id',
      summary: 'Disconnect (the synced records stay; syncing stops)',
      params: idParams,
      roles: ADMINS,
      responses: {
        ...WORKFLOW_WAIT_RESPONSES,
        200: { description: 'Disconnected', schema: integrationDeletedDto },
        404: { description: 'No such integration' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const row = await owned(actor, params.id);
      await awaitWorkflow(temporal, res, row.workflow_id, () =>
        temporal.workflow.getHandle(row.workflow_id).executeUpdate(disconnectUpdate, { args: [{ actor }] }),
      );
      return { status: 200, body: { id: row.id, state: 'deleted' } };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/integrations/:id/sync-logs',
      summary: 'Sync log lines (one per page or error), newest first; still readable after a disconnect',
      params: idParams,
      query: syncLogQuery,
      roles: ADMINS,
      responses: { 200: { description: 'A page of log lines', schema: syncLogPageDto }, 404: { description: 'No such integration' } },
    },
    async ({ params, query, res }) => {
      const row = await owned(actorOf(res), params.id, { evenDisconnected: true });
      const rows = await integrations.logs({
        integrationId: row.id,
        entity: query.entity,
        status: query.status,
        runId: query.runId,
        before: decodeCursor(query.cursor, 'serial'),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, logToDto, 'occurred_at') };
    },
  );

  return router;
}

/**
 * `POST /integrations/:id/webhooks`: verified by the platform's signature over the raw
 * body (no token), then handed to the integration's workflow; events already stored are
 * dropped here, and the workflow's activity stores each event once anyway.
 */
export function integrationWebhookRoutes({
  temporal,
  db,
  registry,
  ats,
}: {
  temporal: Client;
  db: Db;
  registry: Operation[];
  ats?: AtsApiDeps;
}): Router {
  const router = Router();
  const integrations = integrationsDal(db);
  const PATH = '/integrations/:id/webhooks';
  router.use(PATH, express.raw({ type: () => true, limit: '512kb' }));
  route(
    router,
    registry,
    {
      method: 'post',
      path: PATH,
      summary: 'ATS webhook deliveries (signed by the platform)',
      auth: false,
      params: idParams,
      responses: {
        200: { description: 'Accepted (or all duplicates)', schema: webhookAckDto },
        400: { description: 'Stale or unreadable' },
        401: { description: 'Missing or invalid signature' },
        404: { description: 'No such integration' },
        503: { description: 'ATS integrations are not configured on this server (integrations_not_configured)' },
      },
    },
    async ({ params, req }) => {
      if (!ats) throw unavailable('integrations_not_configured', 'ATS integrations need ATS_CREDENTIALS_KEYS on the server');
      const row = await integrations.find(params.id);
      if (!row) throw notFound('integration');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]));
      // Some platforms sign with a credential (Workable: the API token; Lever: a token per event type).
      const credentials = JSON.parse(unseal(ats.keyRing, row.credentials_sealed, row.credentials_key_id, row.id)) as Record<string, string>;
      const connector = ats.connectorFor(row.platform, { credentials });
      const secret = unseal(ats.keyRing, row.webhook_secret_sealed, row.credentials_key_id, `${row.id}:webhook`);
      const verdict = connector.verifyWebhook({ rawBody: raw, headers, secret, now: new Date() });
      if (!verdict.ok && verdict.reason === 'stale') throw badRequest('the webhook is too old (or from the future)');
      if (!verdict.ok) throw unauthorized('missing or invalid webhook signature');
      let events;
      try {
        events = connector.parseWebhook(raw, headers);
      } catch {
        throw badRequest('the webhook body is not what this platform sends');
      }
      assertStorableText({ body: events });
      const known = await integrations.knownEventIds(
        row.id,
        events.map((e) => e.providerEventId),
      );
      const fresh = events.filter((e) => !known.has(e.providerEventId));
      if (fresh.length) await temporal.workflow.getHandle(row.workflow_id).signal(webhookEventsSignal, fresh);
      return { status: 200, body: { received: true, ...(fresh.length === 0 && { ignored: true }) } };
    },
  );
  return router;
}
