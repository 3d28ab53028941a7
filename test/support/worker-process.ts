import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { afterAll, beforeAll } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../lib/db.js';
import { startFakeStripe, type FakeStripe } from '../../testkit/fakes/stripe.js';
import { databaseUrl, temporalAddress, testDb, workflowBundle } from './context.js';

/**
 * A real worker process (`workers/<name>.ts`), as production runs it, on the test
 * database and Temporal server, polling `taskQueue`, with Stripe at `stripeUrl`; `env`
 * adds or overrides settings.
 */
export function spawnWorkerProcess(name: string, opts: { taskQueue: string; stripeUrl: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', `workers/${name}.ts`], {
    cwd: PROJECT_ROOT,
    stdio: 'ignore',
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl(),
      TEMPORAL_ADDRESS: temporalAddress(),
      STRIPE_SECRET_KEY: 'sk_test_drill',
      STRIPE_API_BASE: opts.stripeUrl,
      RESEND_API_KEY: 're_test_drill',
      JWT_SECRET: 'drill-secret-that-is-at-least-32-characters',
      WORKER_TASK_QUEUE: opts.taskQueue,
      WORKFLOW_BUNDLE_PATH: workflowBundle().codePath,
      LOG_LEVEL: 'silent',
      ...opts.env,
    },
  });
}

/** Resolves with the exit code (null when killed by a signal) once the process has ended. */
export const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

export interface WorkerProcessTestServers {
  db: Db;
  stripe: FakeStripe;
  client: Client;
}

/**
 * For a test file driving worker processes: a pool, the Stripe fake the workers pay
 * through, and a client, opened before its tests and closed after (read them in tests).
 */
export function useWorkerProcessServers(): WorkerProcessTestServers {
  const servers = {} as WorkerProcessTestServers;
  let connection: Connection | undefined;
  beforeAll(async () => {
    servers.db = testDb();
    servers.stripe = await startFakeStripe();
    connection = await Connection.connect({ address: temporalAddress() });
    servers.client = new Client({ connection });
  });
  afterAll(async () => {
    await connection?.close();
    await servers.stripe?.close();
    await servers.db?.destroy();
  });
  return servers;
}
