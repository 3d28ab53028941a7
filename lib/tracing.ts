import { createRequire } from 'node:module';
import type * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { AppConfig } from './config.js';

/**
 * The workflow interceptors (the module exporting `interceptors()` for the workflow sandbox). They must
 * be bundled with the workflows: a worker bundling at start gets them through `interceptors.workflowModules`;
 * a prebuilt bundle needs them in `bundleWorkflowCode({ workflowInterceptorModules })`.
 */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

/** OpenTelemetry tracing of one process: the provider, and the Temporal interceptors that propagate its context. */
export interface Tracing {
  readonly serviceName: string;
  readonly tracer: otel.Tracer;
  /** For a Temporal `Client` (API and workers): StartWorkflow / SignalWorkflow / … spans, context sent in headers. */
  clientInterceptors(): ClientInterceptors;
  /** For the worker factory (workers/create-worker.ts): RunWorkflow / StartActivity spans in the sandbox (exported through a sink), RunActivity spans. */
  workerOptions(): Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /** Flushes pending spans and stops exporting (on process exit). */
  shutdown(): Promise<void>;
}

type TracingConfig = Pick<AppConfig, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_TRACES_EXPORTER' | 'OTEL_SERVICE_NAME'>;

/** Which exporter the configuration asks for: OTLP when an endpoint is set, console on request, else none. */
export function tracesExporter(config: TracingConfig): 'otlp' | 'console' | 'none' {
  return config.OTEL_TRACES_EXPORTER ?? (config.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none');
}

/**
 * Tracing for a process from its configuration, or undefined when it is off (then no interceptors
 * are installed at all). Registers the provider globally (context manager, W3C propagator): call once
 * per process.
 */
export function setupTracing(config: TracingConfig, defaultServiceName: string): Tracing | undefined {
  const kind = tracesExporter(config);
  if (kind === 'none') return undefined;
  const exporter =
    kind === 'console'
      ? new ConsoleSpanExporter()
      : new OTLPTraceExporter({ url: `${(config.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces` });
  return createTracing({ serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName, spanProcessor: new BatchSpanProcessor(exporter) });
}

/** Tracing with a given span processor (tests pass a simple processor over an in-memory exporter). */
export function createTracing({ serviceName, spanProcessor }: { serviceName: string; spanProcessor: SpanProcessor }): Tracing {
  const resource = new Resource({ 'service.name': serviceName });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global: the interceptors read the active context and inject/extract it with the global propagator.
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  const tracer = provider.getTracer('splits-orchestration');
  const options = { tracer };
  return {
    serviceName,
    tracer,
    clientInterceptors: () => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor(options)] }),
    workerOptions: () => ({
      interceptors: {
        workflowModules: [WORKFLOW_TRACING_MODULE],
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx, options),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    }),
    async shutdown() {
      await provider.shutdown();
    },
  };
}
