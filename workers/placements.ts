import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Resend } from 'resend';
import type Stripe from 'stripe';
import { createPlacementActivities } from '../activities/index.js';
import { loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { isMain, runMain } from '../lib/main.js';
import { createResend, createStripe } from '../lib/providers.js';
import { connectWorker } from '../lib/temporal.js';
import { TASK_QUEUES } from '../workflows/constants.js';
import { WORKFLOWS_PATH } from './proposals.js';

export interface PlacementsWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  stripe: Stripe;
  resend: Resend;
  emailFrom: string;
  appUrl: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
  /** Caps concurrent activities (Stripe calls, writes) per worker process; the SDK default otherwise. */
  maxConcurrentActivities?: number;
}

/** The worker of the `placements` task queue: placement and payout workflows, Stripe and payout activities. */
export function createPlacementsWorker(deps: PlacementsWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? TASK_QUEUES.placements,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createPlacementActivities(deps),
    ...(deps.maxConcurrentActivities && { maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities }),
  });
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const config = loadConfig();
    const logger = createLogger('worker:placements', config.LOG_LEVEL);
    const db = createDb(config.DATABASE_URL);
    const connection = await connectWorker(config);
    // A test or drill runs an isolated copy: its own queue, a prebuilt workflow bundle.
    const taskQueue = process.env.WORKER_TASK_QUEUE ?? TASK_QUEUES.placements;
    const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
    const worker = await createPlacementsWorker({
      connection, namespace: config.TEMPORAL_NAMESPACE, db, stripe: createStripe(config), resend: createResend(config),
      emailFrom: config.EMAIL_FROM, appUrl: config.API_PUBLIC_URL, taskQueue,
      maxConcurrentActivities: Number(process.env.WORKER_MAX_CONCURRENT_ACTIVITIES) || undefined,
      ...(bundlePath && { workflowBundle: { codePath: bundlePath } }),
    });
    logger.info({ taskQueue }, 'worker started');
    await worker.run();
    await connection.close();
    await db.destroy();
    logger.info('worker stopped');
  });
}
