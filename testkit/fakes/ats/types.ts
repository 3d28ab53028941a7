import type { AtsPlatform, ConnectorConfig } from '../../../activities/ats/types.js';

/**
 * The control side every fake ATS offers, so ingestion, workflow, API and benchmark tests
 * can drive any platform the same way. Each fake speaks its platform's real wire format
 * (auth, pagination, filters, throttling, webhook signing) on the HTTP side.
 */
export interface FakeAts {
  platform: AtsPlatform;
  /** Base URL to give the connector (`ConnectorConfig.baseUrl`). */
  url: string;
  /** A connector config with valid credentials for this fake (incl. baseUrl / authUrl). */
  config: ConnectorConfig;
  /** The secret this fake signs webhooks with (what the integration stores). */
  webhookSecret: string;

  addJob(job: { title: string; status?: 'open' | 'closed' | 'draft' }): string;
  addCandidate(candidate: { fullName: string; email?: string | null }): string;
  /** An application of a candidate for a job at `stage` (a stage name of this fake's pipeline). */
  addApplication(app: { candidateExternalId: string; jobExternalId: string; stage?: string }): string;
  /** Moves an application to `stage` (recorded in its history, updated time bumped). */
  moveApplication(applicationExternalId: string, stage: string, actor?: string): void;
  updateCandidate(candidateExternalId: string, patch: { fullName?: string; email?: string | null }): void;
  deleteApplication(applicationExternalId: string): void;
  deleteCandidate(candidateExternalId: string): void;
  /** The stage names of this fake's pipeline, in order (first = where new applications start). */
  stages: readonly string[];
  /**
   * Adds many records fast (benchmarks): `candidates` candidates with `applicationsPerCandidate`
   * applications each, spread over `jobs` jobs, last changed `ageMs` ago (default: now).
   */
  seedBulk(opts: { jobs: number; candidates: number; applicationsPerCandidate: number; ageMs?: number }): void;
  /** Marks `fraction` of the applications (and their candidates) updated now. */
  touch(fraction: number): void;

  /** A webhook delivery about an application's stage move, as the platform would send it. */
  stageChangeWebhook(
    applicationExternalId: string,
    opts?: { deliveryId?: string; at?: Date },
  ): { body: string; headers: Record<string, string> };
  /**
   * Deletes the application (and, where the platform deletes whole people, its candidate) and returns the
   * webhook delivery the platform sends about it; absent where the platform sends no deletion webhook.
   */
  deletionWebhook?(applicationExternalId: string, opts?: { deliveryId?: string }): { body: string; headers: Record<string, string> };
  /** Headers that sign `body` as this platform does (for forging tests: sign with another secret). */
  signWebhook(body: string, opts?: { secret?: string; at?: Date; deliveryId?: string }): Record<string, string>;

  /** Applications created through the API (pushes), with the reference they carried. */
  pushed(): { applicationExternalId: string; candidateExternalId: string; jobExternalId: string; reference: string }[];
  /** Fail the next matching requests (status, optional headers such as Retry-After, optional body). */
  injectFailure(failure: {
    method?: string;
    path: string | RegExp;
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
    times?: number;
  }): void;
  /** Every request received: method, path and query. */
  requests(): { method: string; path: string; query: Record<string, string> }[];
  close(): Promise<void>;
}
