/**
 * Worker memory with BENCH_WORKFLOWS (default 10,000) open, sleeping workflows: the resident set
 * size (VmRSS) of a real proposals worker process (workers/proposals.ts, as production runs it, on
 * an isolated queue) idle, then with that many proposal workflows waiting on their 72 h deadline
 * (each recorded in Postgres and its "created" e-mail sent: the first tasks done), then after a
 * query to every workflow has pulled them through the worker's sticky cache (it then holds as many
 * as its default maxCachedWorkflows allows).
 *
 * The raw baseline, in the same run on the same servers: a bare Worker process (bench/lib/sleep-worker.ts,
 * SDK defaults, no activities) holding as many workflows that only sleep (bench/sleep-workflow.ts).
 * Ratio: memory per workflow, project / bare. Prints a table and writes JSON under bench/results/.
 * BENCH_WORKFLOWS, BENCH_CONCURRENCY (starts and queries in flight, default 100), BENCH_TIMEOUT_SECONDS
 * (default 1800: the whole run), BENCH_SETTLE_SECONDS (quiet time before each RSS reading, default 5).
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIds } from '../domain/temporal.js';
import { proposalStateQuery } from '../domain/proposal.js';
import { createMarketplace } from '../testkit/harness/factories.js';
import { TEST_DIR } from '../testkit/env/infra.js';
import { openBenchServers } from './lib/servers.js';
import { pool, saveReport, type Measurement } from './lib/measure.js';
import { settledRssKiB, sleep, spawnNode, stopProcess, waitForPoller, workerEnv } from './lib/processes.js';
import { KIND, seedCandidates, seqId } from './lib/seed.js';
import { sleepingQuery, sleepWorkflow } from './sleep-workflow.js';
import type { ProposalWorkflow } from '../domain/proposal.js';

const N = Number(process.env.BENCH_WORKFLOWS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 1800);
const SETTLE_S = Number(process.env.BENCH_SETTLE_SECONDS ?? 5);
/** The first batch, measured apart (one-off costs). */
const FIRST = Math.max(1, Math.min(100, Math.floor(N / 10)));
const deadline = Date.now() + TIMEOUT_S * 1000;

function checkDeadline(what: string) {
  if (Date.now() > deadline) throw new Error(`BENCH_TIMEOUT_SECONDS (${TIMEOUT_S}) exceeded while ${what}`);
}

/** The SDK's default sticky cache size for a worker with this heap limit (worker-options.js, reuseV8Context). */
function defaultMaxCachedWorkflows(): number {
  const heapMiB = v8.getHeapStatistics().heap_size_limit / 2 ** 20;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
}

interface WorkerRun {
  idleKiB: number;
  /** After the first FIRST workflows. */
  firstKiB: number;
  openKiB: number;
  cachedKiB: number;
  starts: Measurement;
  settleSeconds: number;
  queries: Measurement;
  samples: Record<string, number[]>;
}

/**
 * Spawns `script` as a worker on `taskQueue`, reads its RSS idle, starts N workflows with
 * `start(i)`, waits until each has run its first tasks and sleeps, reads the RSS, queries every
 * workflow with `query(i)`, reads it again, and stops the process.
 */
