import type { Worker } from '@temporalio/worker';
import type Stripe from 'stripe';
import { createPlacementActivities } from '../activities/index.js';
import { isMain } from '../lib/main.js';
import { createStripe } from '../lib/providers.js';
import { TASK_QUEUES } from '../domain/temporal.js';
import { createQueueWorker, runWorkerProcess, type WorkerDeps } from './queue-worker.js';

/** The worker of the `placements` task queue: placement and payout workflows, Stripe and payout activities. */
export function createPlacementsWorker(deps: WorkerDeps & { stripe: Stripe }): Promise<Worker> {
  return createQueueWorker(deps, TASK_QUEUES.placements, createPlacementActivities(deps));
}

if (isMain(import.meta.url)) {
  runWorkerProcess('placements', TASK_QUEUES.placements, (deps, config) => createPlacementsWorker({ ...deps, stripe: createStripe(config) }));
}
