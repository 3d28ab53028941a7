import { z } from 'zod';

/**
 * Process configuration, read once from the environment. Every process (API, workers,
 * scripts) uses the same names so one `.env` or compose file configures them all.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().min(1),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** The Temporal Web UI's address: the web app links each process to its page there (platform admins). */
  TEMPORAL_UI_URL: z.url().optional(),
  /** Temporal Cloud / mTLS: API key, or client cert + key files; TLS is on when any is set or TEMPORAL_TLS=true. */
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_PUBLIC_URL: z.string().default('http://localhost:3000'),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters'),
  JWT_ISSUER: z.string().default('splits-orchestration'),
  STRIPE_SECRET_KEY: z.string().min(1),
  /** Points the Stripe SDK at another host (local fake in dev and tests): http://host:port */
  STRIPE_API_BASE: z.string().url().optional(),
  RESEND_API_KEY: z.string().min(1),
  /** Points the Resend SDK at another base URL (local fake in dev and tests). */
  RESEND_BASE_URL: z.string().url().optional(),
  EMAIL_FROM: z.string().default('Splits Marketplace <noreply@splits.local>'),
  /**
   * How long an API request waits on a workflow update (ms) before it answers 504 `workflow_timeout`
   * with the workflow's id, instead of hanging while the workflow cannot answer.
   */
  WORKFLOW_UPDATE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /** Signing secret of the Resend webhook (Svix format); the webhook endpoint answers 503 while unset. */
  RESEND_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'RESEND_WEBHOOK_SECRET must be whsec_ followed by base64').optional(),
  /** Keys sealing ATS credentials at rest: `id:base64(32 bytes)[,…]`, current first (old ones still open). */
  ATS_CREDENTIALS_KEYS: z.string().optional(),
  /**
   * Encrypts Temporal payloads (personal data) in the API and the workers: `id:base64(32 bytes)[,…]`,
   * current first, older ones still decrypt. Required in production.
   */
  PAYLOAD_CODEC_KEYS: z.string().optional(),
  /** Origins allowed to call the codec server (`/codec`) from a browser: the Temporal Web UI's, comma-separated. */
  CODEC_CORS_ORIGINS: z.string().optional(),
  /** Lets integrations point at another API host (dev and tests: the local fakes). Keep off in production. */
  ATS_ALLOW_BASE_URL: z.enum(['true', 'false']).default('false'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Protects the API's `GET /metrics` (Prometheus text format): scrapers send `Authorization: Bearer <token>`.
   * Unset: `/metrics` is open (only for a scraper on a private network).
   */
  METRICS_TOKEN: z.string().optional(),
  /**
   * Seconds `/healthz` answers 503 after SIGTERM before the API stops accepting connections, so a load
   * balancer stops sending new requests first. In-flight requests then have 10 s to finish.
   */
  API_DRAIN_DELAY: z.coerce.number().min(0).max(300).default(0),
  /**
   * A worker process serves Temporal's runtime metrics (Prometheus, `/metrics`) on this port when set.
   * Each worker process needs its own port on a host (in containers each replica has its own address).
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** The interface the worker metrics endpoint binds to. */
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),
  /**
   * How long a stopping worker (SIGTERM/SIGINT) lets in-flight activities finish before they are cancelled
   * (ms-format: `30s`, `2m`, or milliseconds). Keep the orchestrator's kill timeout above it.
   */
  WORKER_SHUTDOWN_GRACE: z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h)?$/, 'WORKER_SHUTDOWN_GRACE must be a duration such as 30s, 2m or 5000').default('30s'),
  /**
   * Tracing (OpenTelemetry) across API -> workflows -> activities. An OTLP/HTTP collector's base URL
   * (e.g. http://otel-collector:4318; spans go to <url>/v1/traces) turns it on; OTEL_TRACES_EXPORTER=console
   * prints spans instead; neither: tracing is off (no interceptors).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
  /** The traced service's name; default `splits-api`, `splits-worker-<queue>`. */
  OTEL_SERVICE_NAME: z.string().optional(),
});

export type AppConfig = z.infer<typeof envSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable means "not set" (compose passes `${VAR:-}` through as "").
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(given);
  // Every problem at once, so a deployment is fixed in one go.
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => {
    const name = i.path.join('.');
    return `  ${name}: ${given[name] === undefined ? 'not set' : i.message}`;
  });
  if ((given.NODE_ENV ?? 'development') === 'production' && !given.PAYLOAD_CODEC_KEYS) {
    problems.push('  PAYLOAD_CODEC_KEYS: required in production: workflow payloads carry personal data');
  }
  if (problems.length > 0 || !parsed.success) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  return parsed.data;
}
