import type { TestProject } from 'vitest/node';
import { startTestInfra } from '../../testkit/env/infra.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    temporalUiUrl: string;
    workflowBundlePath: string;
  }
}

/** Once per test run: fresh database, Temporal dev server, workflow bundle. */
export default async function setup(project: TestProject) {
  const infra = await startTestInfra();
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('temporalAddress', infra.temporalAddress);
  project.provide('temporalUiUrl', infra.temporalUiUrl);
  project.provide('workflowBundlePath', infra.workflowBundlePath);
  return () => infra.stop();
}
