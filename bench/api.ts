/**
 * API latency and throughput on loopback: BENCH_CONNECTIONS (default 50) autocannon clients for
 * BENCH_SECONDS (default 10) against the main list endpoints with BENCH_ROWS (default 100,000)
 * rows per table, and against the start / update endpoints (POST /proposals, each request a fresh
 * candidate; POST /proposals/:id/accept on the proposals just created).
 *
 * The raw baselines, in the same run on the same servers: the same Node HTTP + Express machinery
 * answering `{}` (a trivial app on another port: /healthz asks Postgres and Temporal), and for each
 * list the exact SQL the route sent (captured from one request), replayed on the same knex pool
 * with the same concurrency for the same time. The real API (createApp) runs in this process as
 * the API server does; the proposals worker runs in its own process (workers/proposals.ts), the
 * load generator in another (bench/lib/autocannon-child.ts).
 * Prints a table and writes JSON under bench/results/.
 */
import { randomUUID } from 'node:crypto';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import { createApp } from '../api/app.js';
import type { Db } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { signToken, TOKEN_DEFAULTS, type TokenClaims } from '../lib/tokens.js';
import type { Actor } from '../domain/actors.js';
import { createMarketplace } from '../testkit/harness/factories.js';
import { openBenchServers } from './lib/servers.js';
import { forDuration, runLoad, type LoadResult, type LoadSpec } from './lib/load.js';
import type { Measurement } from './lib/measure.js';
import { saveReport } from './lib/measure.js';
import { spawnNode, stopProcess, waitForPoller, workerEnv, sleep } from './lib/processes.js';
import { KIND, seedCandidates, seedLists, seqId } from './lib/seed.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** Fresh candidates for POST /proposals: more than the endpoint can take in BENCH_SECONDS. */
const POST_CANDIDATES = Number(process.env.BENCH_POST_CANDIDATES ?? Math.max(5000, 1000 * SECONDS));
/** Proposals created (and half of them accepted) before the POST runs, not measured. */
const WARMUP = 20;
const JWT = { secret: 'bench-secret-that-is-at-least-32-characters', issuer: 'bench', ...TOKEN_DEFAULTS };

interface Row {
  endpoint: string;
  /** Rows on the page (25 unless the scope holds fewer). */
  pageRows?: number;
  api: Measurement & Partial<LoadResult>;
  baselineName?: string;
  baseline?: Measurement & { errors?: number; firstError?: string };
  sql?: { sql: string; bindings: unknown[] }[];
}

/** Listens on a free loopback port; `idle()` resolves once no request is in flight (autocannon leaves some behind when it stops). */
async function listen(app: Express): Promise<{ server: Server; url: string; idle(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  let inFlight = 0;
  server.on('request', (_req, res: ServerResponse) => {
    inFlight++;
    res.once('close', () => inFlight--);
  });
  const idle = async () => {
    while (inFlight > 0) await sleep(50);
  };
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, idle };
}

/** knex reports statements with pg's positional $n; db.raw() takes `?` (each $n once, in order, in these queries). */
function rawStatement(q: { sql: string; bindings: unknown[] }): { sql: string; bindings: unknown[] } {
  const positions = [...q.sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]));
  if (q.sql.includes('?') || positions.some((n, i) => n !== i + 1) || positions.length !== q.bindings.length) {
    throw new Error(`cannot replay this statement with db.raw: ${q.sql}`);
  }
  return { sql: q.sql.replace(/\$\d+/g, '?'), bindings: q.bindings };
}

/** The same HTTP server and Express, doing nothing: parses JSON bodies and answers `{}`. */
function noopApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb', strict: true }));
  app.use((_req, res) => {
    res.json({});
  });
  return app;
}

