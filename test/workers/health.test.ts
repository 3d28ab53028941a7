import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { startHealthServer } from '../../workers/health.js';
import { workflowBundlePath } from '../../workers/queue-worker.js';

describe('worker probes', () => {
  it('are ready only while polling, and alive until the worker has failed (a draining worker is left to finish)', async () => {
    let state: State = 'INITIALIZED';
    const server = await startHealthServer(() => state, 0, '127.0.0.1');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const status = async (path: string) => (await fetch(`${base}${path}`)).status;
    try {
      const seen: Record<string, [number, number]> = {};
      for (const s of ['INITIALIZED', 'RUNNING', 'DRAINING', 'STOPPING', 'FAILED'] as const) {
        state = s;
        seen[s] = [await status('/healthz'), await status('/livez')];
      }
      expect(seen).toEqual({
        INITIALIZED: [503, 200],
        RUNNING: [200, 200],
        DRAINING: [503, 200],
        STOPPING: [503, 200],
        FAILED: [503, 503],
      });
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ state: 'FAILED' });
      expect(await status('/metrics')).toBe(404);
    } finally {
      server.close();
    }
  });

  it('loads the prebuilt bundle that matches tracing, and bundles at start when there is none', () => {
    const env = { WORKFLOW_BUNDLE_PATH: '/app/bundles/workflows.js', WORKFLOW_TRACED_BUNDLE_PATH: '/app/bundles/workflows-traced.js' };
    expect(workflowBundlePath(env, false)).toBe('/app/bundles/workflows.js');
    expect(workflowBundlePath(env, true)).toBe('/app/bundles/workflows-traced.js');
    expect(workflowBundlePath({ WORKFLOW_BUNDLE_PATH: '/app/bundles/workflows.js' }, true)).toBeUndefined();
    expect(workflowBundlePath({ WORKFLOW_BUNDLE_PATH: '' }, false)).toBeUndefined();
  });
});
