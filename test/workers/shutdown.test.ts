import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../scripts/lib/net.js';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { exited, spawnWorkerProcess, useWorkerProcessServers } from '../support/worker-process.js';
import type { PayoutWorkflow } from '../../domain/payout.js';
import { eventually } from '../../testkit/harness/api-harness.js';
import { createPlacement } from '../../testkit/harness/factories.js';

const taskQueue = `placements-shutdown-${randomUUID()}`;
const STRIPE_LATENCY_MS = 3_000;
const servers = useWorkerProcessServers();

const startWorker = (metricsPort: number, healthPort: number) =>
  spawnWorkerProcess('placements', {
    taskQueue,
    stripeUrl: servers.stripe.url,
    env: {
      WORKER_SHUTDOWN_GRACE: '30s',
      WORKER_METRICS_PORT: String(metricsPort),
      WORKER_HEALTH_PORT: String(healthPort),
      WORKER_METRICS_HOST: '127.0.0.1',
      OTEL_TRACES_EXPORTER: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    },
  });

describe('worker process shutdown', () => {
  it('serves runtime metrics and its probes, and on SIGTERM turns unready but stays alive while the in-flight activity completes, then exits', async () => {
    const { db, stripe, client } = servers;
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const probe = (path: string) =>
      fetch(`http://127.0.0.1:${healthPort}${path}`).then(
        (r) => r.status,
        () => 0,
      );
    const worker = startWorker(metricsPort, healthPort);
    const exit = exited(worker);
    try {
      const p = await createPlacement(db, stripe, [{ role: 'sourcer', splitBps: 10_000 }]);
      // A slow Stripe from the start: slowed only once the transfer was seen, a fast worker had already
      // had its answer and exited at once on SIGTERM.
      stripe.setLatency(STRIPE_LATENCY_MS);
      const payoutId = randomUUID();
      const workflowId = workflowIds.payout(payoutId);
      const handle = await client.workflow.start<PayoutWorkflow>(WORKFLOW_TYPES.payout, {
        workflowId,
        taskQueue,
        args: [
          {
            payoutId,
            placementId: p.placementId,
            companyId: p.marketplace.companyId,
            tranche: 'activation',
            amountCents: 500_000,
            currency: 'USD',
          },
        ],
      });

      // The Temporal runtime's Prometheus endpoint of this process.
      const metrics = await eventually(async () => {
        const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
        return text.includes('temporal_') ? text : undefined;
      }, 30_000);
      expect(metrics).toMatch(/temporal_\w+/);
      expect(await eventually(async () => (await probe('/healthz')) === 200 || undefined, 30_000)).toBe(true);

      // The transfer is in flight when the worker is told to stop (Stripe was slowed before the payout started).
      const inFlight = await eventually(async () => (stripe.requests['POST /v1/transfers'] ?? 0) > 0, 60_000);
      expect(inFlight).toBe(true);
      const signalledAt = Date.now();
      worker.kill('SIGTERM');
      // Draining: out of rotation (readiness) but not restarted (liveness), while the transfer runs.
      expect(await eventually(async () => (await probe('/healthz')) === 503 || undefined, 2_000)).toBe(true);
      expect(await probe('/livez')).toBe(200);
      expect(await exit).toBe(0);
      // It waited for Stripe's answer rather than dropping the activity.
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(STRIPE_LATENCY_MS - 1_000);

      const { events } = await handle.fetchHistory();
      const scheduled = events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'transferSplit');
      expect(scheduled).toBeDefined();
      const outcome = events!.find((e) =>
        [
          e.activityTaskCompletedEventAttributes,
          e.activityTaskFailedEventAttributes,
          e.activityTaskTimedOutEventAttributes,
          e.activityTaskCanceledEventAttributes,
        ].some((a) => a?.scheduledEventId?.toString() === scheduled!.eventId!.toString()),
      );
      expect(outcome?.activityTaskCompletedEventAttributes, 'the transfer activity completed (not failed or cancelled)').toBeTruthy();
      expect(stripe.transfers().filter((t) => t.transfer_group === p.placementId)).toHaveLength(1);
      await handle.terminate('test over');
    } finally {
      stripe.setLatency(0);
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await exit;
    }
  }, 120_000);
});
