import type { Worker } from '@temporalio/worker';
import type Stripe from 'stripe';
import { createPlacementActivities, type PlacementActivities } from '../activities/index.js';
import { isMain } from '../lib/main.js';
import { createStripe } from '../lib/providers.js';
import { TASK_QUEUES } from '../domain/temporal.js';
import { createQueueWorker, runWorkerProcess, type WorkerDeps } from './queue-worker.js';

/**
 * The worker of the `placements` task queue: placement and payout workflows, Stripe and payout activities.
 * `wrapActivities` lets a test alter them (e.g. fail one) while the worker stays as built here.
 */
export function createPlacementsWorker(
  deps: WorkerDeps & { stripe: Stripe; wrapActivities?: (a: PlacementActivities) => PlacementActivities },
): Promise<Worker> {
  const activities = createPlacementActivities(deps);
  return createQueueWorker(deps, TASK_QUEUES.placements, deps.wrapActivities ? deps.wrapActivities(activities) : activities);
}

if (isMain(import.meta.url)) {
  runWorkerProcess('placements', TASK_QUEUES.placements, (deps, config) =>
    createPlacementsWorker({ ...deps, stripe: createStripe(config) }),
  );
}
