import type { Worker } from '@temporalio/worker';
import { createAutomationActivities } from '../activities/index.js';
import { isMain } from '../lib/main.js';
import { TASK_QUEUES } from '../domain/temporal.js';
import { createQueueWorker, runWorkerProcess, type WorkerDeps } from './queue-worker.js';

/** The worker of the `automation` task queue: automation rule executions (waiting for approvals where needed) and their activities. */
export function createAutomationWorker(deps: WorkerDeps): Promise<Worker> {
  return createQueueWorker(deps, TASK_QUEUES.automation, createAutomationActivities(deps));
}

if (isMain(import.meta.url)) runWorkerProcess('automation', TASK_QUEUES.automation, createAutomationWorker);
