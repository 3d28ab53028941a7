import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AtsWorkflowActivities } from '../activities/index.js';
import type { Actor } from '../domain/actors.js';
import {
  type AtsSyncInput,
  type CanonicalEvent,
  type EntityStatus,
  type IntegrationState,
  type SyncEntity,
  type SyncStatus,
  SYNC_INTERVAL_MINUTES,
  changeSyncConfigUpdate,
  disconnectUpdate,
  fullResyncSignal,
  integrationRecordedUpdate,
  pauseSyncUpdate,
  pushApplicationSignal,
  resumeSyncUpdate,
  syncNowSignal,
  syncStatusQuery,
  testConnectionUpdate,
  webhookEventsSignal,
} from '../domain/ats.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { applicationFailureOf, asRefusal, flagRefusedWrite } from './failures.js';

// The messages live in domain/ (the API sends them without loading workflow code); re-exported beside the workflow.
export {
  type AtsSyncInput,
  type EntityStatus,
  type IntegrationState,
  type SealedCredentials,
  type SyncConfig,
  type SyncConfigChange,
  type SyncStatus,
  changeSyncConfigUpdate,
  disconnectUpdate,
  fullResyncSignal,
  integrationRecordedUpdate,
  pauseSyncUpdate,
  pushApplicationSignal,
  resumeSyncUpdate,
  syncNowSignal,
  syncStatusQuery,
  testConnectionUpdate,
  webhookEventsSignal,
} from '../domain/ats.js';

const ENTITIES: SyncEntity[] = ['jobs', 'candidates', 'applications'];

const db = proxyActivities<AtsWorkflowActivities>(DATABASE_ACTIVITY);
const email = proxyActivities<AtsWorkflowActivities>(NOTIFICATION_ACTIVITY);
const ats = proxyActivities<AtsWorkflowActivities>({
  startToCloseTimeout: '2 hours',
  // Paging activities heartbeat every page; a crashed worker's run resumes elsewhere from its stored cursor.
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8,
    nonRetryableErrorTypes: [FAILURE_TYPES.AtsAuthFailed, FAILURE_TYPES.AtsRequestRejected, FAILURE_TYPES.IntegrationNotFound, FAILURE_TYPES.SyncSuperseded],
  },
});

/** Webhook subscriptions through the platform's API on connect / resume, removed on disconnect (new commands: patched). */
const WEBHOOK_SUBSCRIPTIONS_PATCH = 'ats-webhook-subscriptions';

/** Failures in a row after which the integration shows up in the Web UI as needing attention. */
const ATTENTION_AFTER_FAILURES = 3;
const MINUTE_MS = 60_000;

/**
 * One connected ATS (product §3.6): an incremental sync of each enabled entity every
 * interval, on request now, or in full; webhook events and application pushes as they
 * arrive; pause / resume / config changes as updates. A 401/403 pauses it (auth_failed)
 * and tells the company admins instead of retrying forever. Runs until disconnected,
 * continuing as new when its history grows long.
 */
