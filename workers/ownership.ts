import type { Worker } from '@temporalio/worker';
import { createOwnershipActivities } from '../activities/index.js';
import { isMain } from '../lib/main.js';
import { TASK_QUEUES } from '../domain/temporal.js';
import { createQueueWorker, runWorkerProcess, type WorkerDeps } from './queue-worker.js';

/** The worker of the `ownership` task queue: candidate protection workflows and their activities. */
export function createOwnershipWorker(deps: WorkerDeps): Promise<Worker> {
  return createQueueWorker(deps, TASK_QUEUES.ownership, createOwnershipActivities(deps));
}

if (isMain(import.meta.url)) runWorkerProcess('ownership', TASK_QUEUES.ownership, createOwnershipWorker);
