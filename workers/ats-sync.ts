import type { Worker } from '@temporalio/worker';
import { createAtsWorkerActivities } from '../activities/index.js';
import { connectorFor } from '../activities/ats/index.js';
import { isMain } from '../lib/main.js';
import { parseKeyRing, type KeyRing } from '../lib/sealed.js';
import { TASK_QUEUES } from '../domain/temporal.js';
import { createQueueWorker, runWorkerProcess, type WorkerDeps } from './queue-worker.js';

/** The worker of the `ats-sync` task queue: one sync workflow per integration, the connectors and ingestion. */
export function createAtsSyncWorker(deps: WorkerDeps & { keyRing: KeyRing; connectorFor?: typeof connectorFor }): Promise<Worker> {
  return createQueueWorker(
    deps,
    TASK_QUEUES.atsSync,
    createAtsWorkerActivities({ ...deps, connectorFor: deps.connectorFor ?? connectorFor }),
  );
}

if (isMain(import.meta.url)) {
  // lib/config.ts requires ATS_CREDENTIALS_KEYS of this process (and the --check-config gate checks it too).
  runWorkerProcess('ats-sync', TASK_QUEUES.atsSync, (deps, config) =>
    createAtsSyncWorker({ ...deps, keyRing: parseKeyRing(config.ATS_CREDENTIALS_KEYS) }),
  );
}
