import { inject } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createDb, type Db } from '../../lib/db.js';

export const databaseUrl = () => inject('databaseUrl');
export const testDb = (): Db => createDb(databaseUrl(), { max: 5 });
export const workflowBundle = () => ({ codePath: inject('workflowBundlePath') });
export const temporalAddress = () => inject('temporalAddress');
export const temporalUiUrl = () => inject('temporalUiUrl');

/**
 * Runs activities in a mock activity context whose logger reports only errors
 * (expected failures are asserted, not logged), keeping the activity's result type.
 */
export function activityRunner() {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => env.run(fn, ...args) as Promise<R>;
}

export { startTimeSkippingEnv } from './time-skipping.js';
