import { inject } from 'vitest';
import { createDb, type Db } from '../../lib/db.js';

/**
 * What the test suite's global setup (test/support/global-setup.ts) provides to every test file:
 * the servers of testkit/env/infra.ts and the prebuilt workflow bundle. Only callable inside vitest;
 * harnesses read them as defaults, and callers outside vitest pass their own.
 */
export const databaseUrl = () => inject('databaseUrl');
export const testDb = (): Db => createDb(databaseUrl(), { max: 5 });
export const workflowBundle = () => ({ codePath: inject('workflowBundlePath') });
export const temporalAddress = () => inject('temporalAddress');
export const temporalUiUrl = () => inject('temporalUiUrl');