async function measureWorker(
  label: string,
  temporal: Client,
  opts: {
    script: string;
    env: Record<string, string>;
    taskQueue: string;
    start: (i: number) => Promise<string>;
    query: (workflowId: string) => Promise<unknown>;
  },
): Promise<WorkerRun> {
  const child = spawnNode(opts.script, opts.env);
  try {
    await waitForPoller(temporal, opts.taskQueue, child);
    await sleep(SETTLE_S * 1000);
    const idle = await settledRssKiB(child.pid!);
    console.log(`[${label}] idle RSS ${(idle.medianKiB / 1024).toFixed(1)} MiB; starting ${N} workflows (${CONCURRENCY} in flight) …`);

    const ids: string[] = new Array<string>(N);
    let started = 0;
    const startRange = (from: number, to: number) =>
      pool(to - from, CONCURRENCY, async (k) => {
        checkDeadline(`starting ${label} workflows`);
        ids[from + k] = await opts.start(from + k);
        if (++started % 1000 === 0) console.log(`[${label}] started ${started}/${N}`);
      });
    /** Waits until the workflows in [from, to) have run their first tasks and sleep. */
    const allAsleep = async (from: number, to: number) => {
      let pending = ids.slice(from, to);
      for (;;) {
        checkDeadline(`waiting for ${label} workflows to sleep`);
        const still: string[] = [];
        await pool(pending.length, CONCURRENCY, async (i) => {
          const workflowId = pending[i]!;
          const d = await temporal.workflowService.describeWorkflowExecution({
            namespace: temporal.options.namespace,
            execution: { workflowId },
          });
          // Asleep: first tasks done (more than the start events in history), no task or activity outstanding.
          const asleep =
            !d.pendingWorkflowTask && (d.pendingActivities?.length ?? 0) === 0 && Number(d.workflowExecutionInfo?.historyLength ?? 0) > 3;
          if (!asleep) still.push(workflowId);
        });
        pending = still;
        console.log(`[${label}] ${to - pending.length}/${to} asleep`);
        if (!pending.length) return;
        await sleep(2000);
      }
    };

    // A first batch loads what any workflow needs once (the bundle in the V8 context, activity
    // modules, pools): the RSS after it is the base of the marginal cost per workflow.
    const t0 = performance.now();
    const first = await startRange(0, FIRST);
    await allAsleep(0, FIRST);
    await sleep(SETTLE_S * 1000);
    const afterFirst = await settledRssKiB(child.pid!);
    console.log(`[${label}] RSS with the first ${FIRST} open ${(afterFirst.medianKiB / 1024).toFixed(1)} MiB`);
    const rest = await startRange(FIRST, N);
    await allAsleep(FIRST, N);
    const settleSeconds = (performance.now() - t0) / 1000;
    const starts = { ...rest, perSecond: N / (first.seconds + rest.seconds), seconds: first.seconds + rest.seconds };
    await sleep(SETTLE_S * 1000);
    const open = await settledRssKiB(child.pid!);
    console.log(`[${label}] RSS with ${N} open ${(open.medianKiB / 1024).toFixed(1)} MiB; querying every workflow …`);

    let queried = 0;
    const queries = await pool(N, CONCURRENCY, async (i) => {
      checkDeadline(`querying ${label} workflows`);
      await opts.query(ids[i]!);
      if (++queried % 2000 === 0) console.log(`[${label}] queried ${queried}/${N}`);
    });
    await sleep(SETTLE_S * 1000);
    const cached = await settledRssKiB(child.pid!);
    console.log(`[${label}] RSS after the query sweep ${(cached.medianKiB / 1024).toFixed(1)} MiB`);
    return {
      idleKiB: idle.medianKiB,
      firstKiB: afterFirst.medianKiB,
      openKiB: open.medianKiB,
      cachedKiB: cached.medianKiB,
      starts,
      settleSeconds,
      queries,
      samples: { idle: idle.samplesKiB, first: afterFirst.samplesKiB, open: open.samplesKiB, cached: cached.samplesKiB },
    };
  } finally {
    await stopProcess(child);
  }
}