export async function atsSyncWorkflow(input: AtsSyncInput): Promise<SyncStatus> {
  const emptyEntity = (): EntityStatus => ({ checkpoint: null, lastSuccessAt: null, lastError: null, lastRun: null });
  const status: SyncStatus = input.status ?? {
    integrationId: input.integrationId, platform: input.platform, state: 'active', syncing: false, config: input.config, runs: 0,
    lastRunAt: null, nextRunAt: null, lastSuccessAt: null, lastError: null, consecutiveFailures: 0,
    entities: { jobs: emptyEntity(), candidates: emptyEntity(), applications: emptyEntity() },
    webhookEvents: { received: 0, stored: 0, duplicates: 0 }, pushes: { done: 0, failed: 0, pending: 0 },
  };
  const pushes: string[] = [...(input.pendingPushes ?? [])];
  const events: CanonicalEvent[] = [...(input.pendingEvents ?? [])];
  let requested: 'incremental' | 'full' | null = input.status ? null : 'incremental'; // a new integration syncs at once
  let configChanged = false;
  const refuse = (type: string, message: string): never => { throw ApplicationFailure.create({ type, message }); };
  const show = () =>
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.IntegrationPlatform, value: input.platform },
      { key: SEARCH_ATTRIBUTES.CompanyId, value: input.companyId },
      { key: SEARCH_ATTRIBUTES.IntegrationState, value: status.state },
      { key: SEARCH_ATTRIBUTES.NeedsAttention, value: status.state === 'auth_failed' || status.consecutiveFailures >= ATTENTION_AFTER_FAILURES },
    ]);
  const companyAdmin = (actor: Actor) => {
    if (actor.role !== 'platform_admin' && !(actor.role === 'company_admin' && actor.companyId === input.companyId)) {
      refuse(FAILURE_TYPES.Forbidden, 'only a company admin of this company can manage its integration');
    }
    if (status.state === 'deleted') refuse(FAILURE_TYPES.InvalidState, 'this integration is disconnected');
  };
  const setState = async (state: IntegrationState, error?: string | null) => {
    status.state = state;
    show();
    await db.setIntegrationState({ integrationId: input.integrationId, state, ...(error !== undefined && { error }) });
  };

  let recorded = !!input.status;
  let refusal: ApplicationFailure | undefined;
  setHandler(integrationRecordedUpdate, async () => {
    await condition(() => recorded || refusal !== undefined);
    if (refusal) throw refusal;
    return status;
  });
  setHandler(syncStatusQuery, () => ({ ...status, pushes: { ...status.pushes, pending: pushes.length } }));
  setHandler(syncNowSignal, () => { requested ??= 'incremental'; });
  setHandler(fullResyncSignal, () => { requested = 'full'; });
  setHandler(webhookEventsSignal, (batch) => {
    status.webhookEvents.received += batch.length;
    events.push(...batch);
  });
  setHandler(pushApplicationSignal, ({ proposalId }) => {
    if (!pushes.includes(proposalId)) pushes.push(proposalId);
  });
  setHandler(pauseSyncUpdate, async () => {
    await setState('paused');
    return status;
  }, { validator: ({ actor }) => { companyAdmin(actor); if (status.state === 'paused') refuse(FAILURE_TYPES.InvalidState, 'the integration is already paused'); } });
  setHandler(resumeSyncUpdate, async () => {
    if (!status.webhookSubscriptions?.length && patched(WEBHOOK_SUBSCRIPTIONS_PATCH)) await subscribeWebhooks();
    await setState('active', null);
    status.consecutiveFailures = 0;
    requested ??= 'incremental';
    show();
    return status;
  }, { validator: ({ actor }) => { companyAdmin(actor); if (status.state === 'active') refuse(FAILURE_TYPES.InvalidState, 'the integration is already running'); } });
  setHandler(changeSyncConfigUpdate, async ({ config, credentials }) => {
    status.config = { ...status.config, ...config, entities: { ...status.config.entities, ...config.entities } };
    configChanged = true;
    if (config.intervalMinutes !== undefined && status.lastRunAt) {
      status.nextRunAt = new Date(new Date(status.lastRunAt).getTime() + status.config.intervalMinutes * MINUTE_MS).toISOString();
    }
    await db.saveIntegrationConfig({ integrationId: input.integrationId, ...status.config, ...(credentials && { credentials }) });
    return status;
  }, {
    validator: ({ actor, config }) => {
      companyAdmin(actor);
      if (config.intervalMinutes !== undefined && !(Number.isInteger(config.intervalMinutes) && config.intervalMinutes >= SYNC_INTERVAL_MINUTES.min && config.intervalMinutes <= SYNC_INTERVAL_MINUTES.max)) {
        refuse(FAILURE_TYPES.InvalidState, `the interval is ${SYNC_INTERVAL_MINUTES.min} to ${SYNC_INTERVAL_MINUTES.max} minutes`);
      }
    },
  });
  setHandler(testConnectionUpdate, () => ats.testConnection({ integrationId: input.integrationId }), { validator: ({ actor }) => companyAdmin(actor) });
  setHandler(disconnectUpdate, async () => {
    if (status.webhookSubscriptions?.length && patched(WEBHOOK_SUBSCRIPTIONS_PATCH)) await unsubscribeWebhooks();
    await setState('deleted');
    return status;
  }, { validator: ({ actor }) => companyAdmin(actor) });

  show();
  if (input.record) {
    try {
      await db.recordIntegration(input.record);
      recorded = true;
      if (patched(WEBHOOK_SUBSCRIPTIONS_PATCH)) await subscribeWebhooks();
    } catch (err) {
      refusal = asRefusal(err);
      await condition(allHandlersFinished);
      status.state = 'deleted';
      return status;
    }
  }
  for (;;) {
    const due = () => (status.nextRunAt ? new Date(status.nextRunAt).getTime() - Date.now() : 0);
    const active = () => status.state === 'active';
    // Paused or failed integrations wait for a command, not for a timer.
    await condition(
      () => status.state === 'deleted' || events.length > 0 || configChanged || (active() && (requested !== null || pushes.length > 0)),
      active() ? Math.max(1, due()) : undefined,
    );
    if (status.state === 'deleted') break;
    configChanged = false;

    if (events.length > 0) await ingestEvents(events.splice(0, events.length));
    if (active() && pushes.length > 0) await pushAll();
    if (active() && (requested !== null || due() <= 0)) await runSync(requested ?? 'incremental');

    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.historyLimit ?? 5_000)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof atsSyncWorkflow>({ ...input, record: undefined, config: status.config, status, pendingPushes: pushes, pendingEvents: events });
    }
  }
  await condition(allHandlersFinished);
  return status;

  async function runSync(mode: 'incremental' | 'full') {
    requested = null;
    status.syncing = true;
    status.runs += 1;
    status.lastRunAt = new Date().toISOString();
    let failed: string | null = null;
    for (const entity of ENTITIES.filter((e) => status.config.entities[e])) {
      const entityStatus = status.entities[entity];
      try {
        const result = await ats.syncEntity({ integrationId: input.integrationId, entity, mode, runId: `${workflowInfo().workflowId}:run-${status.runs}:${entity}` });
        const { entity: _e, checkpoint, ...counts } = result;
        Object.assign(entityStatus, { checkpoint, lastSuccessAt: new Date().toISOString(), lastError: null, lastRun: counts });
      } catch (err) {
        const cause = applicationFailureOf(err);
        const message = cause?.message ?? String(err);
        entityStatus.lastError = message;
        if (cause?.type === FAILURE_TYPES.AtsAuthFailed) {
          status.syncing = false;
          return authFailed(message);
        }
        if (cause?.type === FAILURE_TYPES.SyncSuperseded) continue;
        failed = `${entity}: ${message}`;
        log.warn('ATS sync of an entity failed', { entity, error: message });
      }
    }
    status.syncing = false;
    status.lastError = failed;
    status.consecutiveFailures = failed ? status.consecutiveFailures + 1 : 0;
    if (!failed) status.lastSuccessAt = new Date().toISOString();
    status.nextRunAt = new Date(Date.now() + status.config.intervalMinutes * MINUTE_MS).toISOString();
    show();
  }

  /** A platform refusing the subscription does not stop syncing: the error shows, and a resume tries again. */
  async function subscribeWebhooks() {
    try {
      status.webhookSubscriptions = (await ats.registerWebhooks({ integrationId: input.integrationId })).subscriptionIds;
    } catch (err) {
      status.lastError = `webhook subscription: ${applicationFailureOf(err)?.message ?? String(err)}`;
      log.warn('ATS webhook subscription failed', { error: status.lastError });
    }
  }

  async function unsubscribeWebhooks() {
    try {
      await ats.removeWebhooks({ integrationId: input.integrationId, subscriptionIds: status.webhookSubscriptions ?? [] });
      status.webhookSubscriptions = [];
    } catch (err) {
      log.warn('ATS webhook subscriptions could not be removed', { error: applicationFailureOf(err)?.message ?? String(err) });
    }
  }

  async function authFailed(message: string) {
    await setState('auth_failed', message);
    try {
      await email.sendIntegrationAuthFailedEmail({ integrationId: input.integrationId, occurrence: `${status.runs}`, error: message });
    } catch {
      // The state and NeedsAttention already tell; a failing e-mail must not hold the integration.
    }
  }

  async function ingestEvents(batch: CanonicalEvent[]) {
    let result;
    try {
      result = await db.ingestWebhookEvents({ integrationId: input.integrationId, events: batch });
    } catch (err) {
      // A batch the database refuses for its data must not end the integration: it stays in this run's history for ops.
      if (applicationFailureOf(err)?.type !== FAILURE_TYPES.InvalidData) throw err;
      status.lastError = `${batch.length} webhook event(s) not stored: ${flagRefusedWrite('webhook events', err).message}`;
      return;
    }
    status.webhookEvents.stored += result.stored;
    status.webhookEvents.duplicates += result.duplicates;
  }

  async function pushAll() {
    while (pushes.length > 0 && status.state === 'active') {
      const proposalId = pushes[0]!;
      try {
        await ats.pushApplication({ integrationId: input.integrationId, proposalId });
        status.pushes.done += 1;
      } catch (err) {
        const cause = applicationFailureOf(err);
        if (cause?.type === FAILURE_TYPES.AtsAuthFailed) return authFailed(cause.message); // kept for after the resume
        status.pushes.failed += 1;
        status.lastError = `push of proposal ${proposalId}: ${cause?.message ?? String(err)}`;
      }
      pushes.shift();
    }
  }
}
