import type { ActivityOptions } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../domain/failure-types.js';

/** Every workflow's activity option sets, named by what they call. */

export const DAY_MS = 86_400_000;

/** Postgres writes: idempotent, so retried until the database answers. */
export const DATABASE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Notifications: bounded retries (about 50 minutes), so a failing e-mail never holds a business process. */
export const NOTIFICATION_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
};

/**
 * One Stripe transfer of a split. Transient Stripe errors (5xx, 429, network) retry with backoff,
 * without limit: money must move or block. A refused transfer blocks the split at once.
 */
export const STRIPE_TRANSFER_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds', // above the SDK's 20 s request timeout (lib/providers.ts)
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [FAILURE_TYPES.TransferRefused],
  },
};

/** Reversing a refunded placement's paid splits: several Stripe calls in one activity, retried without limit. */
export const STRIPE_REVERSAL_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};

/**
 * Calls to a company's ATS. Paging activities heartbeat every page; a crashed worker's run
 * resumes elsewhere from its stored cursor. Refusals for good (credentials, a rejected request,
 * a deleted integration, a superseded run) are not retried.
 */
export const ATS_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [
      FAILURE_TYPES.AtsAuthFailed,
      FAILURE_TYPES.AtsRequestRejected,
      FAILURE_TYPES.IntegrationNotFound,
      FAILURE_TYPES.SyncSuperseded,
    ],
  },
};
