import type { ApplicationFailure } from '@temporalio/workflow';
import {
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
import { type IntegrationCommandCall, checkIntegrationCommand } from '../domain/ats-rules.js';
import {
  type AtsSyncInput,
  type CanonicalEvent,
  type EntityStatus,
  type IntegrationState,
  type SyncEntity,
  type SyncConfigChange,
  type SealedCredentials,
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
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { ATS_ACTIVITY, DATABASE_ACTIVITY, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { answerWhenRecorded, refuseIf } from './commands.js';
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

const db =
  proxyActivities<
    Pick<AtsWorkflowActivities, 'recordIntegration' | 'setIntegrationState' | 'saveIntegrationConfig' | 'ingestWebhookEvents'>
  >(DATABASE_ACTIVITY);
const email = proxyActivities<Pick<AtsWorkflowActivities, 'sendIntegrationAuthFailedEmail'>>(NOTIFICATION_ACTIVITY);
const ats =
  proxyActivities<Pick<AtsWorkflowActivities, 'syncEntity' | 'pushApplication' | 'testConnection' | 'registerWebhooks' | 'removeWebhooks'>>(
    ATS_ACTIVITY,
  );

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
  const integration = new Integration(input);
  integration.acceptCommands();

  if (!(await integration.record())) return integration.refused();
  while (await integration.workArrived()) {
    await integration.ingestEvents();
    await integration.pushApplications();
    await integration.syncWhenDue();
    if (integration.historyIsLong()) await integration.continueAsNew();
  }

  await condition(allHandlersFinished);
  return integration.status;
}

/** One integration's status, its commands (signals and updates) and the steps of its loop. */
class Integration {
  readonly status: SyncStatus;
  private readonly pushes: string[];
  private readonly events: CanonicalEvent[];
  /** A sync asked for (a new integration syncs at once). */
  private requested: 'incremental' | 'full' | null;
  private configChanged = false;
  private recorded: boolean;
  private refusal: ApplicationFailure | undefined;

  constructor(private readonly input: AtsSyncInput) {
    const emptyEntity = (): EntityStatus => ({ checkpoint: null, lastSuccessAt: null, lastError: null, lastRun: null });
    this.status = input.status ?? {
      integrationId: input.integrationId,
      platform: input.platform,
      state: 'active',
      syncing: false,
      config: input.config,
      runs: 0,
      lastRunAt: null,
      nextRunAt: null,
      lastSuccessAt: null,
      lastError: null,
      consecutiveFailures: 0,
      entities: { jobs: emptyEntity(), candidates: emptyEntity(), applications: emptyEntity() },
      webhookEvents: { received: 0, stored: 0, duplicates: 0 },
      pushes: { done: 0, failed: 0, pending: 0 },
    };
    this.pushes = [...(input.pendingPushes ?? [])];
    this.events = [...(input.pendingEvents ?? [])];
    this.requested = input.status ? null : 'incremental';
    this.recorded = !!input.status;
  }

  // ── Commands ────────────────────────────────────────────────────────────────────────

  acceptCommands() {
    const { status } = this;
    answerWhenRecorded(integrationRecordedUpdate, {
      recorded: () => this.recorded,
      refusal: () => this.refusal,
      view: () => status,
    });
    setHandler(syncStatusQuery, () => ({ ...status, pushes: { ...status.pushes, pending: this.pushes.length } }));
    setHandler(syncNowSignal, () => {
      this.requested ??= 'incremental';
    });
    setHandler(fullResyncSignal, () => {
      this.requested = 'full';
    });
    setHandler(webhookEventsSignal, (batch) => {
      status.webhookEvents.received += batch.length;
      this.events.push(...batch);
    });
    setHandler(pushApplicationSignal, ({ proposalId }) => {
      if (!this.pushes.includes(proposalId)) this.pushes.push(proposalId);
    });
    setHandler(pauseSyncUpdate, () => this.pause(), {
      validator: ({ actor }) => this.check({ command: 'pause', actor }),
    });
    setHandler(resumeSyncUpdate, () => this.resume(), {
      validator: ({ actor }) => this.check({ command: 'resume', actor }),
    });
    setHandler(changeSyncConfigUpdate, (change) => this.changeConfig(change), {
      validator: ({ actor, config }) => this.check({ command: 'changeConfig', actor, config }),
    });
    setHandler(testConnectionUpdate, () => ats.testConnection({ integrationId: this.input.integrationId }), {
      validator: ({ actor }) => this.check({ command: 'testConnection', actor }),
    });
    setHandler(disconnectUpdate, () => this.disconnect(), {
      validator: ({ actor }) => this.check({ command: 'disconnect', actor }),
    });
  }

  private check(call: IntegrationCommandCall) {
    refuseIf(checkIntegrationCommand(call, { companyId: this.input.companyId, state: this.status.state }));
  }

  private async pause() {
    await this.setState('paused');
    return this.status;
  }

  private async resume() {
    const { status } = this;
    if (!status.webhookSubscriptions?.length && patched(WEBHOOK_SUBSCRIPTIONS_PATCH)) await this.subscribeWebhooks();
    await this.setState('active', null);
    status.consecutiveFailures = 0;
    this.requested ??= 'incremental';
    this.show();
    return status;
  }

  private async changeConfig({ config, credentials }: { config: SyncConfigChange; credentials?: SealedCredentials }) {
    const { status } = this;
    status.config = { ...status.config, ...config, entities: { ...status.config.entities, ...config.entities } };
    this.configChanged = true;
    if (config.intervalMinutes !== undefined && status.lastRunAt) {
      status.nextRunAt = new Date(new Date(status.lastRunAt).getTime() + status.config.intervalMinutes * MINUTE_MS).toISOString();
    }
    await db.saveIntegrationConfig({ integrationId: this.input.integrationId, ...status.config, ...(credentials && { credentials }) });
    return status;
  }

  private async disconnect() {
    if (this.status.webhookSubscriptions?.length && patched(WEBHOOK_SUBSCRIPTIONS_PATCH)) await this.unsubscribeWebhooks();
    await this.setState('deleted');
    return this.status;
  }

  // ── The process ─────────────────────────────────────────────────────────────────────

  /** Records a new integration and subscribes its webhooks; a continued run is recorded already. */
  async record(): Promise<boolean> {
    this.show();
    if (!this.input.record) return true;
    try {
      await db.recordIntegration(this.input.record);
      this.recorded = true;
      if (patched(WEBHOOK_SUBSCRIPTIONS_PATCH)) await this.subscribeWebhooks();
      return true;
    } catch (err) {
      this.refusal = asRefusal(err);
      return false;
    }
  }

  /** The record was refused (e.g. the company has this platform already): the run ends, never connected. */
  async refused(): Promise<SyncStatus> {
    await condition(allHandlersFinished);
    this.status.state = 'deleted';
    return this.status;
  }

  /**
   * Waits for something to do: events, a changed config, or — while active — a sync asked for,
   * pushes, or the next interval. Paused or failed integrations wait for a command, not for a
   * timer. False once disconnected.
   */
  async workArrived(): Promise<boolean> {
    const { status } = this;
    await condition(
      () =>
        status.state === 'deleted' ||
        this.events.length > 0 ||
        this.configChanged ||
        (this.active() && (this.requested !== null || this.pushes.length > 0)),
      this.active() ? Math.max(1, this.msUntilDue()) : undefined,
    );
    if (status.state === 'deleted') return false;
    this.configChanged = false;
    return true;
  }

  async ingestEvents() {
    if (this.events.length === 0) return;
    const batch = this.events.splice(0, this.events.length);
    let result;
    try {
      result = await db.ingestWebhookEvents({ integrationId: this.input.integrationId, events: batch });
    } catch (err) {
      // A batch the database refuses for its data must not end the integration: it stays in this run's history for ops.
      if (applicationFailureOf(err)?.type !== FAILURE_TYPES.InvalidData) throw err;
      this.status.lastError = `${batch.length} webhook event(s) not stored: ${flagRefusedWrite('webhook events', err).message}`;
      return;
    }
    this.status.webhookEvents.stored += result.stored;
    this.status.webhookEvents.duplicates += result.duplicates;
  }

  /** Pushes the queued applications in order; an auth failure keeps the rest for after the resume. */
  async pushApplications() {
    if (!this.active()) return;
    const { status, pushes } = this;
    while (pushes.length > 0 && status.state === 'active') {
      const proposalId = pushes[0]!;
      try {
        await ats.pushApplication({ integrationId: this.input.integrationId, proposalId });
        status.pushes.done += 1;
      } catch (err) {
        const cause = applicationFailureOf(err);
        if (cause?.type === FAILURE_TYPES.AtsAuthFailed) return this.authFailed(cause.message);
        status.pushes.failed += 1;
        status.lastError = `push of proposal ${proposalId}: ${cause?.message ?? String(err)}`;
      }
      pushes.shift();
    }
  }

  async syncWhenDue() {
    if (this.active() && (this.requested !== null || this.msUntilDue() <= 0)) await this.runSync(this.requested ?? 'incremental');
  }

  historyIsLong(): boolean {
    return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (this.input.historyLimit ?? 5_000);
  }

  /** Carries the status, config and what is still queued into a fresh run. */
  async continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    const { status, pushes, events } = this;
    return continueAsNew<typeof atsSyncWorkflow>({
      ...this.input,
      record: undefined,
      config: status.config,
      status,
      pendingPushes: pushes,
      pendingEvents: events,
    });
  }

  // ── Steps ───────────────────────────────────────────────────────────────────────────

  /** One sync of each enabled entity; an entity's failure is counted, an auth failure pauses the integration. */
  private async runSync(mode: 'incremental' | 'full') {
    const { status } = this;
    this.requested = null;
    status.syncing = true;
    status.runs += 1;
    status.lastRunAt = new Date().toISOString();
    let failed: string | null = null;
    for (const entity of ENTITIES.filter((e) => status.config.entities[e])) {
      const entityStatus = status.entities[entity];
      try {
        const result = await ats.syncEntity({
          integrationId: this.input.integrationId,
          entity,
          mode,
          runId: `${workflowInfo().workflowId}:run-${status.runs}:${entity}`,
        });
        const { entity: _e, checkpoint, ...counts } = result;
        Object.assign(entityStatus, { checkpoint, lastSuccessAt: new Date().toISOString(), lastError: null, lastRun: counts });
      } catch (err) {
        const cause = applicationFailureOf(err);
        const message = cause?.message ?? String(err);
        entityStatus.lastError = message;
        if (cause?.type === FAILURE_TYPES.AtsAuthFailed) {
          status.syncing = false;
          return this.authFailed(message);
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
    this.show();
  }

  /** A platform refusing the subscription does not stop syncing: the error shows, and a resume tries again. */
  private async subscribeWebhooks() {
    try {
      this.status.webhookSubscriptions = (await ats.registerWebhooks({ integrationId: this.input.integrationId })).subscriptionIds;
    } catch (err) {
      this.status.lastError = `webhook subscription: ${applicationFailureOf(err)?.message ?? String(err)}`;
      log.warn('ATS webhook subscription failed', { error: this.status.lastError });
    }
  }

  private async unsubscribeWebhooks() {
    try {
      await ats.removeWebhooks({ integrationId: this.input.integrationId, subscriptionIds: this.status.webhookSubscriptions ?? [] });
      this.status.webhookSubscriptions = [];
    } catch (err) {
      log.warn('ATS webhook subscriptions could not be removed', { error: applicationFailureOf(err)?.message ?? String(err) });
    }
  }

  private async authFailed(message: string) {
    await this.setState('auth_failed', message);
    try {
      await email.sendIntegrationAuthFailedEmail({
        integrationId: this.input.integrationId,
        occurrence: `${this.status.runs}`,
        error: message,
      });
    } catch {
      // The state and NeedsAttention already tell; a failing e-mail must not hold the integration.
    }
  }

  private async setState(state: IntegrationState, error?: string | null) {
    this.status.state = state;
    this.show();
    await db.setIntegrationState({ integrationId: this.input.integrationId, state, ...(error !== undefined && { error }) });
  }

  private show() {
    const { input, status } = this;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.IntegrationPlatform, value: input.platform },
      { key: SEARCH_ATTRIBUTES.CompanyId, value: input.companyId },
      { key: SEARCH_ATTRIBUTES.IntegrationState, value: status.state },
      {
        key: SEARCH_ATTRIBUTES.NeedsAttention,
        value: status.state === 'auth_failed' || status.consecutiveFailures >= ATTENTION_AFTER_FAILURES,
      },
    ]);
  }

  private active(): boolean {
    return this.status.state === 'active';
  }

  /** Milliseconds until the next interval's sync (0 or less: due; no run yet: due now). */
  private msUntilDue(): number {
    return this.status.nextRunAt ? new Date(this.status.nextRunAt).getTime() - Date.now() : 0;
  }
}
