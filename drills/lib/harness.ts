import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SignJWT } from 'jose';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createApp } from '../../api/app.js';
import { createProposalActivities } from '../../activities/index.js';
import { connectorFor } from '../../activities/ats/index.js';
import { createDb, type Db } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { dataConverter } from '../../lib/payload-codec.js';
import { parseKeyRing } from '../../lib/sealed.js';
import { signToken } from '../../lib/tokens.js';
import { createAtsSyncWorker } from '../../workers/ats-sync.js';
import { createAutomationWorker } from '../../workers/automation.js';
import { createOwnershipWorker } from '../../workers/ownership.js';
import { createPlacementsWorker } from '../../workers/placements.js';
import type { TaskQueues } from '../../workflows/constants.js';
import type { Actor } from '../../workflows/proposal-rules.js';
import { startFakeResend, type FakeResend } from '../../test/fakes/resend.js';
import { startFakeStripe, type FakeStripe } from '../../test/fakes/stripe.js';
import { startTestInfra } from '../../test/support/infra.js';

/**
 * The API stack of test/support/api-harness.ts (real API over HTTP on 127.0.0.1, real
 * Postgres, real Temporal dev server, real workers on private task queues, Resend and
 * Stripe fakes), started outside vitest: that harness reads its infrastructure through
 * vitest's inject(), so the drills start their own with startTestInfra() and stop it after.
 */
export const JWT = { secret: 'drill-secret-that-is-at-least-32-characters-long', issuer: 'splits-drill' };
export const WEBHOOK_SECRET = `whsec_${Buffer.from('resend-webhook-drill-secret-32by').toString('base64')}`;
const PAYLOAD_KEYS = `d1:${Buffer.alloc(32, 9).toString('base64')}`;
const KEY_RING = parseKeyRing(`k1:${Buffer.alloc(32, 3).toString('base64')}`);

