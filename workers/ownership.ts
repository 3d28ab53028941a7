import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Resend } from 'resend';
import { createOwnershipActivities } from '../activities/index.js';
import { loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { isMain, runMain } from '../lib/main.js';
import { createResend } from '../lib/providers.js';
import { connectWorker } from '../lib/temporal.js';
import { TASK_QUEUES } from '../workflows/constants.js';
import { WORKFLOWS_PATH } from './proposals.js';

export interface OwnershipWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  resend: Resend;
  emailFrom: string;
  appUrl: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
}

/** The worker of the `ownership` task queue: candidate protection workflows and their activities. */
export function createOwnershipWorker(deps: OwnershipWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? TASK_QUEUES.ownership,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createOwnershipActivities(deps),
  });
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const config = loadConfig();
    const logger = createLogger('worker:ownership', config.LOG_LEVEL);
    const db = createDb(config.DATABASE_URL);
    const connection = await connectWorker(config);
    const worker = await createOwnershipWorker({
      connection, namespace: config.TEMPORAL_NAMESPACE, db, resend: createResend(config), emailFrom: config.EMAIL_FROM, appUrl: config.API_PUBLIC_URL,
    });
    logger.info({ taskQueue: TASK_QUEUES.ownership }, 'worker started');
    await worker.run();
    await connection.close();
    await db.destroy();
    logger.info('worker stopped');
  });
}
