/**
 * Building blocks of the crash drills: a private Postgres and Temporal dev server that a
 * drill may stop and start again (same data directory / SQLite file, same port), the real
 * worker processes (workers/<queue>.ts) on private task queues with a supervisor that can
 * kill -9 and restart them, the API in-process, and a teardown list that always runs.
 * Everything binds to 127.0.0.1 and lives in one temporary directory, removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createApp } from '../../api/app.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../db/embedded.js';
import { createDb, ensureDatabase, migrateLatest, type Db } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { dataConverter } from '../../lib/payload-codec.js';
import { signToken, TOKEN_DEFAULTS } from '../../lib/tokens.js';
import { freePort } from '../../scripts/lib/net.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/lib/temporal-server.js';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { WORKFLOW_BUNDLE_SOURCES } from '../../workers/queue-worker.js';
import type { TaskQueues } from '../../domain/temporal.js';
import type { Actor } from '../../domain/actors.js';
import type { FakeStripe } from '../../testkit/fakes/stripe.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && process.env[name] !== '' && process.env[name] !== undefined ? v : fallback;
};
export const randomBetween = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** Drill-wide secrets: test values, never production ones. */
export const DRILL_PAYLOAD_KEYS = `d1:${Buffer.alloc(32, 9).toString('base64')}`;
export const DRILL_ATS_KEYS = `a1:${Buffer.alloc(32, 5).toString('base64')}`;
const JWT = { secret: 'drill-secret-that-is-at-least-32-characters', issuer: 'splits-drill', ...TOKEN_DEFAULTS };
/** The drill API's STRIPE_WEBHOOK_SECRET: the Stripe fake signs its deliveries to the API with it. */
export const DRILL_STRIPE_WEBHOOK_SECRET = 'whsec_drill_stripe_webhook_secret';

/** Teardown steps, run last-in first-out, each once, errors logged but never thrown. */
export class Teardown {
  private steps: { name: string; fn: () => Promise<unknown> }[] = [];
  add(name: string, fn: () => Promise<unknown>) {
    this.steps.push({ name, fn });
  }
  async run(log: (line: string) => void) {
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        await Promise.race([
          step.fn(),
          sleep(30_000).then(() => {
            throw new Error('timed out after 30 s');
          }),
        ]);
      } catch (err) {
        log(`teardown ${step.name}: ${String(err)}`);
      }
    }
  }
}

export function drillLog(name: string) {
  const started = Date.now();
  return (line: string) => console.log(`[${name} +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
}

export async function tempDir(name: string, teardown: Teardown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${name}-`));
  teardown.add('temp dir', () => (process.env.DRILL_KEEP_DIR ? Promise.resolve() : rm(dir, { recursive: true, force: true })));
  return dir;
}

// ---- Postgres ----

export interface OwnPostgres {
  databaseUrl: string;
  port: number;
  /** Stops the server (fast shutdown: connections are cut, open transactions abort). */
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  start(): Promise<void>;
}

/** A private embedded Postgres in `dir`, with a migrated `splits_drill` database. */
export async function ownPostgres(dir: string, teardown: Teardown): Promise<OwnPostgres> {
  const port = await freePort();
  const dataDir = path.join(dir, 'postgres');
  let handle: EmbeddedPostgresHandle | undefined = await startEmbeddedPostgres({ dataDir, port });
  teardown.add('postgres', async () => handle?.stop());
  const name = 'splits_drill';
  await ensureDatabase(handle.adminUrl, name);
  const databaseUrl = handle.urlFor(name);
  const db = createDb(databaseUrl, { max: 1 });
  await migrateLatest(db);
  await db.destroy();
  return {
    databaseUrl,
    port,
    async stop() {
      await handle?.stop();
      handle = undefined;
    },
    async start() {
      handle = await startEmbeddedPostgres({ dataDir, port });
    },
  };
}

// ---- Temporal ----

export interface OwnTemporal {
  address: string;
  dbFile: string;
  /** SIGTERM (graceful) or SIGKILL (the process dies at once). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same SQLite file and port. */
  start(): Promise<void>;
}

