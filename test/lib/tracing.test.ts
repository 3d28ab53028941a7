import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import type { Db } from '../../lib/db.js';
import { dataConverter } from '../../lib/payload-codec.js';
import { createTracing, setupTracing, tracesExporter, WORKFLOW_TRACING_MODULE, type Tracing } from '../../lib/tracing.js';
import { WORKFLOW_BUNDLE_SOURCES } from '../../workers/queue-worker.js';
import { createPlacementsWorker } from '../../workers/placements.js';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { temporalAddress, testDb } from '../support/context.js';
import type { PayoutWorkflow } from '../../domain/payout.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { startFakeStripe, type FakeStripe } from '../../testkit/fakes/stripe.js';
import { eventually, TEST_PAYLOAD_KEYS } from '../../testkit/harness/api-harness.js';
import { createPlacement } from '../../testkit/harness/factories.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let db: Db;
let stripe: FakeStripe;
let resend: FakeResend;
let connection: Connection;
let nativeConnection: NativeConnection;
let bundleCode: string;

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };

beforeAll(async () => {
  tracing = createTracing({ serviceName: 'splits-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  db = testDb();
  [stripe, resend, connection, nativeConnection] = await Promise.all([
    startFakeStripe(),
    startFakeResend(),
    Connection.connect({ address: temporalAddress() }),
    NativeConnection.connect({ address: temporalAddress() }),
  ]);
  // The shared test bundle has no tracing interceptors: this one has them, as a worker bundling at start would.
  ({ code: bundleCode } = await bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_SOURCES,
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    logger: quietLogger,
  }));
}, 180_000);
afterAll(async () => {
  await tracing?.shutdown();
  await Promise.all([connection?.close(), nativeConnection?.close(), stripe?.close(), resend?.close(), db?.destroy()]);
});

describe('configuration', () => {
  it('is off unless an OTLP endpoint or the console exporter is configured', () => {
    expect(tracesExporter({})).toBe('none');
    expect(setupTracing({}, 'splits-api')).toBeUndefined();
    expect(tracesExporter({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('none');
    expect(tracesExporter({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('otlp');
    expect(tracesExporter({ OTEL_TRACES_EXPORTER: 'console' })).toBe('console');
  });
});

describe('tracing across client, workflow and activities', () => {
  it('links StartWorkflow → RunWorkflow → StartActivity → RunActivity in one trace', async () => {
    const taskQueue = `tracing-${randomUUID()}`;
    const converter = dataConverter(TEST_PAYLOAD_KEYS);
    const client = new Client({ connection, dataConverter: converter, interceptors: tracing.clientInterceptors() });
    const worker = await createPlacementsWorker({
      connection: nativeConnection,
      namespace: 'default',
      db,
      stripe: stripe.client(),
      resend: resend.client(),
      emailFrom: 'test@splits.test',
      appUrl: 'http://app.test',
      temporal: client,
      automationTaskQueue: `automation-tracing-${randomUUID()}`,
      dataConverter: converter,
      workflowBundle: { code: bundleCode },
      taskQueue,
      tracing,
    });
    const p = await createPlacement(db, stripe, [{ role: 'sourcer', splitBps: 10_000 }]);
    const payoutId = randomUUID();
    const workflowId = workflowIds.payout(payoutId);

    const result = await worker.runUntil(
      client.workflow.execute<PayoutWorkflow>(WORKFLOW_TYPES.payout, {
        workflowId,
        taskQueue,
        args: [
          {
            payoutId,
            placementId: p.placementId,
            companyId: p.marketplace.companyId,
            tranche: 'activation',
            amountCents: 100_000,
            currency: 'USD',
          },
        ],
      }),
    );
    expect(result.status).toBe('paid');

    const find = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
    const spans = await eventually(async () => {
      const all = exporter.getFinishedSpans();
      return find(all, 'RunWorkflow:payoutWorkflow').length && find(all, 'RunActivity:transferSplit').length ? all : undefined;
    });
    expect(
      spans,
      `spans: ${exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .join(', ')}`,
    ).toBeDefined();

    const [start] = find(spans!, 'StartWorkflow:payoutWorkflow');
    const [run] = find(spans!, 'RunWorkflow:payoutWorkflow');
    const [transfer] = find(spans!, 'RunActivity:transferSplit');
    expect(start && run && transfer).toBeTruthy();
    const traceId = start!.spanContext().traceId;
    expect(run!.spanContext().traceId).toBe(traceId);
    expect(transfer!.spanContext().traceId).toBe(traceId);
    expect(run!.parentSpanId).toBe(start!.spanContext().spanId);
    // The activity's parent is the workflow's StartActivity span, a child of RunWorkflow.
    const scheduled = spans!.find((s) => s.spanContext().spanId === transfer!.parentSpanId);
    expect(scheduled?.name).toBe('StartActivity:transferSplit');
    expect(scheduled?.parentSpanId).toBe(run!.spanContext().spanId);
    expect(run!.resource.attributes['service.name']).toBe('splits-test');
    expect(start!.attributes.temporalWorkflowId).toBe(workflowId);
  });
});
