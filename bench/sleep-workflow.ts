import { defineQuery, setHandler, sleep } from '@temporalio/workflow';

/** Answers while the workflow sleeps (bench/memory.ts queries every workflow to pull it into the worker's cache). */
export const sleepingQuery = defineQuery<boolean>('sleeping');

/** The engine's own cost of an open workflow: it only waits on a timer (72 h, like a proposal's deadline). */
export async function sleepWorkflow(hours = 72): Promise<void> {
  setHandler(sleepingQuery, () => true);
  await sleep(hours * 3_600_000);
}
