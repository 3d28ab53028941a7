import type { Express, Response } from 'express';
import { type Client, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcDeadlineError } from '@temporalio/client';
import { ApiError } from './errors.js';

const SETTING = 'workflow update timeout ms';
export const DEFAULT_WORKFLOW_UPDATE_TIMEOUT_MS = 30_000;

/** Sets how long a request waits on a workflow update (config WORKFLOW_UPDATE_TIMEOUT_MS). */
export function setWorkflowUpdateTimeout(app: Express, ms: number): void {
  app.set(SETTING, ms);
}

export const workflowTimeout = (workflowId: string, ms: number) =>
  new ApiError(
    504,
    'workflow_timeout',
    `the process did not answer within ${ms / 1000} s; the command may still take effect, check before retrying`,
    { workflowId },
  );

/**
 * Runs `call` (an executeUpdate / executeUpdateWithStart on `workflowId`) under a deadline on every
 * Temporal request it makes, so a workflow that does not answer (no worker, a stuck handler) costs the
 * caller a bounded wait and a 504 naming the workflow, never a hung request.
 */
export async function awaitWorkflow<T>(temporal: Client, res: Response, workflowId: string, call: () => Promise<T>): Promise<T> {
  const ms = (res.app.get(SETTING) as number | undefined) ?? DEFAULT_WORKFLOW_UPDATE_TIMEOUT_MS;
  try {
    return await temporal.withDeadline(Date.now() + ms, call);
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err)) throw workflowTimeout(workflowId, ms);
    throw err;
  }
}
