import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Db } from '../../lib/db.js';
import { type KeyRing, unseal } from '../../lib/sealed.js';
import { integrationsDal, type IntegrationRow } from '../../db/dal/integrations.js';
import { automationDal } from '../../db/dal/automation.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { atsSyncDal } from '../../db/dal/ats-sync.js';
import { withTransaction } from '../../db/dal/once.js';
import type { EventPublisher } from '../events.js';
import { MAX_HEADER_WAIT_MS } from './http.js';
import { canonicalStage } from '../../domain/ats-stages.js';
import type { IntegrationRecord, SyncResult } from '../../domain/ats.js';
import {
  type IngestContext,
  type StageMove,
  ingestApplications,
  ingestCandidates,
  ingestJobs,
  insertEvents,
  recordStageMove,
} from './ingest.js';
import {
  AtsAuthError,
  AtsRateLimitError,
  AtsRequestError,
  AtsResyncRequiredError,
  type AtsConnector,
  type CanonicalEvent,
  type ConnectorConfig,
  type Page,
  type SyncEntity,
} from './types.js';

export type ConnectorFactory = (platform: IntegrationRow['platform'], config: ConnectorConfig) => AtsConnector;

export interface AtsActivityDeps {
  db: Db;
  keyRing: KeyRing;
  connectorFor: ConnectorFactory;
  events: EventPublisher;
  /** Records per page (the platforms' maximum is often higher; this bounds one transaction). */
  pageSize?: number;
  /** Where the API is reached from outside: the platforms post webhooks to `<publicUrl>/api/v1/integrations/<id>/webhooks`. */
  publicUrl?: string;
}

const ENTITY_TYPE = { jobs: 'job', candidates: 'candidate', applications: 'application' } as const satisfies Record<SyncEntity, string>;

/** How long a webhook batch waits for the platform to name stage ids (then the next sync names them). */
const STAGE_NAMES_TIMEOUT_MS = 5_000;

/** A run re-reads this much before its start, so a clock skew with the platform cannot lose an update. */
const CHECKPOINT_OVERLAP_MS = 60_000;

/** Connector errors → Temporal failures: auth and refusals are permanent; throttling retries when the platform said. */
export function asActivityFailure(err: unknown): Error {
  if (err instanceof AtsAuthError) return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.AtsAuthFailed);
  if (err instanceof AtsRateLimitError) {
    return ApplicationFailure.create({
      message: err.message,
      type: FAILURE_TYPES.AtsRateLimited,
      ...(err.retryAfterMs !== null && { nextRetryDelay: Math.min(MAX_HEADER_WAIT_MS, Math.max(1, err.retryAfterMs)) }),
    });
  }
  if (err instanceof AtsRequestError && err.permanent)
    return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.AtsRequestRejected);
  return err instanceof Error ? err : new Error(String(err));
}

