import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { permanentSqlState } from '../lib/sql-errors.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';

/**
 * An activity that fails because of its data fails once, non-retryably, with type `InvalidData`
 * (the SQLSTATE in details): retrying it could only fail the same way forever, holding its workflow
 * and any caller waiting on it. Other errors are left to the activity's retry policy.
 */
export function asPermanentFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const code = permanentSqlState(err);
  if (!code) return err;
  return ApplicationFailure.create({
    type: FAILURE_TYPES.InvalidData,
    message: `the database refused the data (SQLSTATE ${code}): ${(err as Error).message}`,
    nonRetryable: true,
    details: [{ sqlState: code }],
    cause: err as Error,
  });
}

/** Registered by every worker (workers/queue-worker.ts), so no activity can retry bad data forever. */
export const permanentFailureInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        throw asPermanentFailure(err);
      }
    },
  },
});
