/**
 * `npm run bench`: N proposal lifecycles (created and accepted through the HTTP API, end
 * to end to the projected `accepted` row) versus N trivial workflows started and completed
 * directly with the Temporal client: the engine's ceiling on the same servers, same run.
 * Prints a table and writes JSON under bench/results/. BENCH_N (default 500), BENCH_CONCURRENCY (default 50).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createApp } from '../api/app.js';
import { createDb } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { signToken, TOKEN_DEFAULTS } from '../lib/tokens.js';
import { startFakeResend } from '../testkit/fakes/resend.js';
import { createMarketplace } from '../testkit/harness/factories.js';
import { startTestInfra } from '../testkit/env/infra.js';
import { createProposalsWorker } from '../workers/proposals.js';
import { createWorker } from '../workers/create-worker.js';
import { pool, printTable, saveReport } from './lib/measure.js';

const N = Number(process.env.BENCH_N ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const JWT = { secret: 'bench-secret-that-is-at-least-32-characters', issuer: 'bench', ...TOKEN_DEFAULTS };

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const infra = await startTestInfra();
  const resend = await startFakeResend();
  const db = createDb(infra.databaseUrl, { max: 20 });
  const address = infra.temporalAddress;
  const [connection, nativeConnection] = await Promise.all([Connection.connect({ address }), NativeConnection.connect({ address })]);
  const temporal = new Client({ connection });
  const queue = (name: string) => `bench-${name}-${randomUUID()}`;

  const noopQueue = queue('noop');
  // Built as every worker is (workers/create-worker.ts), on the baseline's own bundle and without activities.
  const noopWorker = await createWorker({
    connection: nativeConnection,
    taskQueue: noopQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)),
      logger: new DefaultLogger('ERROR'),
    }),
  });
  const proposalQueue = queue('proposals');
  const proposalWorker = await createProposalsWorker({
    connection: nativeConnection,
    namespace: 'default',
    temporal,
    automationTaskQueue: queue('automation'),
    db,
    resend: resend.client(),
    emailFrom: 'bench@splits.test',
    appUrl: 'http://bench',
    workflowBundle: { codePath: infra.workflowBundlePath },
    taskQueue: proposalQueue,
  });
  // Measured as production runs it: without the response contract check.
  const app = createApp({
    temporal,
    db,
    config: { JWT_SECRET: JWT.secret, JWT_ISSUER: JWT.issuer, API_CHECK_RESPONSES: 'off' },
    logger: createLogger('bench', 'silent'),
    taskQueues: { proposals: proposalQueue },
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;

  const m = await createMarketplace(db);
  const candidates = Array.from({ length: N }, (_, i) => ({ id: randomUUID(), full_name: `Bench Candidate ${i}` }));
  for (let i = 0; i < N; i += 1000) await db('candidates').insert(candidates.slice(i, i + 1000));
  const token = (a: typeof m.actors.recruiter) =>
    signToken({ sub: a.userId!, role: a.role as 'recruiter', companyId: a.companyId ?? null, recruiterId: a.recruiterId ?? null }, JWT);
  const [recruiterToken, companyToken] = await Promise.all([token(m.actors.recruiter), token(m.actors.companyAdmin)]);
  const post = async (url: string, bearer: string, body: unknown, expected: number) => {
    const res = await fetch(`${base}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { id: string; state: string };
    if (res.status !== expected) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const results = await Promise.all([
    noopWorker.runUntil(async () =>
      proposalWorker.runUntil(async () => {
        const baseline = await pool(N, CONCURRENCY, async () => {
          await temporal.workflow.execute('noopWorkflow', { taskQueue: noopQueue, workflowId: `bench-noop-${randomUUID()}` });
        });
        const lifecycles = await pool(N, CONCURRENCY, async (i) => {
          const created = await post('/proposals', recruiterToken, { candidateId: candidates[i]!.id, jobId: m.jobId, pitch: 'bench' }, 201);
          const accepted = await post(`/proposals/${created.id}/accept`, companyToken, {}, 200);
          if (accepted.state !== 'accepted') throw new Error(`proposal ${created.id} is ${accepted.state}`);
        });
        return { baseline, lifecycles };
      }),
    ),
  ]).then(([r]) => r);

  const accepted = await db('candidate_role_assignments')
    .where({ job_id: m.jobId, state: 'accepted' })
    .count<{ count: string }[]>('* as count');
  const report = {
    n: N,
    concurrency: CONCURRENCY,
    machine: { cpus: (await import('node:os')).cpus().length },
    baselineNoopWorkflows: results.baseline,
    proposalLifecyclesViaApi: results.lifecycles,
    acceptedRows: Number(accepted[0]!.count),
    ratioThroughput: results.lifecycles.perSecond / results.baseline.perSecond,
  };
  printTable(`Proposal lifecycles vs the engine's ceiling (N=${N}, concurrency ${CONCURRENCY})`, [
    ['trivial workflows (client, baseline)', results.baseline],
    ['proposal create + accept (API)', results.lifecycles],
  ]);
  console.log(
    `ratio (proposal lifecycles / trivial workflows per second): ${report.ratioThroughput.toFixed(2)}; accepted rows: ${report.acceptedRows}/${N}`,
  );
  await saveReport('proposals', report);

  server.close();
  await Promise.all([connection.close(), resend.close(), db.destroy()]);
  await nativeConnection.close();
  await infra.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
