import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
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

const HISTORIES = fileURLToPath(new URL('../replay/histories/', import.meta.url));

/** The replay corpus (test/replay/histories/*.json), by workflow id (the file name). */
export async function recordedHistories() {
  const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8'))),
    })),
  );
}
