import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalTestServer } from '../../scripts/lib/tools.js';
import { ensureSearchAttributes } from '../../scripts/lib/search-attributes.js';

/** A time-skipping environment on the project's own test-server binary (never downloaded). */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServer() } },
  });
  await ensureSearchAttributes(env.connection);
  return env;
}
