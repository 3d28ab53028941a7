import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createApp } from '../../api/app.js';
import type { ContractViolation } from '../../api/contract.js';
import type { Db } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { signToken, TOKEN_DEFAULTS } from '../../lib/tokens.js';
import { createAutomationWorker } from '../../workers/automation.js';
import { createAtsSyncWorker } from '../../workers/ats-sync.js';
import { connectorFor } from '../../activities/ats/index.js';
import { parseKeyRing } from '../../lib/sealed.js';
import { dataConverter } from '../../lib/payload-codec.js';
import { createDb } from '../../lib/db.js';
import { createOwnershipWorker } from '../../workers/ownership.js';
import { createPlacementsWorker } from '../../workers/placements.js';
import { createProposalsWorker } from '../../workers/proposals.js';
import type { TaskQueues } from '../../domain/temporal.js';
import type { Actor } from '../../domain/actors.js';
import { startFakeResend, type FakeResend } from '../fakes/resend.js';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe.js';
import { databaseUrl, temporalAddress, temporalUiUrl, workflowBundle } from '../env/suite-context.js';
import type { TestInfra } from '../env/infra.js';
import { freePort } from '../../scripts/lib/net.js';
import { startUiCodecProxy } from '../../scripts/lib/ui-codec-proxy.js';

export const JWT = { secret: 'test-secret-that-is-at-least-32-characters-long', issuer: 'splits-test', ...TOKEN_DEFAULTS };
const WEBHOOK_SECRET = `whsec_${Buffer.from('resend-webhook-test-secret-32byte').toString('base64')}`;
/** The API's STRIPE_WEBHOOK_SECRET; the harness points the Stripe fake's deliveries at the API with it. */
export const STRIPE_WEBHOOK_SECRET = 'whsec_stripe_webhook_test_secret';

export interface ApiResponse<T = any> {
  status: number;
  /** Parsed JSON; the text itself when the body is not JSON; undefined when empty. */
  body: T;
  text: string;
  headers: Headers;
}

