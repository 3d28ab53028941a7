import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../lib/tracing.js';
import { permanentFailureInterceptor } from './permanent-failures.js';

// Kept apart from queue-worker.ts (config, database, SDK clients) so a bare baseline worker
// (bench/lib/sleep-worker.ts) is built the same way without loading the app's infrastructure.

/** Every workflow, bundled by each worker (one bundle; each queue runs the types it is sent). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * What any worker needs to be built: where it polls, the workflows it runs, its activities (none
 * for a workflow-only baseline), and the process-wide options. Task-queue workers pass their
 * WorkerDeps; benches and tests that run other workflows pass a bundle of their own.
 */
export interface WorkerBuild {
  connection: NativeConnection;
  /** The SDK's default namespace otherwise. */
  namespace?: string;
  taskQueue: string;
  /** A prebuilt bundle (tests build it once; a bench its baseline workflow); otherwise the app's workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  activities?: object;
  dataConverter?: DataConverter;
  maxConcurrentActivities?: number;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  tracing?: Tracing;
}

/**
 * The one place a worker is built (processes, test harnesses, the history recorder, benches): the
 * permanent-failure activity interceptor always, the data converter and tracing when given.
 */
export function createWorker(build: WorkerBuild): Promise<Worker> {
  const traced = build.tracing?.workerOptions();
  return Worker.create({
    connection: build.connection,
    ...(build.namespace !== undefined && { namespace: build.namespace }),
    taskQueue: build.taskQueue,
    ...(build.workflowBundle ? { workflowBundle: build.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(build.activities && { activities: build.activities }),
    ...(build.dataConverter && { dataConverter: build.dataConverter }),
    ...(build.maxConcurrentActivities && { maxConcurrentActivityTaskExecutions: build.maxConcurrentActivities }),
    ...(build.shutdownGraceTime !== undefined && { shutdownGraceTime: build.shutdownGraceTime }),
    ...traced,
    // Outermost, so a traced activity's span still sees the original error.
    interceptors: { ...traced?.interceptors, activity: [permanentFailureInterceptor, ...(traced?.interceptors?.activity ?? [])] },
  });
}