/** A private Temporal dev server persisting to `dir/temporal.sqlite`. */
export async function ownTemporal(dir: string, teardown: Teardown): Promise<OwnTemporal> {
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.sqlite');
  const log = createWriteStream(path.join(dir, 'temporal.log'), { flags: 'a' });
  const options = { port, dbFile, log: (line: string) => log.write(`${line}\n`) };
  let server: TemporalDevServer | undefined = await startTemporalDevServer(options);
  teardown.add('temporal', async () => {
    await server?.stop();
    log.end();
  });
  return {
    address: server.address,
    dbFile,
    async stop(signal = 'SIGTERM') {
      const current = server;
      server = undefined;
      if (!current) return;
      if (signal === 'SIGTERM') return current.stop();
      const child = current.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async start() {
      server = await startTemporalDevServer(options);
    },
  };
}

/** The workflow bundle, built once per drill (as the tests do), for the worker processes. */
export async function buildWorkflowBundle(dir: string): Promise<string> {
  const noop = () => undefined;
  const bundle = await bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_SOURCES,
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
  });
  const file = path.join(dir, 'workflow-bundle.js');
  await writeFile(file, bundle.code);
  return file;
}

/** A client that reconnects on its own (gRPC), with the drill's payload encryption. */
export async function temporalClient(address: string, teardown: Teardown): Promise<Client> {
  const connection = await Connection.connect({ address });
  teardown.add('temporal client', () => connection.close());
  return new Client({ connection, dataConverter: dataConverter(DRILL_PAYLOAD_KEYS) });
}

export function privateQueues(): TaskQueues {
  const id = randomUUID().slice(0, 8);
  return {
    proposals: `drill-proposals-${id}`,
    placements: `drill-placements-${id}`,
    ownership: `drill-ownership-${id}`,
    automation: `drill-automation-${id}`,
    atsSync: `drill-ats-sync-${id}`,
  };
}

// ---- Worker processes ----

export type WorkerKind = 'proposals' | 'placements' | 'automation' | 'ownership' | 'ats-sync';
const QUEUE_OF: Record<WorkerKind, keyof TaskQueues> = {
  proposals: 'proposals',
  placements: 'placements',
  automation: 'automation',
  ownership: 'ownership',
  'ats-sync': 'atsSync',
};

export interface WorkerEnv {
  databaseUrl: string;
  temporalAddress: string;
  bundlePath: string;
  queues: TaskQueues;
  stripeUrl: string;
  resendUrl: string;
  logDir: string;
  /** WORKER_MAX_CONCURRENT_ACTIVITIES per kind (few at a time keep work in flight when a kill lands). */
  maxConcurrentActivities?: Partial<Record<WorkerKind, number>>;
}

/**
 * One worker process (`node --import tsx workers/<kind>.ts`), as production runs it. The
 * supervisor restarts it after an exit it did not ask for, and counts those exits.
 */
export class WorkerProcess {
  child: ChildProcess | undefined;
  starts = 0;
  kills = 0;
  unexpectedExits: string[] = [];
  readyAt = 0;
  private stopping = false;
  private log: WriteStream;

  constructor(
    readonly kind: WorkerKind,
    readonly index: number,
    private readonly env: WorkerEnv,
  ) {
    this.log = createWriteStream(path.join(env.logDir, `worker-${kind}-${index}.log`), { flags: 'a' });
  }

  get name() {
    return `${this.kind}#${this.index}`;
  }

  /** Started and polling (its log said "worker started"). */
  get ready() {
    return this.readyAt > 0;
  }

  start() {
    const env = this.env;
    const max = env.maxConcurrentActivities?.[this.kind];
    this.readyAt = 0;
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', `workers/${this.kind}.ts`], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATABASE_URL: env.databaseUrl,
        TEMPORAL_ADDRESS: env.temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        STRIPE_SECRET_KEY: 'sk_test_drill',
        STRIPE_API_BASE: env.stripeUrl,
        RESEND_API_KEY: 're_test_drill',
        RESEND_BASE_URL: env.resendUrl,
        JWT_SECRET: JWT.secret,
        PAYLOAD_CODEC_KEYS: DRILL_PAYLOAD_KEYS,
        ATS_CREDENTIALS_KEYS: DRILL_ATS_KEYS,
        WORKER_TASK_QUEUE: env.queues[QUEUE_OF[this.kind]],
        AUTOMATION_TASK_QUEUE: env.queues.automation,
        WORKFLOW_BUNDLE_PATH: env.bundlePath,
        WORKER_MAX_CONCURRENT_ACTIVITIES: max ? String(max) : '',
        WORKER_METRICS_PORT: '',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_TRACES_EXPORTER: '',
        WORKER_SHUTDOWN_GRACE: '2s',
        LOG_LEVEL: 'info',
      },
    });
    this.child = child;
    const stamp = () => new Date().toISOString();
    this.log.write(`--- ${stamp()} start #${this.starts} pid ${child.pid}\n`);
    const onData = (d: Buffer) => {
      const text = d.toString();
      this.log.write(text);
      if (!this.readyAt && text.includes('worker started')) this.readyAt = Date.now();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      this.log.write(`--- ${stamp()} exit code ${code} signal ${signal}\n`);
      if (this.child !== child || this.stopping) return;
      // Not ours: record it and restart, as an orchestrator would.
      this.unexpectedExits.push(`${this.name} exited (code ${code}, signal ${signal}) at ${stamp()}`);
      this.child = undefined;
      setTimeout(() => {
        if (!this.stopping && !this.child) this.start();
      }, 1000);
    });
  }

  private async exit(signal: NodeJS.Signals) {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** kill -9, then a fresh process. */
  async killAndRestart() {
    this.kills++;
    await this.exit('SIGKILL');
    this.start();
  }

  async stop() {
    this.stopping = true;
    await this.exit('SIGTERM');
    this.log.end();
  }
}

