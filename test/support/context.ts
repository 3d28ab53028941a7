import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

export { databaseUrl, temporalAddress, temporalUiUrl, testDb, workflowBundle } from '../../testkit/env/suite-context.js';

/**
 * Runs activities in a mock activity context whose logger reports only errors
 * (expected failures are asserted, not logged), keeping the activity's result type.
 */
export function activityRunner() {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => env.run(fn, ...args) as Promise<R>;
}

export { startTimeSkippingEnv } from '../../testkit/env/time-skipping.js';
