import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PlacementActivities } from '../../activities/index.js';
import type { Db } from '../../lib/db.js';
import { createPlacementsWorker } from '../../workers/placements.js';
import { startFakeResend, type FakeResend } from '../fakes/resend.js';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe.js';
import { testDb, workflowBundle } from '../env/suite-context.js';
import { startTimeSkippingEnv } from '../env/time-skipping.js';

export interface PlacementHarness {
  env: TestWorkflowEnvironment;
  db: Db;
  stripe: FakeStripe;
  resend: FakeResend;
  taskQueue: string;
  automationTaskQueue: string;
  stop(): Promise<void>;
}

/**
 * Time-skipping server, test database, fake Stripe and Resend behind the real SDKs, and a
 * worker of the placements queue on a private task queue; `wrap` may alter activities.
 * `companiesPayAtOnce` (default true): the fake pays every fee invoice as it is finalized, so
 * tests about what follows the payment need not pay it; money-in tests turn it off.
 */
export async function startPlacementHarness(
  wrap: (a: PlacementActivities) => PlacementActivities = (a) => a,
  opts: { companiesPayAtOnce?: boolean } = {},
): Promise<PlacementHarness> {
  const [env, stripe, resend] = await Promise.all([
    startTimeSkippingEnv(),
    startFakeStripe({ autoPayInvoices: opts.companiesPayAtOnce ?? true }),
    startFakeResend(),
  ]);
  const db = testDb();
  const taskQueue = `placements-test-${randomUUID()}`;
  // Domain events start rule executions here; no worker polls it unless a test runs one.
  const automationTaskQueue = `automation-test-${randomUUID()}`;
  // The production factory: the same activities and activity interceptor as a worker process.
  const worker = await createPlacementsWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    wrapActivities: wrap,
    db,
    stripe: stripe.client(),
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    temporal: env.client,
    automationTaskQueue,
  });
  const running = worker.run();
  return {
    env,
    db,
    stripe,
    resend,
    taskQueue,
    automationTaskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([env.teardown(), stripe.close(), resend.close(), db.destroy()]);
    },
  };
}
