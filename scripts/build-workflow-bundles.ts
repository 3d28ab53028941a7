import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { isMain, runMain } from '../lib/main.js';
import { WORKFLOW_TRACING_MODULE } from '../lib/tracing.js';
import { WORKFLOW_BUNDLE_SOURCES } from '../workers/queue-worker.js';

/** The two bundles a worker can load (workers/queue-worker.ts workflowBundlePath), by file name. */
export const WORKFLOW_BUNDLES = {
  'workflows.js': {},
  'workflows-traced.js': { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] },
} satisfies Record<string, Partial<BundleOptions>>;

/**
 * Bundles the workflows once (the image build runs this), so worker replicas start without webpack:
 * `node --import tsx scripts/build-workflow-bundles.ts <dir>` writes <dir>/workflows.js and
 * <dir>/workflows-traced.js for WORKFLOW_BUNDLE_PATH and WORKFLOW_TRACED_BUNDLE_PATH.
 */
export async function buildWorkflowBundles(dir: string, logger?: BundleOptions['logger']): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, extra] of Object.entries(WORKFLOW_BUNDLES)) {
    const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_SOURCES, ...extra, logger });
    await writeFile(path.join(dir, file), code);
    written.push(path.join(dir, file));
  }
  return written;
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const dir = process.argv[2];
    if (!dir) throw new Error('usage: build-workflow-bundles.ts <output directory>');
    for (const file of await buildWorkflowBundles(path.resolve(dir))) console.log(`wrote ${file}`);
  });
}