export interface HttpResponse {
  status: number;
  /** Parsed JSON, or the text when the body is not JSON (undefined when empty). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  actor?: Actor;
  token?: string;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface DrillStack {
  db: Db;
  temporal: Client;
  resend: FakeResend;
  stripe: FakeStripe;
  taskQueues: TaskQueues;
  baseUrl: string;
  webhookSecret: string;
  token(actor: Actor): Promise<string>;
  request(method: string, path: string, opts?: RequestOptions): Promise<HttpResponse>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts infra and the API stack; stop() stops both (servers, workers, connections, database, Temporal). */
export async function startDrillStack(): Promise<DrillStack> {
  const infra = await startTestInfra();
  const cleanups: Array<() => Promise<unknown>> = [() => infra.stop()];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error('[drills] cleanup:', err));
  };
  try {
    const db = createDb(infra.databaseUrl, { max: 10 });
    cleanups.push(() => db.destroy());
    const [resend, stripe] = await Promise.all([startFakeResend(), startFakeStripe()]);
    cleanups.push(() => resend.close(), () => stripe.close());
    const address = infra.temporalAddress;
    const [connection, nativeConnection] = await Promise.all([Connection.connect({ address }), NativeConnection.connect({ address })]);
    cleanups.push(() => connection.close(), () => nativeConnection.close());
    const converter = dataConverter(PAYLOAD_KEYS);
    const temporal = new Client({ connection, dataConverter: converter });
    const taskQueues: TaskQueues = {
      proposals: `proposals-drill-${randomUUID()}`, placements: `placements-drill-${randomUUID()}`,
      ownership: `ownership-drill-${randomUUID()}`, automation: `automation-drill-${randomUUID()}`, atsSync: `ats-sync-drill-${randomUUID()}`,
    };
    const workflowBundle = { codePath: infra.workflowBundlePath };
    const email = { resend: resend.client(), emailFrom: 'drill@splits.test', appUrl: 'http://app.test', temporal, automationTaskQueue: taskQueues.automation, dataConverter: converter };
    const workers = await Promise.all([
      Worker.create({
        connection: nativeConnection, taskQueue: taskQueues.proposals, workflowBundle,
        activities: createProposalActivities({ db, ...email }), dataConverter: converter,
      }),
      createPlacementsWorker({ connection: nativeConnection, namespace: 'default', db, stripe: stripe.client(), ...email, workflowBundle, taskQueue: taskQueues.placements }),
      createOwnershipWorker({ connection: nativeConnection, namespace: 'default', db, ...email, workflowBundle, taskQueue: taskQueues.ownership }),
      createAutomationWorker({ connection: nativeConnection, namespace: 'default', db, ...email, workflowBundle, taskQueue: taskQueues.automation }),
      createAtsSyncWorker({ connection: nativeConnection, namespace: 'default', db, ...email, workflowBundle, taskQueue: taskQueues.atsSync, keyRing: KEY_RING }),
    ]);
    const running = Promise.all(workers.map((w) => w.run()));
    cleanups.push(async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    });
    const app = createApp({
      temporal, db,
      config: { JWT_SECRET: JWT.secret, JWT_ISSUER: JWT.issuer, EMAIL_FROM: email.emailFrom, RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET, TEMPORAL_UI_URL: 'http://temporal-ui.test' },
      resend: email.resend,
      ats: { keyRing: KEY_RING, connectorFor, allowBaseUrl: true, publicUrl: 'http://api.test' },
      logger: createLogger('api-drill', 'silent'),
      codec: converter?.payloadCodecs?.[0],
      taskQueues,
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    cleanups.push(() => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = (actor: Actor) =>
      signToken({ sub: actor.userId!, role: actor.role as 'recruiter', companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null }, JWT);

    return {
      db, temporal, resend, stripe, taskQueues, baseUrl, token, webhookSecret: WEBHOOK_SECRET,
      async request(method, path, opts = {}) {
        const headers: Record<string, string> = { ...opts.headers };
        const bearer = opts.token ?? (opts.actor ? await token(opts.actor) : undefined);
        if (bearer) headers.authorization = `Bearer ${bearer}`;
        const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
        if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
        const res = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(60_000) });
        const text = await res.text();
        let parsed: unknown = text || undefined;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: kept as text
        }
        return { status: res.status, body: parsed, text, headers: res.headers };
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A token for `actor` that expired an hour ago (valid signature and issuer). */
export const expiredToken = (actor: Actor) =>
  new SignJWT({ role: actor.role, companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null })
    .setProtectedHeader({ alg: 'HS256' }).setSubject(actor.userId!).setIssuer(JWT.issuer)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
    .sign(new TextEncoder().encode(JWT.secret));

/** A well-formed token for `actor` signed with another secret. */
export const forgedToken = (actor: Actor) =>
  signToken({ sub: actor.userId!, role: actor.role as 'recruiter', companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null },
    { secret: 'an-attacker-secret-that-is-also-32-chars-long', issuer: JWT.issuer });

/** An unsigned (`alg: none`) token claiming platform admin. */
export function unsignedToken(userId: string = randomUUID()): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: userId, role: 'platform_admin', iss: JWT.issuer, iat: now, exp: now + 3600 })}.`;
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then returns the last value). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > deadline) return value;
    await sleep(everyMs);
  }
}

/** Every base table of the public schema with its row count and a hash of its content. */
export async function snapshotTables(db: Db): Promise<Map<string, { rows: number; hash: string }>> {
  const tables = (await db('information_schema.tables').where({ table_schema: 'public', table_type: 'BASE TABLE' }).orderBy('table_name').select('table_name'))
    .map((r: { table_name: string }) => r.table_name);
  const out = new Map<string, { rows: number; hash: string }>();
  for (const t of tables) {
    const { rows } = await db.raw(`select count(*)::int as n, md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as h from "${t.replaceAll('"', '""')}" x`);
    out.set(t, { rows: rows[0].n, hash: rows[0].h });
  }
  return out;
}

/** Tables whose row count or content differ between two snapshots. */
export function diffTables(before: Map<string, { rows: number; hash: string }>, after: Map<string, { rows: number; hash: string }>) {
  const changed: { table: string; rowsBefore: number; rowsAfter: number; contentChanged: boolean }[] = [];
  for (const [table, a] of after) {
    const b = before.get(table) ?? { rows: 0, hash: '' };
    if (a.rows !== b.rows || a.hash !== b.hash) changed.push({ table, rowsBefore: b.rows, rowsAfter: a.rows, contentChanged: a.hash !== b.hash });
  }
  return changed;
}

/** How many workflow executions the namespace has (visibility; settles within a second on the dev server). */
export async function workflowCount(temporal: Client): Promise<number> {
  return (await temporal.workflow.count()).count;
}

/** The SPEC §4 error shape: `{ error: { code, message } }`. */
export function hasErrorShape(body: unknown): boolean {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return !!e && typeof e.code === 'string' && typeof e.message === 'string';
}
