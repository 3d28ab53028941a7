import type { DataConverter } from '@temporalio/common';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { workflowBundle } from './context.js';

export interface ReplayOutcome {
  /** One entry per history, in order: how its replay ended. */
  results: { workflowId: string; error?: Error }[];
  /** `workflowId: message` of each history that failed to replay. */
  failures: string[];
}

/** Replays histories against the test run's workflow bundle (or `bundle`), collecting every outcome. */
export async function replay(
  histories: { workflowId: string; history: temporal.api.history.v1.IHistory }[],
  opts: { bundle?: ReplayWorkerOptions['workflowBundle']; dataConverter?: DataConverter } = {},
): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = { results: [], failures: [] };
  const options = { workflowBundle: opts.bundle ?? workflowBundle(), ...(opts.dataConverter && { dataConverter: opts.dataConverter }) };
  for await (const result of Worker.runReplayHistories(options, histories)) {
    outcome.results.push({ workflowId: result.workflowId, error: result.error });
    if (result.error) outcome.failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return outcome;
}