/** The ATS side of each integration: paging syncs, webhook events, pushes. Every activity is idempotent. */
export function createAtsActivities({ db, keyRing, connectorFor, events, pageSize = 200, publicUrl = '' }: AtsActivityDeps) {
  const integrations = integrationsDal(db);
  const automation = automationDal(db);
  const store = atsSyncDal(db);

  async function load(integrationId: string, known?: IntegrationRow): Promise<{ integration: IntegrationRow; connector: AtsConnector }> {
    const integration = known ?? (await integrations.find(integrationId));
    if (!integration) throw ApplicationFailure.nonRetryable(`integration ${integrationId} not found`, FAILURE_TYPES.IntegrationNotFound);
    const credentials = JSON.parse(
      unseal(keyRing, integration.credentials_sealed, integration.credentials_key_id, integration.id),
    ) as Record<string, string>;
    const connector = connectorFor(integration.platform, {
      credentials,
      ...(integration.base_url && { baseUrl: integration.base_url }),
      ...(integration.auth_url && { authUrl: integration.auth_url }),
    });
    return { integration, connector };
  }

  /** Moves from sync or webhooks reach the rule engine only when a rule of the company listens (cheap when none). */
  async function announce(integration: IntegrationRow, moves: (StageMove & { recruiterId?: string | null })[]) {
    if (moves.length === 0) return;
    if ((await automation.rulesListening('application.stage_changed', integration.company_id)).length === 0) return;
    for (const m of moves) {
      await events.publishDomainEvent({
        key: `ats:${integration.id}:${m.applicationExternalId}:${m.stageTo}:${m.at}`,
        type: 'application.stage_changed',
        companyId: integration.company_id,
        entityType: 'application',
        entityId: m.applicationId,
        occurredAt: m.at,
        data: {
          applicationId: m.applicationId,
          candidateId: m.candidateId,
          jobId: m.jobId,
          companyId: integration.company_id,
          recruiterId: m.recruiterId ?? null,
          stageFrom: m.stageFrom,
          stageTo: m.stageTo,
          source: 'ats',
        },
      });
    }
  }

  const list = (connector: AtsConnector, entity: SyncEntity) =>
    ({ jobs: connector.listJobs, candidates: connector.listCandidates, applications: connector.listApplications })[entity].bind(
      connector,
    ) as (req: Parameters<AtsConnector['listJobs']>[0]) => Promise<Page<never>>;

  async function ingest(ctx: IngestContext, entity: SyncEntity, items: never[]) {
    if (entity === 'jobs') return { ...(await ingestJobs(ctx, items)), moves: [] as StageMove[] };
    if (entity === 'candidates') return { ...(await ingestCandidates(ctx, items)), moves: [] as StageMove[] };
    return ingestApplications(ctx, items);
  }

  return {
    /** Records a new integration once; a second live one for the same company and platform is refused. */
    async recordIntegration(r: IntegrationRecord): Promise<void> {
      try {
        await store.recordIntegration({
          id: r.id,
          company_id: r.companyId,
          platform: r.platform,
          name: r.name,
          credentials_sealed: r.credentialsSealed,
          credentials_key_id: r.credentialsKeyId,
          webhook_secret_sealed: r.webhookSecretSealed,
          base_url: r.baseUrl,
          auth_url: r.authUrl,
          sync_jobs: r.entities.jobs,
          sync_candidates: r.entities.candidates,
          sync_applications: r.entities.applications,
          push_applications: r.pushApplications,
          interval_minutes: r.intervalMinutes,
          state: 'active',
          workflow_id: r.workflowId,
          created_by_user_id: r.createdByUserId,
          created_at: new Date(r.at),
          updated_at: new Date(r.at),
        });
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw ApplicationFailure.nonRetryable(`this company already has a ${r.platform} integration`, FAILURE_TYPES.IntegrationExists);
        }
        throw err;
      }
    },

    /** Persists a config change made through the workflow. */
    async saveIntegrationConfig(input: {
      integrationId: string;
      entities: Record<SyncEntity, boolean>;
      pushApplications: boolean;
      intervalMinutes: number;
      credentials?: { sealed: string; keyId: string; webhookSecretSealed?: string };
    }): Promise<void> {
      await store.updateIntegration(input.integrationId, {
        ...(input.credentials && { credentials_sealed: input.credentials.sealed, credentials_key_id: input.credentials.keyId }),
        ...(input.credentials?.webhookSecretSealed && { webhook_secret_sealed: input.credentials.webhookSecretSealed }),
        sync_jobs: input.entities.jobs,
        sync_candidates: input.entities.candidates,
        sync_applications: input.entities.applications,
        push_applications: input.pushApplications,
        interval_minutes: input.intervalMinutes,
        updated_at: new Date(),
      });
    },

    /**
     * Syncs one entity of one integration, page by page. Each page is stored in one
     * transaction with the run's cursor, so a retried activity (a crash, a throttle)
     * resumes after the last stored page; the checkpoint moves to the run's start only
     * when the last page is stored. A full scan then soft-deletes what the run did not list.
     */
    async syncEntity(input: {
      integrationId: string;
      entity: SyncEntity;
      mode: 'incremental' | 'full';
      runId: string;
    }): Promise<SyncResult> {
      const { integration, connector } = await load(input.integrationId);
      const key = { integration_id: integration.id, entity: input.entity };
      let state = await store.claimSyncRun(key, { runId: input.runId, mode: input.mode });
      const fullScan = connector.capabilities.incremental[input.entity] === 'full_scan';
      // A run that fell back to a full listing (run_mode 'full') resumes as one.
      let filter: string | null = input.mode === 'full' || fullScan || state.run_mode === 'full' ? null : state.checkpoint;
      const totals: SyncResult = {
        entity: input.entity,
        pages: state.pages_done,
        received: 0,
        created: 0,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        checkpoint: state.checkpoint,
      };

      for (;;) {
        let page: Page<never>;
        try {
          page = await list(connector, input.entity)({ checkpoint: filter, cursor: state.cursor, pageSize });
        } catch (err) {
          if (err instanceof AtsResyncRequiredError && filter !== null) {
            // The platform refused the incremental run (perhaps mid-run): start over from page 1 as a full listing.
            log.warn('platform refused the incremental run: syncing fully', { integrationId: integration.id, entity: input.entity });
            filter = null;
            const restarted = await store.advanceSyncRun(
              key,
              { runId: input.runId, version: state.version },
              { run_mode: 'full', cursor: null, updated_at: new Date() },
            );
            if (!restarted)
              throw ApplicationFailure.nonRetryable(
                `a newer ${input.entity} run of integration ${integration.id} took over`,
                FAILURE_TYPES.SyncSuperseded,
              );
            state = restarted;
            continue;
          }
          await store.recordSyncError(key, String((err as Error).message ?? err).slice(0, 2000));
          await store.logSyncPage({
            integration_id: integration.id,
            run_id: input.runId,
            entity: input.entity,
            mode: input.mode,
            page: state.pages_done + 1,
            status: 'error',
            error: String((err as Error).message ?? err).slice(0, 2000),
            occurred_at: new Date(),
            log_key: `${input.runId}:${input.entity}:${state.pages_done + 1}:error:${Context.current().info.attempt}`,
          });
          throw asActivityFailure(err);
        }
        const last = page.nextCursor === null;
        const result = await withTransaction(db, async (trx) => {
          const now = new Date();
          const ctx: IngestContext = {
            trx,
            integrationId: integration.id,
            platform: integration.platform,
            companyId: integration.company_id,
            runId: input.runId,
            now,
          };
          const counts = await ingest(ctx, input.entity, page.items);
          const pageNo = state.pages_done + 1;
          await store.logSyncPage(
            {
              integration_id: integration.id,
              run_id: input.runId,
              entity: input.entity,
              mode: input.mode,
              page: pageNo,
              received: counts.received,
              created: counts.created,
              updated: counts.updated,
              deleted: counts.deleted,
              unchanged: counts.unchanged,
              status: 'ok',
              occurred_at: now,
              log_key: `${input.runId}:${input.entity}:${pageNo}`,
            },
            trx,
          );
          let deletedByScan = 0;
          if (last && (fullScan || input.mode === 'full' || state.run_mode === 'full'))
            deletedByScan = await store.softDeleteUnlisted(integration.id, ENTITY_TYPE[input.entity], input.runId, now, trx);
          const finished = last
            ? {
                checkpoint: page.platformCheckpoint ?? new Date(state.run_started_at!.getTime() - CHECKPOINT_OVERLAP_MS).toISOString(),
                run_id: null,
                cursor: null,
                last_success_at: now,
                last_error: null,
              }
            : { cursor: page.nextCursor };
          // Optimistic lock: a newer run of this entity (a full re-sync) supersedes this one.
          const saved = await store.advanceSyncRun(
            key,
            { runId: input.runId, version: state.version },
            { ...finished, pages_done: pageNo, updated_at: now },
            trx,
          );
          if (!saved)
            throw ApplicationFailure.nonRetryable(
              `a newer ${input.entity} run of integration ${integration.id} took over`,
              FAILURE_TYPES.SyncSuperseded,
            );
          return { counts: { ...counts, deleted: counts.deleted + deletedByScan }, saved };
        });
        state = result.saved;
        for (const k of ['received', 'created', 'updated', 'deleted', 'unchanged'] as const) totals[k] += result.counts[k];
        totals.pages = state.pages_done;
        await announce(integration, result.counts.moves);
        Context.current().heartbeat({ page: state.pages_done, cursor: state.cursor });
        if (last) {
          totals.checkpoint = state.checkpoint;
          return totals;
        }
      }
    },

    /** Stores a webhook delivery's events once each and applies stage moves and deletions they report. */
    async ingestWebhookEvents(input: { integrationId: string; events: CanonicalEvent[] }): Promise<{ stored: number; duplicates: number }> {
      const { integration, connector } = await load(input.integrationId);
      const events = await namedStages(connector, input.events);
      const moves: (StageMove & { recruiterId: string | null })[] = [];
      const stored = await withTransaction(db, async (trx) => {
        const now = new Date();
        const ctx: IngestContext = {
          trx,
          integrationId: integration.id,
          platform: integration.platform,
          companyId: integration.company_id,
          runId: `webhook:${now.toISOString()}`,
          now,
        };
        const fresh = await insertEvents(ctx, events, now);
        // Deliveries come late, repeated and out of order: apply them oldest first, and never let one
        // older than the application's last stage change move it back (it stays on record as an event).
        fresh.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
        for (const e of fresh) {
          if (e.eventType === 'candidate.deleted' && e.candidateExternalId) {
            await store.softDeleteMapped(integration.id, 'candidate', e.candidateExternalId, now, trx);
            continue;
          }
          if (!e.applicationExternalId) continue;
          const map = await store.findMapping(integration.id, 'application', e.applicationExternalId, trx);
          if (!map) continue; // not synced yet: the next sync brings it
          if (e.eventType === 'application.deleted') {
            await store.softDeleteMapped(integration.id, 'application', e.applicationExternalId, now, trx);
            continue;
          }
          const app = await store.findApplication(map.internal_id, trx);
          const lastChange = app?.stage_label_changed_at ?? app?.stage_changed_at;
          const stale = lastChange && new Date(e.timestamp) < lastChange;
          if (e.stageTo && app && app.stage_label !== e.stageTo && !stale) {
            const status = e.eventType === 'application.hired' ? 'hired' : e.eventType === 'application.rejected' ? 'rejected' : undefined;
            const stage = canonicalStage(e.stageTo, status);
            await store.updateApplication(
              app.id,
              {
                stage,
                stage_label: e.stageTo,
                stage_label_changed_at: new Date(e.timestamp),
                ...(status && { status }),
                ...(app.stage !== stage && { stage_changed_at: new Date(e.timestamp) }),
              },
              trx,
            );
            // The sync would see the record as changed again: forget its hash so it is rewritten, not re-announced.
            await store.forgetContentHash(integration.id, 'application', e.applicationExternalId, trx);
            if (app.stage === stage) continue; // renamed inside one canonical stage: a new label, not a move
            const move = {
              applicationId: app.id,
              applicationExternalId: e.applicationExternalId,
              candidateId: app.candidate_id,
              jobId: app.job_id,
              stageFrom: app.stage,
              stageTo: stage,
              labelFrom: app.stage_label,
              labelTo: e.stageTo,
              at: e.timestamp,
            };
            await recordStageMove(ctx, move, 'webhook', e.providerEventId);
            moves.push({ ...move, recruiterId: app.recruiter_id });
          }
        }
        return fresh.length;
      });
      await announce(integration, moves);
      return { stored, duplicates: input.events.length - stored };
    },

    /**
     * Pushes an accepted proposal's application to the ATS once: the connector is idempotent
     * on the proposal id, and the external ids are mapped to our application and candidate.
     */
    async pushApplication(input: {
      integrationId: string;
      proposalId: string;
    }): Promise<{ applicationExternalId: string; alreadyPushed: boolean }> {
      const { integration, connector } = await load(input.integrationId);
      const { proposal, application } = await store.pushable(input.proposalId);
      if (!proposal || !application)
        throw ApplicationFailure.nonRetryable(`proposal ${input.proposalId} has no application to push`, FAILURE_TYPES.ProposalNotFound);
      const known = await store.findMappingOf(integration.id, 'application', application.id);
      if (known) return { applicationExternalId: known.external_id, alreadyPushed: true };
      const job = await store.findMappingOf(integration.id, 'job', proposal.job_id);
      if (!job)
        throw ApplicationFailure.nonRetryable(`job ${proposal.job_id} is not synced from this ATS`, FAILURE_TYPES.ActionNotApplicable);
      // The proposal's candidate row is a foreign key: it exists.
      const candidate = (await store.findCandidate(proposal.candidate_id))!;
      let pushed;
      try {
        pushed = await connector.pushApplication({
          reference: input.proposalId,
          jobExternalId: job.external_id,
          candidate: { fullName: candidate.full_name, email: candidate.email },
          note: proposal.pitch,
        });
      } catch (err) {
        throw asActivityFailure(err);
      }
      const now = new Date();
      await withTransaction(db, async (trx) => {
        await store.mapPushed(
          {
            integration_id: integration.id,
            entity_type: 'application',
            external_id: pushed.applicationExternalId,
            internal_id: application.id,
            updated_at: now,
          },
          trx,
        );
        await store.mapPushedCandidate(
          { integration_id: integration.id, external_id: pushed.candidateExternalId, internal_id: candidate.id, updated_at: now },
          trx,
        );
      });
      return { applicationExternalId: pushed.applicationExternalId, alreadyPushed: false };
    },

    /**
     * Registers the integration's webhook URL with platforms that take subscriptions through their API
     * (Workable); none for the others. Idempotent: the connector finds a subscription it made before.
     */
    async registerWebhooks(input: { integrationId: string }): Promise<{ subscriptionIds: string[] }> {
      const { integration, connector } = await load(input.integrationId);
      if (!connector.subscribeWebhooks) return { subscriptionIds: [] };
      try {
        return {
          subscriptionIds: await connector.subscribeWebhooks(
            `${publicUrl.replace(/\/$/, '')}/api/v1/integrations/${integration.id}/webhooks`,
          ),
        };
      } catch (err) {
        throw asActivityFailure(err);
      }
    },

    /** Removes what registerWebhooks made (on disconnect); ones already gone are fine. */
    async removeWebhooks(input: { integrationId: string; subscriptionIds: string[] }): Promise<void> {
      if (input.subscriptionIds.length === 0) return;
      const integration = await integrations.findEvenDisconnected(input.integrationId);
      if (!integration)
        throw ApplicationFailure.nonRetryable(`integration ${input.integrationId} not found`, FAILURE_TYPES.IntegrationNotFound);
      const { connector } = await load(input.integrationId, integration);
      try {
        await connector.unsubscribeWebhooks?.(input.subscriptionIds);
      } catch (err) {
        throw asActivityFailure(err);
      }
    },

    async testConnection(input: { integrationId: string }): Promise<{ ok: boolean; error: string | null }> {
      const { connector } = await load(input.integrationId);
      try {
        await connector.testConnection();
        return { ok: true, error: null };
      } catch (err) {
        return { ok: false, error: String((err as Error).message ?? err) };
      }
    },

    /** The integration's row state (paused, auth_failed, active) and last error, for the API and the UI. */
    async setIntegrationState(input: { integrationId: string; state: IntegrationRow['state']; error?: string | null }): Promise<void> {
      await store.updateIntegration(input.integrationId, {
        state: input.state,
        ...(input.error !== undefined && { last_error: input.error }),
        updated_at: new Date(),
      });
    },
  };
}

/**
 * Events that name their stage by id only (Lever's `toStageId`), with the stage's name when the
 * platform tells it; left as they are when it cannot (the next sync brings the name).
 */
async function namedStages(connector: AtsConnector, events: CanonicalEvent[]): Promise<CanonicalEvent[]> {
  const ids = [
    ...new Set(events.filter((e) => !e.stageTo && typeof e.metadata.toStageId === 'string').map((e) => e.metadata.toStageId as string)),
  ];
  if (ids.length === 0 || !connector.stageNames) return events;
  // Bounded well inside the activity's timeout: a slow platform must not hold the deliveries back.
  const giveUp = new Promise<Record<string, string>>((resolve) => setTimeout(() => resolve({}), STAGE_NAMES_TIMEOUT_MS).unref());
  const names = await Promise.race([connector.stageNames(ids), giveUp]).catch((err: unknown) => {
    log.warn('could not name the stages of webhook events', { error: String(err) });
    return {} as Record<string, string>;
  });
  return events.map((e) =>
    !e.stageTo && names[e.metadata.toStageId as string] ? { ...e, stageTo: names[e.metadata.toStageId as string]! } : e,
  );
}

export type AtsActivities = ReturnType<typeof createAtsActivities>;
