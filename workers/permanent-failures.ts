import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { FAILURE_TYPES } from '../workflows/constants.js';

/**
 * SQLSTATEs that no retry can fix: class 22 (data exception: a NUL in text, a value out of range,
 * malformed input), a check constraint and a not-null violation. Unique and foreign-key violations
 * stay retryable: a retry of an idempotent write after a race is how those resolve.
 */
export function isPermanentSqlState(code: string): boolean {
  return code.startsWith('22') || code === '23514' || code === '23502';
}

/** The SQLSTATE of a Postgres error (knex rethrows pg's error, sometimes as a cause). */
function sqlStateOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * An activity that fails because of its data fails once, non-retryably, with type `InvalidData`
 * (the SQLSTATE in details): retrying it could only fail the same way forever, holding its workflow
 * and any caller waiting on it. Other errors are left to the activity's retry policy.
 */
export function asPermanentFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const code = sqlStateOf(err);
  if (!code || !isPermanentSqlState(code)) return err;
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
