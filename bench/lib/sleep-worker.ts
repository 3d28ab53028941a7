/**
 * A bare worker process (bench/memory.ts's baseline): one NativeConnection and one Worker, built as
 * every worker is (workers/create-worker.ts) but otherwise with SDK defaults, polling WORKER_TASK_QUEUE, running the prebuilt bundle at WORKFLOW_BUNDLE_PATH (the sleep
 * workflow), no activities, no database, no SDK clients. Stops on SIGTERM / SIGINT (the SDK's runtime
 * handles them).
 */
import { NativeConnection } from '@temporalio/worker';
import { createWorker } from '../../workers/create-worker.js';

async function main() {
  const [address, taskQueue, codePath] = [process.env.TEMPORAL_ADDRESS, process.env.WORKER_TASK_QUEUE, process.env.WORKFLOW_BUNDLE_PATH];
  if (!address || !taskQueue || !codePath) throw new Error('TEMPORAL_ADDRESS, WORKER_TASK_QUEUE and WORKFLOW_BUNDLE_PATH are required');
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection, taskQueue, workflowBundle: { codePath } });
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
