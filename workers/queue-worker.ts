import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Runtime, type NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import type { Resend } from 'resend';
import { loadConfig, type ProcessConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { runMain } from '../lib/main.js';
import { createResend } from '../lib/providers.js';
import { FAILURE_CONVERTER_PATH, dataConverter } from '../lib/payload-codec.js';
import { connectWorker } from '../lib/temporal.js';
import { setupTracing, type Tracing } from '../lib/tracing.js';
import { startHealthServer } from './health.js';
import { createWorker, WORKFLOWS_PATH } from './create-worker.js';

export { WORKFLOWS_PATH };
/** What a prebuilt workflow bundle is built from, like the one a worker builds itself (failures encoded in workflows too). */
export const WORKFLOW_BUNDLE_SOURCES = { workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH };

/**
 * The prebuilt workflow bundle a worker loads, or undefined to bundle at start. The image ships two
 * (scripts/build-workflow-bundles.ts): with tracing on, the one that includes the workflow tracing
 * interceptors; without it, the plain one (those interceptors without their sink log an error per span).
 */
export function workflowBundlePath(env: NodeJS.ProcessEnv, tracing: boolean): string | undefined {
  return (tracing ? env.WORKFLOW_TRACED_BUNDLE_PATH : env.WORKFLOW_BUNDLE_PATH) || undefined;
}

/** The worker processes, as named in lib/config.ts PROCESS_REQUIREMENTS without the `worker-` prefix. */
type WorkerName = 'proposals' | 'placements' | 'ownership' | 'automation' | 'ats-sync';

/** What every worker gets: where to poll, and the e-mail setup most activity sets need. */
export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  /** The process's one client (on the worker's connection), for activities that start workflows. */
  temporal: Client;
  /** Where automation executions run; the shared queue unless a test isolates it. */
  automationTaskQueue?: string;
  db: Db;
  resend: Resend;
  emailFrom: string;
  appUrl: string;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
  /** Caps concurrent activities per worker process; the SDK default otherwise. */
  maxConcurrentActivities?: number;
  /** Encrypts payloads (the same converter as the process's client). */
  dataConverter?: DataConverter;
  /**
   * How long in-flight activities may run on after shutdown was requested (SIGTERM/SIGINT) before they
   * are cancelled; the SDK's default (0: cancel at once) otherwise.
   */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /**
   * Traces workflows and activities (lib/tracing.ts); off without it. A prebuilt `workflowBundle` must
   * then include the workflow interceptors (WORKFLOW_TRACING_MODULE) itself.
   */
  tracing?: Tracing;
}

/** A task queue's worker: `defaultQueue` unless the deps name another, with the queue's activities. */
export function createQueueWorker(deps: WorkerDeps, defaultQueue: string, activities: object): Promise<Worker> {
  return createWorker({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? defaultQueue,
    workflowBundle: deps.workflowBundle,
    activities,
    dataConverter: deps.dataConverter,
    maxConcurrentActivities: deps.maxConcurrentActivities,
    shutdownGraceTime: deps.shutdownGraceTime,
    tracing: deps.tracing,
  });
}

/**
 * A worker process: configuration from the environment, one database pool and one
 * Temporal connection, then `Worker.run()` until SIGINT/SIGTERM has drained in-flight tasks
 * (activities get WORKER_SHUTDOWN_GRACE to finish before they are cancelled).
 * WORKER_METRICS_PORT serves the Temporal runtime's metrics for Prometheus (one port per process);
 * OTEL_* turn tracing on (lib/tracing.ts).
 * WORKER_HEALTH_PORT serves its probes (workers/health.ts); WORKFLOW_BUNDLE_PATH / WORKFLOW_TRACED_BUNDLE_PATH
 * load a prebuilt workflow bundle (the image's, or a test's) instead of bundling at start.
 * WORKER_TASK_QUEUE, AUTOMATION_TASK_QUEUE and WORKER_MAX_CONCURRENT_ACTIVITIES let a test or drill run an isolated copy.
 */
export function runWorkerProcess<N extends WorkerName>(
  name: N,
  defaultQueue: string,
  create: (deps: WorkerDeps, config: ProcessConfig<`worker-${N}`>) => Promise<Worker>,
): void {
  runMain(async () => {
    // Every worker requires RESEND_API_KEY (PROCESS_REQUIREMENTS); TypeScript cannot see it through the generic name.
    const config = loadConfig(`worker-${name}`) as ProcessConfig<`worker-${N}`> & ProcessConfig<'worker-proposals'>;
    const logger = createLogger(`worker:${name}`, config.LOG_LEVEL);
    // Before the first connection: the runtime (and its metrics exporter) is created once per process.
    const metricsAddress = config.WORKER_METRICS_PORT ? `${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}` : undefined;
    if (metricsAddress) {
      Runtime.install({
        telemetryOptions: {
          metrics: { prometheus: { bindAddress: metricsAddress, useSecondsForDurations: true } },
        },
      });
    }
    const tracing = setupTracing(config, `splits-worker-${defaultQueue}`);
    const db = createDb(config.DATABASE_URL);
    const connection = await connectWorker(config);
    const taskQueue = process.env.WORKER_TASK_QUEUE ?? defaultQueue;
    const bundlePath = workflowBundlePath(process.env, tracing !== undefined);
    const converter = dataConverter(config.PAYLOAD_CODEC_KEYS);
    const temporal = new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: converter,
      interceptors: tracing?.clientInterceptors(),
    });
    const worker = await create(
      {
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        temporal,
        db,
        dataConverter: converter,
        automationTaskQueue: process.env.AUTOMATION_TASK_QUEUE,
        resend: createResend(config),
        emailFrom: config.EMAIL_FROM,
        appUrl: config.API_PUBLIC_URL,
        taskQueue,
        ...(bundlePath && { workflowBundle: { codePath: bundlePath } }),
        maxConcurrentActivities: Number(process.env.WORKER_MAX_CONCURRENT_ACTIVITIES) || undefined,
        shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE,
        tracing,
      },
      config,
    );
    const health = config.WORKER_HEALTH_PORT
      ? await startHealthServer(() => worker.getState(), config.WORKER_HEALTH_PORT, config.WORKER_METRICS_HOST)
      : undefined;
    logger.info(
      {
        taskQueue,
        metrics: metricsAddress ?? 'off',
        health: config.WORKER_HEALTH_PORT ?? 'off',
        bundle: bundlePath ?? 'built at start',
        tracing: tracing?.serviceName ?? 'off',
        shutdownGrace: config.WORKER_SHUTDOWN_GRACE,
      },
      'worker started',
    );
    await worker.run();
    health?.close();
    await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
    await connection.close();
    await db.destroy();
    logger.info('worker stopped');
  });
}
