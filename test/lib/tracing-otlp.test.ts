import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTracing } from '../../lib/tracing.js';

interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string; traceId: string; spanId: string; parentSpanId?: string }[] }[];
  }[];
}

/** An OpenTelemetry collector's OTLP/HTTP receiver, as far as traces go: it keeps what it is sent. */
const received: { path: string; contentType: string | undefined; body: OtlpExport }[] = [];
const collector = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({
      path: req.url ?? '',
      contentType: req.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
let endpoint: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

describe('tracing exported to a collector', () => {
  it("sends the process's spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, named by its service, parents linked", async () => {
    const tracing = setupTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, 'splits-api')!;
    tracing.tracer.startActiveSpan('POST /api/v1/proposals', (parent) => {
      tracing.tracer.startSpan('StartWorkflow:proposal').end();
      parent.end();
    });
    await tracing.shutdown(); // flushes the batch

    expect(received.map((r) => [r.path, r.contentType])).toEqual([['/v1/traces', 'application/json']]);
    const [resourceSpans] = received[0]!.body.resourceSpans;
    expect(resourceSpans!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'splits-api' } });
    const spans = resourceSpans!.scopeSpans.flatMap((s) => s.spans);
    const parent = spans.find((s) => s.name === 'POST /api/v1/proposals')!;
    const child = spans.find((s) => s.name === 'StartWorkflow:proposal')!;
    expect(child.traceId).toBe(parent.traceId);
    expect(child.parentSpanId).toBe(parent.spanId);
  });
});
