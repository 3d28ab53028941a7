import type { Worker } from '@temporalio/worker';
import { createProposalActivities } from '../activities/index.js';
import { isMain } from '../lib/main.js';
import { TASK_QUEUES } from '../domain/temporal.js';
import { createQueueWorker, runWorkerProcess, type WorkerDeps } from './queue-worker.js';

/** The worker of the `proposals` task queue: proposal workflows and their activities. */
export function createProposalsWorker(deps: WorkerDeps): Promise<Worker> {
  return createQueueWorker(deps, TASK_QUEUES.proposals, createProposalActivities(deps));
}

if (isMain(import.meta.url)) runWorkerProcess('proposals', TASK_QUEUES.proposals, createProposalsWorker);
