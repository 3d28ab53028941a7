import type { ActivityOptions } from '@temporalio/workflow';

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
