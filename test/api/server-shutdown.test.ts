import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/net.js';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { eventually } from '../../testkit/harness/api-harness.js';
import { databaseUrl, temporalAddress } from '../support/context.js';
import { exited } from '../support/worker-process.js';

const DRAIN_SECONDS = 2;

describe('the API process on SIGTERM', () => {
  it('answers /healthz 503 while it drains, still serves requests meanwhile, then exits 0', async () => {
    const port = await freePort();
    const api = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      cwd: PROJECT_ROOT,
      stdio: 'ignore',
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl(),
        TEMPORAL_ADDRESS: temporalAddress(),
        API_PORT: String(port),
        API_DRAIN_DELAY: String(DRAIN_SECONDS),
        JWT_SECRET: 'shutdown-test-secret-at-least-32-characters',
        STRIPE_SECRET_KEY: 'sk_test_shutdown',
        RESEND_API_KEY: 're_test_shutdown',
        LOG_LEVEL: 'silent',
        OTEL_TRACES_EXPORTER: '',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
      },
    });
    const exit = exited(api);
    const url = `http://127.0.0.1:${port}`;
    try {
      await eventually(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200, 30_000);
      api.kill('SIGTERM');
      const signalledAt = Date.now();
      const health = await eventually(
        async () => {
          const res = await fetch(`${url}/healthz`);
          return res.status === 503 ? res : undefined;
        },
        5_000,
        50,
      );
      expect(await health!.json()).toEqual({ status: 'draining' });
      // The load balancer needs time to notice: until the drain is over, requests are still answered.
      expect((await fetch(`${url}/api/v1/openapi.json`)).status).toBe(200);
      expect(await exit).toBe(0);
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000 - 250);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      if (api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
      await exit;
    }
  }, 60_000);
});