async function main() {
  const servers = await openBenchServers();
  const { infra, resend, db, temporal } = servers;
  const sleepBundlePath = path.join(TEST_DIR, `sleep-bundle-${process.pid}.js`);
  try {
    const m = await createMarketplace(db);
    await seedCandidates(db, KIND.sleepCandidate, N);
    const sleepBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./sleep-workflow.ts', import.meta.url)),
      logger: {
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: console.warn,
        error: console.error,
        log: () => undefined,
      },
    });
    await writeFile(sleepBundlePath, sleepBundle.code);

    const proposalsQueue = `bench-memory-proposals-${randomUUID()}`;
    const project = await measureWorker('proposals worker', temporal, {
      script: 'workers/proposals.ts',
      env: workerEnv({
        databaseUrl: infra.databaseUrl,
        temporalAddress: infra.temporalAddress,
        taskQueue: proposalsQueue,
        automationTaskQueue: `bench-memory-automation-${randomUUID()}`,
        resendUrl: resend.url,
        bundlePath: infra.workflowBundlePath,
      }),
      taskQueue: proposalsQueue,
      // As the API starts a proposal, without waiting on the recorded update (the settle loop waits instead).
      start: async (i) => {
        const proposalId = randomUUID();
        const handle = await temporal.workflow.start<ProposalWorkflow>(WORKFLOW_TYPES.proposal, {
          workflowId: workflowIds.proposal(proposalId),
          taskQueue: proposalsQueue,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [
            {
              proposalId,
              candidateId: seqId(KIND.sleepCandidate, i + 1),
              jobId: m.jobId,
              companyId: m.companyId,
              recruiterId: m.recruiterId,
              pitch: 'Strong fit',
              actor: m.actors.recruiter,
            },
          ],
          typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.CompanyId, value: m.companyId }],
        });
        return handle.workflowId;
      },
      query: (workflowId) => temporal.workflow.getHandle(workflowId).query(proposalStateQuery),
    });
    const proposed = Number(
      (await db('candidate_role_assignments').where({ job_id: m.jobId, state: 'proposed' }).count<{ count: string }[]>('* as count'))[0]!
        .count,
    );

    const sleepQueue = `bench-memory-sleep-${randomUUID()}`;
    const bare = await measureWorker('bare worker', temporal, {
      script: 'bench/lib/sleep-worker.ts',
      env: { TEMPORAL_ADDRESS: infra.temporalAddress, WORKER_TASK_QUEUE: sleepQueue, WORKFLOW_BUNDLE_PATH: sleepBundlePath },
      taskQueue: sleepQueue,
      start: async () =>
        (await temporal.workflow.start(sleepWorkflow, { workflowId: `bench-sleep-${randomUUID()}`, taskQueue: sleepQueue, args: [72] }))
          .workflowId,
      query: (workflowId) => temporal.workflow.getHandle(workflowId).query(sleepingQuery),
    });

    const cache = defaultMaxCachedWorkflows();
    const held = Math.min(N, cache);
    const mib = (kib: number) => (kib / 1024).toFixed(1);
    const perWorkflow = (r: WorkerRun) => (r.openKiB - r.idleKiB) / N;
    const perCached = (r: WorkerRun) => (r.cachedKiB - r.idleKiB) / held;
    const marginal = (r: WorkerRun) => (r.openKiB - r.firstKiB) / (N - FIRST);
    console.log(
      `\nWorker RSS with ${N} open sleeping workflows (SDK default maxCachedWorkflows here: ${cache}; machine: ${os.cpus().length} cores, shared)`,
    );
    console.log(
      `| worker process | RSS idle MiB | RSS, first ${FIRST} open MiB | RSS, ${N} open MiB | KiB per open workflow | marginal KiB per workflow (after the first ${FIRST}) | RSS after query sweep MiB | KiB per cached workflow (${held}) | starts/s | s from first start to all asleep |`,
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const [name, r] of [
      ['bare Worker, sleep-only workflow (baseline)', bare],
      ['workers/proposals.ts, proposal workflows', project],
    ] as const) {
      console.log(
        `| ${name} | ${mib(r.idleKiB)} | ${mib(r.firstKiB)} | ${mib(r.openKiB)} | ${perWorkflow(r).toFixed(1)} | ${marginal(r).toFixed(1)} | ${mib(r.cachedKiB)} | ${perCached(r).toFixed(1)} | ${r.starts.perSecond.toFixed(0)} | ${r.settleSeconds.toFixed(0)} |`,
      );
    }
    const ratio = perWorkflow(project) / perWorkflow(bare);
    const ratioCached = perCached(project) / perCached(bare);
    const ratioMarginal = marginal(project) / marginal(bare);
    console.log(
      `ratio (KiB per workflow, proposals / bare): open ${ratio.toFixed(2)}, marginal ${ratioMarginal.toFixed(2)}, after the query sweep ${ratioCached.toFixed(2)}; idle RSS proposals / bare ${(project.idleKiB / bare.idleKiB).toFixed(2)}; proposals recorded: ${proposed}/${N}`,
    );
    await saveReport('memory', {
      workflows: N,
      concurrency: CONCURRENCY,
      maxCachedWorkflowsDefault: cache,
      machine: { cpus: os.cpus().length },
      project: {
        ...project,
        perWorkflowKiB: perWorkflow(project),
        marginalKiB: marginal(project),
        perCachedWorkflowKiB: perCached(project),
      },
      baseline: { ...bare, perWorkflowKiB: perWorkflow(bare), marginalKiB: marginal(bare), perCachedWorkflowKiB: perCached(bare) },
      firstBatch: FIRST,
      ratio,
      ratioMarginal,
      ratioCached,
      proposalsRecorded: proposed,
    });
  } finally {
    await rm(sleepBundlePath, { force: true });
    await servers.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