export interface ApiHarness {
  db: Db;
  temporal: Client;
  resend: FakeResend;
  stripe: FakeStripe;
  taskQueues: TaskQueues;
  baseUrl: string;
  /** The test server's Web UI as `npm run dev` serves it: decoding through this API's /codec, with cookies (null when headless). */
  temporalUi: string | null;
  /** The API's RESEND_WEBHOOK_SECRET: sign deliveries with signWebhook() from the Resend fake. */
  webhookSecret: string;
  /** The API's STRIPE_WEBHOOK_SECRET (the Stripe fake signs its deliveries to the API with it). */
  stripeWebhookSecret: string;
  /** Responses that did not match their declared schemas (each also answered 500); stop() fails when any. */
  contractViolations: ContractViolation[];
  token(actor: Actor): Promise<string>;
  request<T = any>(
    method: string,
    path: string,
    opts?: { actor?: Actor; token?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/** The payload codec's key ring in tests (the current key first). */
export const TEST_PAYLOAD_KEYS = `p2:${Buffer.alloc(32, 7).toString('base64')},p1:${Buffer.alloc(32, 6).toString('base64')}`;
/** Where the web app's links to the Temporal Web UI point in tests. */
export const TEMPORAL_UI = 'http://temporal-ui.test';
/** Two keys, the second retired: what it sealed still opens, new secrets use the first. */
export const TEST_KEY_RING = parseKeyRing(`k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`);

/** The servers a harness runs on: the test run's (vitest), or a bench's or drill's own. */
export type HarnessInfra = Pick<TestInfra, 'databaseUrl' | 'temporalAddress' | 'workflowBundlePath' | 'temporalUiUrl'>;

const testRunInfra = (): HarnessInfra => ({
  databaseUrl: databaseUrl(),
  temporalAddress: temporalAddress(),
  workflowBundlePath: workflowBundle().codePath,
  temporalUiUrl: temporalUiUrl(),
});

/**
 * The real API over HTTP on a free port, the real dev server, the real database, and
 * proposals, placements, ownership, automation and ats-sync workers on private task queues with fake Resend and Stripe
 * servers behind the real SDKs.
 */
export async function startApiHarness(
  infra: HarnessInfra = testRunInfra(),
  opts: {
    /** Turns on the development sign-in page (DEV_SIGN_IN_INBOX_URL = this harness's Resend fake), as `npm run dev` does. */
    devSignIn?: boolean;
    /** The fake pays every fee invoice as it is finalized (default true); money-in tests turn it off. */
    companiesPayAtOnce?: boolean;
  } = {},
): Promise<ApiHarness> {
  const db = createDb(infra.databaseUrl, { max: 5 });
  const [resend, stripe] = await Promise.all([startFakeResend(), startFakeStripe({ autoPayInvoices: opts.companiesPayAtOnce ?? true })]);
  const address = infra.temporalAddress;
  const [connection, nativeConnection] = await Promise.all([Connection.connect({ address }), NativeConnection.connect({ address })]);
  // As in production: every payload this stack writes to Temporal is encrypted.
  const converter = dataConverter(TEST_PAYLOAD_KEYS);
  const temporal = new Client({ connection, dataConverter: converter });
  const taskQueues: TaskQueues = {
    proposals: `proposals-api-${randomUUID()}`,
    placements: `placements-api-${randomUUID()}`,
    ownership: `ownership-api-${randomUUID()}`,
    automation: `automation-api-${randomUUID()}`,
    atsSync: `ats-sync-api-${randomUUID()}`,
  };
  const bundle = { codePath: infra.workflowBundlePath };
  const email = {
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    temporal,
    automationTaskQueue: taskQueues.automation,
    dataConverter: converter,
  };
  const workers = await Promise.all([
    createProposalsWorker({
      connection: nativeConnection,
      namespace: 'default',
      db,
      ...email,
      workflowBundle: bundle,
      taskQueue: taskQueues.proposals,
    }),
    createPlacementsWorker({
      connection: nativeConnection,
      namespace: 'default',
      db,
      stripe: stripe.client(),
      ...email,
      workflowBundle: bundle,
      taskQueue: taskQueues.placements,
    }),
    createOwnershipWorker({
      connection: nativeConnection,
      namespace: 'default',
      db,
      ...email,
      workflowBundle: bundle,
      taskQueue: taskQueues.ownership,
    }),
    createAutomationWorker({
      connection: nativeConnection,
      namespace: 'default',
      db,
      ...email,
      workflowBundle: bundle,
      taskQueue: taskQueues.automation,
    }),
    createAtsSyncWorker({
      connection: nativeConnection,
      namespace: 'default',
      db,
      ...email,
      workflowBundle: bundle,
      taskQueue: taskQueues.atsSync,
      keyRing: TEST_KEY_RING,
    }),
  ]);
  const running = Promise.all(workers.map((w) => w.run()));
  const contractViolations: ContractViolation[] = [];
  const uiOrigin = infra.temporalUiUrl ? `http://127.0.0.1:${await freePort()}` : undefined;
  const app = createApp({
    temporal,
    db,
    config: {
      JWT_SECRET: JWT.secret,
      JWT_ISSUER: JWT.issuer,
      EMAIL_FROM: email.emailFrom,
      RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_WEBHOOK_SECRET,
      TEMPORAL_UI_URL: TEMPORAL_UI,
      // The links' fake UI, and the test server's real one (the browser test of the codec server).
      CODEC_CORS_ORIGINS: [TEMPORAL_UI, ...(uiOrigin ? [uiOrigin] : [])].join(','),
      // The sign-in tests give each case its own client IP (X-Forwarded-For from the loopback test client).
      API_TRUST_PROXY: 'loopback',
      ...(opts.devSignIn && { DEV_SIGN_IN_INBOX_URL: `${resend.url}/_fake/emails` }),
    },
    resend: email.resend,
    stripe: stripe.client(),
    ats: { keyRing: TEST_KEY_RING, connectorFor, allowBaseUrl: true, publicUrl: 'http://api.test' },
    logger: createLogger('api-test', 'silent'),
    codec: converter?.payloadCodecs?.[0],
    taskQueues,
    onContractViolation: (v) => contractViolations.push(v),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stripe.setWebhookEndpoint(`${baseUrl}/api/v1/webhooks/stripe`, STRIPE_WEBHOOK_SECRET);
  const ui = uiOrigin
    ? await startUiCodecProxy({ target: infra.temporalUiUrl, codecEndpoint: `${baseUrl}/codec`, port: Number(new URL(uiOrigin).port) })
    : undefined;

  const token = (actor: Actor) =>
    signToken(
      { sub: actor.userId!, role: actor.role as 'recruiter', companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null },
      JWT,
    );

  return {
    db,
    temporal,
    resend,
    stripe,
    taskQueues,
    baseUrl,
    temporalUi: ui?.url ?? null,
    token,
    webhookSecret: WEBHOOK_SECRET,
    stripeWebhookSecret: STRIPE_WEBHOOK_SECRET,
    contractViolations,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const bearer = opts.token ?? (opts.actor ? await token(opts.actor) : undefined);
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
      const res = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(60_000) });
      const text = await res.text();
      return { status: res.status, body: parseJson(text) as never, text, headers: res.headers };
    },
    async stop() {
      await ui?.close();
      await new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      });
      for (const w of workers) w.shutdown();
      await running;
      await Promise.all([connection.close(), nativeConnection.close(), resend.close(), stripe.close(), db.destroy()]);
      // Called from afterAll: a response off its declared schema fails the test file even when its test passed.
      if (contractViolations.length > 0) {
        throw new Error(`API responses off their declared schemas:\n${contractViolations.map((v) => JSON.stringify(v)).join('\n')}`);
      }
    },
  };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Polls `probe` until it returns a truthy value (visibility in Temporal is eventually consistent). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
