import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './actors.js';

/**
 * ATS sync (product §3.6): the platforms, the synced entities, the canonical shapes every
 * connector maps its payloads to, the sync workflow's input, status, limits and messages.
 */
export const ATS_PLATFORMS = ['greenhouse', 'lever', 'workable', 'ashby', 'bamboohr'] as const;
export type AtsPlatform = (typeof ATS_PLATFORMS)[number];

export const SYNC_ENTITIES = ['jobs', 'candidates', 'applications'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

/** Fields common to every canonical entity. */
interface Remote {
  /** The platform's id, as a string. */
  externalId: string;
  /** The platform's last-modified time (ISO), when it has one. */
  updatedAt: string | null;
  /** The platform reports it deleted (soft delete on our side). */
  deleted: boolean;
  /** The payload as received, kept for support and re-mapping. */
  raw: unknown;
}

export interface CanonicalJob extends Remote {
  title: string;
  status: 'open' | 'closed' | 'draft';
}

export interface CanonicalCandidate extends Remote {
  fullName: string;
  email: string | null;
}

export interface StageChange {
  stageFrom: string | null;
  stageTo: string;
  at: string;
  actor: string | null;
}

export interface CanonicalApplication extends Remote {
  candidateExternalId: string;
  jobExternalId: string | null;
  /** The platform's stage name, as people see it ("Phone Screen", "Onsite" …); '' when the platform named none (unknown). */
  stage: string;
  status: 'active' | 'rejected' | 'hired';
  /** Stage moves the platform reports with the application (oldest first), when it does. */
  stageHistory: StageChange[];
}

export type CanonicalEventType =
  | 'candidate.created'
  | 'candidate.updated'
  | 'candidate.deleted'
  | 'candidate.merged'
  | 'application.created'
  | 'application.updated'
  | 'application.stage_changed'
  | 'application.hired'
  | 'application.rejected'
  | 'application.deleted'
  | 'job.updated';

/** One thing that happened in the ATS, from a webhook or derived from a sync (product §3.6). */
export interface CanonicalEvent {
  eventType: CanonicalEventType;
  /** Unique per integration: the platform's delivery / event id, or one derived from the change. */
  providerEventId: string;
  provider: AtsPlatform;
  candidateExternalId: string | null;
  /** The application the event is about, when it is about one. */
  applicationExternalId: string | null;
  jobExternalId: string | null;
  stageFrom: string | null;
  stageTo: string | null;
  actor: string | null;
  timestamp: string;
  metadata: Record<string, unknown>;
}

/** Counts of one page (or one run) of ingested records. */
export interface PageCounts {
  received: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/** What the API hands the workflow to record: credentials and webhook secret already sealed. */
export interface IntegrationRecord {
  id: string;
  companyId: string;
  platform: AtsPlatform;
  name: string;
  credentialsSealed: string;
  credentialsKeyId: string;
  webhookSecretSealed: string;
  baseUrl: string | null;
  authUrl: string | null;
  entities: Record<SyncEntity, boolean>;
  pushApplications: boolean;
  intervalMinutes: number;
  workflowId: string;
  createdByUserId: string | null;
  at: string;
}

export interface SyncResult extends PageCounts {
  entity: SyncEntity;
  pages: number;
  checkpoint: string | null;
}

/** How often a sync may run: every 1 to 1440 minutes (the API's schema and the workflow's validator). */
export const SYNC_INTERVAL_MINUTES = { min: 1, max: 1440, default: 5 } as const;

export const INTEGRATION_STATES = ['active', 'paused', 'auth_failed', 'deleted'] as const;
export type IntegrationState = (typeof INTEGRATION_STATES)[number];

export interface SyncConfig {
  entities: Record<SyncEntity, boolean>;
  intervalMinutes: number;
  pushApplications: boolean;
}

export interface EntityStatus {
  checkpoint: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastRun: Omit<SyncResult, 'entity' | 'checkpoint'> | null;
}

export interface SyncStatus {
  integrationId: string;
  platform: string;
  state: IntegrationState;
  syncing: boolean;
  config: SyncConfig;
  runs: number;
  lastRunAt: string | null;
  nextRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  entities: Record<SyncEntity, EntityStatus>;
  webhookEvents: { received: number; stored: number; duplicates: number };
  pushes: { done: number; failed: number; pending: number };
  /** Webhook subscriptions made through the platform's API (Workable), removed on disconnect. */
  webhookSubscriptions?: string[];
}

export interface AtsSyncInput {
  integrationId: string;
  companyId: string;
  platform: string;
  config: SyncConfig;
  /** The integration to record, on the first run only (credentials arrive sealed: no secret enters the history). */
  record?: IntegrationRecord;
  /** Carried over continue-as-new. */
  status?: SyncStatus;
  pendingPushes?: string[];
  pendingEvents?: CanonicalEvent[];
  /** History events after which the workflow continues as new (default 5,000; small in tests). */
  historyLimit?: number;
}

/** Resolves once the integration is recorded; fails with the refusal (e.g. the company already connected this platform). Used with update-with-start. */
export const integrationRecordedUpdate = defineUpdate<SyncStatus>('integrationRecorded');
export const syncNowSignal = defineSignal('syncNow');
export const fullResyncSignal = defineSignal('fullResync');
/** Verified webhook events (the API checked the signature); stored once each by the activity. */
export const webhookEventsSignal = defineSignal<[CanonicalEvent[]]>('webhookEvents');
/** An accepted proposal to push to the ATS (raised by the domain-event publisher). */
export const pushApplicationSignal = defineSignal<[{ proposalId: string }]>('pushApplication');
export const pauseSyncUpdate = defineUpdate<SyncStatus, [{ actor: Actor }]>('pauseSync');
export const resumeSyncUpdate = defineUpdate<SyncStatus, [{ actor: Actor }]>('resumeSync');
/** New credentials arrive sealed (no secret enters the history). */
export interface SealedCredentials {
  sealed: string;
  keyId: string;
  /** The webhook secret re-sealed under the same key: it is opened with the row's (credentials') key id. */
  webhookSecretSealed?: string;
}
export type SyncConfigChange = Partial<Omit<SyncConfig, 'entities'>> & { entities?: Partial<SyncConfig['entities']> };
export const changeSyncConfigUpdate = defineUpdate<
  SyncStatus,
  [{ actor: Actor; config: SyncConfigChange; credentials?: SealedCredentials }]
>('changeSyncConfig');
export const testConnectionUpdate = defineUpdate<{ ok: boolean; error: string | null }, [{ actor: Actor }]>('testConnection');
export const disconnectUpdate = defineUpdate<SyncStatus, [{ actor: Actor }]>('disconnect');
export const syncStatusQuery = defineQuery<SyncStatus>('syncStatus');

/** The ATS sync workflow's signature: started by name (WORKFLOW_TYPES.atsSync) with typed args. */
export type AtsSyncWorkflow = (input: AtsSyncInput) => Promise<SyncStatus>;