/** The SQL statements (with bindings) the API sends for one request to `path`. */
async function capturedSql(db: Db, url: string, path: string, token: string) {
  const queries: { sql: string; bindings: unknown[] }[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => queries.push({ sql: q.sql, bindings: q.bindings ?? [] });
  db.on('query', listener);
  try {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { data?: unknown[] };
    if (res.status !== 200 || !Array.isArray(body.data))
      throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return { queries: queries.map(rawStatement), rows: body.data.length };
  } finally {
    db.removeListener('query', listener);
  }
}

async function main() {
  const servers = await openBenchServers();
  const { infra, resend, db, temporal } = servers;
  const taskQueue = `bench-api-proposals-${randomUUID()}`;
  const worker = spawnNode(
    'workers/proposals.ts',
    workerEnv({
      databaseUrl: infra.databaseUrl,
      temporalAddress: infra.temporalAddress,
      taskQueue,
      automationTaskQueue: `bench-api-automation-${randomUUID()}`,
      resendUrl: resend.url,
      bundlePath: infra.workflowBundlePath,
    }),
  );

  try {
    const m = await createMarketplace(db);
    console.log(`seeding ${ROWS} rows per listed table …`);
    const seedSeconds = await seedLists(db, m, ROWS);
    console.log(`seeded in ${seedSeconds.toFixed(1)} s`);
    await waitForPoller(temporal, taskQueue, worker);

    const token = (a: Actor) =>
      signToken(
        { sub: a.userId!, role: a.role as TokenClaims['role'], companyId: a.companyId ?? null, recruiterId: a.recruiterId ?? null },
        JWT,
      );
    const tokens = {
      platform: await token(m.actors.platformAdmin),
      company: await token(m.actors.companyAdmin),
      recruiter: await token(m.actors.recruiter),
    };
    // Measured as production runs it: without the response contract check.
    const api = await listen(
      createApp({
        temporal,
        db,
        config: { JWT_SECRET: JWT.secret, JWT_ISSUER: JWT.issuer, API_CHECK_RESPONSES: 'off' },
        logger: createLogger('bench', 'silent'),
        taskQueues: { proposals: taskQueue },
      }),
    );
    const noop = await listen(noopApp());
    const load = (spec: Omit<LoadSpec, 'connections' | 'seconds'> & Partial<Pick<LoadSpec, 'seconds'>>) =>
      runLoad({ connections: CONNECTIONS, seconds: SECONDS, ...spec });
    const rows: Row[] = [];
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

    console.log(`GET noop (HTTP baseline), ${CONNECTIONS} connections, ${SECONDS} s …`);
    const noopGet = await load({ url: noop.url, method: 'GET', path: '/api/v1/proposals', headers: bearer(tokens.platform) });
    rows.push({ endpoint: 'GET {} on the same HTTP/Express stack (baseline)', api: noopGet });

    const lists: [string, string, string][] = [
      ['GET /proposals (platform admin)', '/api/v1/proposals', tokens.platform],
      ['GET /proposals (company admin: 1 % of rows)', '/api/v1/proposals', tokens.company],
      ['GET /placements (platform admin)', '/api/v1/placements', tokens.platform],
      ['GET /placements (company admin: 1 % of rows)', '/api/v1/placements', tokens.company],
      ['GET /candidates (platform admin)', '/api/v1/candidates', tokens.platform],
      ['GET /payouts (platform admin)', '/api/v1/payouts', tokens.platform],
      ['GET /marketplace-events (platform admin)', '/api/v1/marketplace-events', tokens.platform],
    ];
    for (const [endpoint, path, t] of lists) {
      await api.idle();
      const { queries, rows: n } = await capturedSql(db, api.url, path, t);
      if (n === 0) throw new Error(`${endpoint}: an empty page`);
      console.log(`${endpoint} …`);
      const measured = await load({ url: api.url, method: 'GET', path, headers: bearer(t) });
      await api.idle();
      const sql = await forDuration(SECONDS, CONNECTIONS, async () => {
        for (const q of queries) await db.raw(q.sql, q.bindings as readonly Knex.RawBinding[]);
      });
      rows.push({
        endpoint,
        pageRows: n,
        api: measured,
        baselineName: `its ${queries.length} SQL statement(s), same pool`,
        baseline: sql,
        sql: queries,
      });
    }

    // Start / update endpoints: every request a candidate never proposed for the job (no 409s).
    await seedCandidates(db, KIND.postCandidate, POST_CANDIDATES, 10 * ROWS);
    const bodies = Array.from({ length: POST_CANDIDATES }, (_, i) => ({
      body: JSON.stringify({ candidateId: seqId(KIND.postCandidate, i + 1), jobId: m.jobId, pitch: 'Strong fit' }),
    }));
    const json = { 'content-type': 'application/json' };
    console.log('POST noop (HTTP baseline) …');
    const noopPost = await load({
      url: noop.url,
      method: 'POST',
      path: '/api/v1/proposals',
      headers: { ...bearer(tokens.recruiter), ...json },
      body: bodies[0]!.body,
    });
    rows.push({ endpoint: 'POST {} on the same HTTP/Express stack (baseline)', api: noopPost });

    // Warm-up, not measured: the worker's first workflow and activity tasks (V8 contexts, connections).
    const post = async (path: string, t: string, body: string) => {
      const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { ...bearer(t), ...json }, body });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    const warm = bodies.splice(0, WARMUP);
    const warmIds = (await Promise.all(warm.map((b) => post('/api/v1/proposals', tokens.recruiter, b.body)))).map((p) => p.id);
    await Promise.all(warmIds.slice(0, WARMUP / 2).map((id) => post(`/api/v1/proposals/${id}/accept`, tokens.company, '{}')));
    await settle(db);
    console.log('POST /proposals …');
    const created = await load({
      url: api.url,
      method: 'POST',
      path: '/api/v1/proposals',
      headers: { ...bearer(tokens.recruiter), ...json },
      variants: bodies,
    });
    rows.push({
      endpoint: 'POST /proposals (update-with-start, new candidate each)',
      api: created,
      baselineName: 'POST {} baseline',
      baseline: noopPost,
    });
    await api.idle();
    await settle(db);

    const open = await db('candidate_role_assignments')
      .where({ job_id: m.jobId, state: 'proposed' })
      .orderBy('created_at')
      .select<{ id: string }[]>('id');
    console.log(`POST /proposals/:id/accept on the ${open.length} proposals just created …`);
    const accepted = await load({
      url: api.url,
      method: 'POST',
      path: '/api/v1/proposals',
      headers: { ...bearer(tokens.company), ...json },
      body: '{}',
      variants: open.map((p) => ({ path: `/api/v1/proposals/${p.id}/accept` })),
      amount: open.length,
    });
    rows.push({
      endpoint: `POST /proposals/:id/accept (update; ${open.length} proposals)`,
      api: accepted,
      baselineName: 'POST {} baseline',
      baseline: noopPost,
    });
    await settle(db);
    const acceptedRows =
      Number(
        (await db('candidate_role_assignments').where({ job_id: m.jobId, state: 'accepted' }).count<{ count: string }[]>('* as count'))[0]!
          .count,
      ) -
      WARMUP / 2;

    const fmt = (x: number | undefined, digits = 1) => (x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '—');
    console.log(
      `\nAPI on loopback: ${ROWS} rows per list, ${CONNECTIONS} connections, ${SECONDS} s per run (machine: ${os.cpus().length} cores, shared)`,
    );
    console.log(
      '| endpoint | req/s | p50 ms | p99 ms | non-2xx / errors | baseline | baseline req/s | baseline p50 ms | baseline p99 ms | ratio (req/s) |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.endpoint} | ${fmt(r.api.perSecond)} | ${fmt(r.api.p50Ms)} | ${fmt(r.api.p99Ms)} | ${r.api.non2xx ?? 0} / ${r.api.errors ?? 0} | ${r.baselineName ?? '—'} | ${fmt(r.baseline?.perSecond)} | ${fmt(r.baseline?.p50Ms)} | ${fmt(r.baseline?.p99Ms)} | ${r.baseline ? fmt(r.api.perSecond / r.baseline.perSecond, 3) : '—'} |`,
      );
    }
    console.log(
      `POST /proposals: ${created.requests} answered in ${fmt(created.seconds)} s; accept: ${acceptedRows} accepted of ${open.length} open proposals (${WARMUP / 2} from the warm-up)`,
    );
    const failures = rows.filter(
      (r) => (r.api.non2xx ?? 0) > 0 || (r.api.errors ?? 0) > 0 || r.api.variantsWrapped || (r.baseline?.errors ?? 0) > 0,
    );
    for (const f of failures)
      console.error(
        `NOT CLEAN: ${f.endpoint}: non-2xx ${f.api.non2xx}, errors ${f.api.errors}, status codes ${JSON.stringify(f.api.statusCodes)}${f.api.variantsWrapped ? ', ran out of fresh bodies (raise BENCH_POST_CANDIDATES)' : ''}${f.baseline?.errors ? `, baseline errors ${f.baseline.errors} (${f.baseline.firstError})` : ''}`,
      );

    await saveReport('api', {
      rows: ROWS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      machine: { cpus: os.cpus().length },
      seedSeconds,
      acceptedRows,
      results: rows.map((r) => ({ ...r, ratio: r.baseline ? r.api.perSecond / r.baseline.perSecond : null })),
    });
    if (failures.length) process.exitCode = 1;

    await new Promise((r) => api.server.close(r));
    await new Promise((r) => noop.server.close(r));
  } finally {
    await stopProcess(worker);
    await servers.close();
  }
}

/** Waits until the workflows' e-mails stop arriving (the worker is idle), at most 60 s. */
async function settle(db: Db): Promise<void> {
  const count = async () => Number((await db('email_log').count<{ count: string }[]>('* as count'))[0]!.count);
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const now = await count();
    if (now === last) return;
    last = now;
    await sleep(1000);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
