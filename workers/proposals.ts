import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Resend } from 'resend';
import { createProposalActivities } from '../activities/index.js';
import { loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { isMain, runMain } from '../lib/main.js';
import { createResend } from '../lib/providers.js';
import { connectWorker } from '../lib/temporal.js';
import { TASK_QUEUES } from '../workflows/constants.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface ProposalsWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  resend: Resend;
  emailFrom: string;
  appUrl: string;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
}

/** The worker of the `proposals` task queue: proposal workflows and their activities. */
export function createProposalsWorker(deps: ProposalsWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? TASK_QUEUES.proposals,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createProposalActivities({ db: deps.db, resend: deps.resend, emailFrom: deps.emailFrom, appUrl: deps.appUrl }),
  });
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const config = loadConfig();
    const logger = createLogger('worker:proposals', config.LOG_LEVEL);
    const db = createDb(config.DATABASE_URL);
    const connection = await connectWorker(config);
    const worker = await createProposalsWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      db,
      resend: createResend(config),
      emailFrom: config.EMAIL_FROM,
      appUrl: config.API_PUBLIC_URL,
    });
    logger.info({ taskQueue: TASK_QUEUES.proposals }, 'worker started');
    // Worker.run() resolves after SIGINT/SIGTERM, once in-flight tasks have drained.
    await worker.run();
    await connection.close();
    await db.destroy();
    logger.info('worker stopped');
  });
}