export function startWorkers(kinds: WorkerKind[], env: WorkerEnv, teardown: Teardown): WorkerProcess[] {
  const workers = kinds.map((kind, i) => new WorkerProcess(kind, kinds.slice(0, i).filter((k) => k === kind).length + 1, env));
  for (const w of workers) w.start();
  // Should the drill's process die before its teardown, its worker processes die with it.
  const orphanGuard = () => {
    for (const w of workers) w.child?.kill('SIGKILL');
  };
  process.once('exit', orphanGuard);
  teardown.add('worker processes', async () => {
    await Promise.all(workers.map((w) => w.stop()));
    process.off('exit', orphanGuard);
  });
  return workers;
}

export async function waitReady(workers: WorkerProcess[], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!workers.every((w) => w.ready)) {
    if (Date.now() > deadline)
      throw new Error(
        `workers not ready in ${timeoutMs} ms: ${workers
          .filter((w) => !w.ready)
          .map((w) => w.name)
          .join(', ')}`,
      );
    await sleep(200);
  }
}

// ---- API ----

export interface DrillApi {
  baseUrl: string;
  token(actor: Actor): Promise<string>;
  /** One HTTP call; network errors come back as status 0. */
  call<T = unknown>(
    method: string,
    url: string,
    opts: { actor: Actor; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
}

/**
 * The API in this process. Stripe's webhooks reach it as in production: the fake's endpoint is
 * pointed at its `/webhooks/stripe` route, signed with the secret the API verifies.
 */
export async function startApi(
  deps: { db: Db; temporal: Client; queues: TaskQueues; stripe: FakeStripe },
  teardown: Teardown,
): Promise<DrillApi> {
  const app = createApp({
    temporal: deps.temporal,
    db: deps.db,
    config: { JWT_SECRET: JWT.secret, JWT_ISSUER: JWT.issuer, STRIPE_WEBHOOK_SECRET: DRILL_STRIPE_WEBHOOK_SECRET },
    logger: createLogger('drill-api', 'silent'),
    taskQueues: deps.queues,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  teardown.add(
    'api',
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  );
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  deps.stripe.setWebhookEndpoint(`${baseUrl}/webhooks/stripe`, DRILL_STRIPE_WEBHOOK_SECRET);
  teardown.add('stripe webhook endpoint', async () => deps.stripe.setWebhookEndpoint(null));
  const tokens = new Map<string, Promise<string>>();
  const token = (actor: Actor) => {
    const key = `${actor.userId}:${actor.role}`;
    if (!tokens.has(key)) {
      tokens.set(
        key,
        signToken(
          {
            sub: actor.userId!,
            role: actor.role as 'recruiter',
            companyId: actor.companyId ?? null,
            recruiterId: actor.recruiterId ?? null,
          },
          JWT,
        ),
      );
    }
    return tokens.get(key)!;
  };
  return {
    baseUrl,
    token,
    async call(method, url, { actor, body, headers }) {
      try {
        const res = await fetch(`${baseUrl}${url}`, {
          method,
          headers: {
            authorization: `Bearer ${await token(actor)}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        return { status: res.status, body: parsed as never };
      } catch (err) {
        return { status: 0, body: String(err) as never };
      }
    },
  };
}

/**
 * Retries `attempt` (with backoff up to 2 s) until it returns something other than
 * undefined, counting the retries; gives up at `deadline`.
 */
export async function retryUntil<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  deadline: number,
  counter?: { retries: number },
): Promise<T> {
  let delay = 200;
  let last: unknown;
  for (;;) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: gave up (${String(last ?? 'no result')})`);
    if (counter) counter.retries++;
    await sleep(delay);
    delay = Math.min(2000, delay * 2);
  }
}

/** Rejects once `ms` passed (the drill's own bound, inside the runner's). */
export function deadlineAfter(ms: number) {
  return Date.now() + ms;
}
