/**
 * A bare worker process (bench/memory.ts's baseline): one NativeConnection and one Worker with SDK
 * defaults polling WORKER_TASK_QUEUE, running the prebuilt bundle at WORKFLOW_BUNDLE_PATH (the sleep
 * workflow), no activities, no database, no SDK clients. Stops on SIGTERM / SIGINT (the SDK's runtime
 * handles them).
 */
import { NativeConnection, Worker } from '@temporalio/worker';

async function main() {
  const [address, taskQueue, codePath] = [process.env.TEMPORAL_ADDRESS, process.env.WORKER_TASK_QUEUE, process.env.WORKFLOW_BUNDLE_PATH];
  if (!address || !taskQueue || !codePath) throw new Error('TEMPORAL_ADDRESS, WORKER_TASK_QUEUE and WORKFLOW_BUNDLE_PATH are required');
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: { codePath } });
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
