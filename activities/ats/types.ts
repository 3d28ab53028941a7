/**
 * The one small interface every ATS connector implements (product §3.6), and the canonical
 * shapes they map their platform's payloads to. Connectors do HTTP only: storing,
 * deduplicating and checkpointing is the ingestion's job (activities/db/ats.ts).
 */

// The platforms, entities and canonical shapes are domain knowledge (domain/ats.ts); connectors keep the interface.
export {
  ATS_PLATFORMS,
  SYNC_ENTITIES,
  type AtsPlatform,
  type SyncEntity,
  type CanonicalJob,
  type CanonicalCandidate,
  type StageChange,
  type CanonicalApplication,
  type CanonicalEventType,
  type CanonicalEvent,
} from '../../domain/ats.js';
import type { AtsPlatform, CanonicalApplication, CanonicalCandidate, CanonicalEvent, CanonicalJob, SyncEntity } from '../../domain/ats.js';

export interface ListRequest {
  /**
   * Where the previous complete run of this entity started: an ISO time, or the
   * platform's own token (Ashby's syncToken). null = a full sync.
   */
  checkpoint: string | null;
  /** The next-page cursor returned by the previous page of this run; null = first page. */
  cursor: string | null;
  pageSize: number;
}

export interface Page<T> {
  items: T[];
  /** null on the last page. */
  nextCursor: string | null;
  /**
   * A checkpoint the platform hands out itself (Ashby: syncToken on the last page). When
   * absent, the ingestion uses the time the run started.
   */
  platformCheckpoint?: string | null;
}

export interface PushApplicationInput {
  /** Our id of what is pushed (the proposal): the connector must not create a second application for it. */
  reference: string;
  jobExternalId: string;
  candidate: { fullName: string; email: string | null };
  note: string;
}

export interface WebhookRequest {
  rawBody: Buffer;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The integration's own webhook secret (platforms that sign with a credential use that instead). */
  secret: string;
  now: Date;
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale' };

export interface ConnectorCapabilities {
  /**
   * How each entity finds changes: `updated_since` filters on the platform; `full_scan`
   * lists everything each run (BambooHR), so changes are found by content hash and
   * deletions by what a complete run no longer lists.
   */
  incremental: Record<SyncEntity, 'updated_since' | 'full_scan'>;
  webhooks: boolean;
  push: boolean;
}

export interface AtsConnector {
  readonly platform: AtsPlatform;
  readonly capabilities: ConnectorCapabilities;
  /** A cheap authenticated request: resolves, or throws AtsAuthError / AtsRequestError. */
  testConnection(): Promise<void>;
  listJobs(req: ListRequest): Promise<Page<CanonicalJob>>;
  listCandidates(req: ListRequest): Promise<Page<CanonicalCandidate>>;
  listApplications(req: ListRequest): Promise<Page<CanonicalApplication>>;
  /** Idempotent on `reference`: a second call returns the first application. */
  pushApplication(input: PushApplicationInput): Promise<{ applicationExternalId: string; candidateExternalId: string }>;
  /**
   * Platforms whose webhooks are subscribed through their API (Workable): registers `target` for the
   * events the connector reads and returns the subscription ids; idempotent on retries.
   */
  subscribeWebhooks?(target: string): Promise<string[]>;
  /** Removes subscriptions made by subscribeWebhooks (ones already gone are fine). */
  unsubscribeWebhooks?(ids: string[]): Promise<void>;
  /** Platforms whose webhooks name stages by id only (Lever): the names of those stage ids (unknown ones left out). */
  stageNames?(stageIds: string[]): Promise<Record<string, string>>;
  verifyWebhook(req: WebhookRequest): WebhookVerdict;
  /** The canonical events of a verified webhook delivery (possibly none: not every action matters). */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | undefined>): CanonicalEvent[];
}

/** What a connector is built from; `baseUrl` (and `authUrl`) point it at a local fake in dev and tests. */
export interface ConnectorConfig {
  credentials: Record<string, string>;
  baseUrl?: string;
  authUrl?: string;
  fetch?: typeof fetch;
}

// ---- Errors every connector throws, so the activities can classify them. ----

/** 401 / 403: retrying cannot help; the integration is paused and its admin told. */
export class AtsAuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AtsAuthError';
  }
}

/** 429 / 503 throttling: retry after what the platform asked for (ms), else back off. */
export class AtsRateLimitError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = 'AtsRateLimitError';
  }
}

/** Any other failure; `permanent` for refusals a retry repeats (400 / 404 / 422 …). */
export class AtsRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'AtsRequestError';
  }
}

/** The platform refused an incremental run (Ashby `incremental_sync_too_large`): drop the checkpoint, sync fully. */
export class AtsResyncRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AtsResyncRequiredError';
  }
}
