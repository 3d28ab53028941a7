import { z } from 'zod';
import { parseKeyRing } from './sealed.js';
import { TOKEN_DEFAULTS } from './tokens.js';

/** Defaults of the sign-in settings (also the API's when a caller, e.g. a test harness, leaves them out). */
export const SIGN_IN_DEFAULTS = {
  MAGIC_LINK_TTL_MINUTES: 15,
  SIGN_IN_RATE_LIMIT: 5,
  SIGN_IN_RATE_WINDOW_MINUTES: 15,
  SESSION_MAX_AGE_HOURS: 7 * 24,
  SESSION_IDLE_HOURS: 12,
  /** An invitation link works once within this many hours (7 days; product §3.10). */
  INVITATION_TTL_HOURS: 168,
} as const;

/** How the API checks its responses against their declared schemas (api/contract.ts). */
export const CONTRACT_MODES = ['enforce', 'log', 'off'] as const;

/** A key ring (`id:base64(32 bytes)[,…]`), checked here so a malformed one stops the process at start. */
const keyRing = z.string().superRefine((spec, ctx) => {
  try {
    parseKeyRing(spec);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

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
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  JWT_ISSUER: z.string().default('splits-orchestration'),
  /** The `aud` every bearer token must name. */
  JWT_AUDIENCE: z.string().min(1).default(TOKEN_DEFAULTS.audience),
  /** The longest lifetime (exp − iat) of a bearer token, in seconds (default 24 h). */
  JWT_MAX_LIFETIME_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(TOKEN_DEFAULTS.maxLifetimeSeconds),
  /** How long an e-mailed sign-in link works, in minutes (single use either way). */
  MAGIC_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(60).default(SIGN_IN_DEFAULTS.MAGIC_LINK_TTL_MINUTES),
  /** How long an e-mailed invitation link works, in hours (single use either way). */
  INVITATION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(SIGN_IN_DEFAULTS.INVITATION_TTL_HOURS),
  /** Sign-in links one e-mail address, and one client IP, may request per SIGN_IN_RATE_WINDOW_MINUTES (then 429). */
  SIGN_IN_RATE_LIMIT: z.coerce.number().int().min(1).max(1000).default(SIGN_IN_DEFAULTS.SIGN_IN_RATE_LIMIT),
  SIGN_IN_RATE_WINDOW_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(SIGN_IN_DEFAULTS.SIGN_IN_RATE_WINDOW_MINUTES),
  /** A browser session's absolute lifetime, in hours (default 7 days), whatever its activity. */
  SESSION_MAX_AGE_HOURS: z.coerce
    .number()
    .min(0.1)
    .max(90 * 24)
    .default(SIGN_IN_DEFAULTS.SESSION_MAX_AGE_HOURS),
  /** A browser session ends after this many hours without a request (default 12). */
  SESSION_IDLE_HOURS: z.coerce
    .number()
    .min(0.05)
    .max(90 * 24)
    .default(SIGN_IN_DEFAULTS.SESSION_IDLE_HOURS),
  /**
   * Express's `trust proxy`: which proxies' X-Forwarded-For / -Proto to believe, so the rate limits
   * see the client's IP behind a load balancer: `true`, a hop count, or addresses / subnets
   * (`loopback`, `10.0.0.0/8`, comma-separated). Unset: the socket's address.
   */
  API_TRUST_PROXY: z.string().optional(),
  /**
   * Development only: the Resend fake's inbox (`<fake>/_fake/emails`). When set (and NODE_ENV is not
   * production) the web app offers a one-click sign-in page for the seeded users: it requests a
   * magic link and follows it from this inbox. Refused in production.
   */
  DEV_SIGN_IN_INBOX_URL: z.url().optional(),
  STRIPE_SECRET_KEY: z.string().optional(),
  /**
   * Signing secret of the Stripe webhook endpoint (`whsec_…`, from the Dashboard or `stripe listen`):
   * `POST /api/v1/webhooks/stripe` verifies each delivery's Stripe-Signature with it and answers 503
   * while unset. Required in production when STRIPE_SECRET_KEY is set.
   */
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_\S+$/, 'STRIPE_WEBHOOK_SECRET must start with whsec_')
    .optional(),
  /** Points the Stripe SDK at another host (local fake in dev and tests): http://host:port */
  STRIPE_API_BASE: z.string().url().optional(),
  RESEND_API_KEY: z.string().optional(),
  /** Points the Resend SDK at another base URL (local fake in dev and tests). */
  RESEND_BASE_URL: z.string().url().optional(),
  EMAIL_FROM: z.string().default('Splits Marketplace <noreply@splits.local>'),
  /**
   * How long an API request waits on a workflow update (ms) before it answers 504 `workflow_timeout`
   * with the workflow's id, instead of hanging while the workflow cannot answer.
   */
  WORKFLOW_UPDATE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /** Signing secret of the Resend webhook (Svix format); the webhook endpoint answers 503 while unset. */
  RESEND_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'RESEND_WEBHOOK_SECRET must be whsec_ followed by base64')
    .optional(),
  /** Keys sealing ATS credentials at rest: `id:base64(32 bytes)[,…]`, current first (old ones still open). */
  ATS_CREDENTIALS_KEYS: keyRing.optional(),
  /**
   * Encrypts Temporal payloads (personal data) in the API and the workers: `id:base64(32 bytes)[,…]`,
   * current first, older ones still decrypt. Required in production.
   */
  PAYLOAD_CODEC_KEYS: keyRing.optional(),
  /** Origins allowed to call the codec server (`/codec`) from a browser: the Temporal Web UI's, comma-separated. */
  CODEC_CORS_ORIGINS: z.string().optional(),
  /** Lets integrations point at another API host (dev and tests: the local fakes). Keep off in production. */
  ATS_ALLOW_BASE_URL: z.enum(['true', 'false']).default('false'),
  /**
   * Checks every API response against its operation's declared schema: `enforce` answers a mismatch
   * with a 500 `response_contract`, `log` only logs it, `off` skips it. Default: `enforce`, `off` in production.
   */
  API_CHECK_RESPONSES: z.enum(CONTRACT_MODES).optional(),
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
  /** A worker process serves its probes on this port when set: `/healthz` (readiness) and `/livez` (workers/health.ts). */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** The interface the worker's metrics and health endpoints bind to. */
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),
  /**
   * How long a stopping worker (SIGTERM/SIGINT) lets in-flight activities finish before they are cancelled
   * (ms-format: `30s`, `2m`, or milliseconds). Keep the orchestrator's kill timeout above it.
   */
  WORKER_SHUTDOWN_GRACE: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h)?$/, 'WORKER_SHUTDOWN_GRACE must be a duration such as 30s, 2m or 5000')
    .default('30s'),
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
type Setting = keyof AppConfig;

/**
 * What each process needs beyond DATABASE_URL: `always`, and `production` on top when NODE_ENV=production.
 * The API serves ATS integrations only with ATS_CREDENTIALS_KEYS (503 otherwise), so only the ats-sync
 * worker requires them; every process talking to Temporal encrypts payloads with PAYLOAD_CODEC_KEYS.
 */
export const PROCESS_REQUIREMENTS = {
  api: { always: ['JWT_SECRET', 'RESEND_API_KEY'], production: ['PAYLOAD_CODEC_KEYS', 'METRICS_TOKEN'] },
  'worker-proposals': { always: ['RESEND_API_KEY'], production: ['PAYLOAD_CODEC_KEYS'] },
  'worker-placements': { always: ['RESEND_API_KEY', 'STRIPE_SECRET_KEY'], production: ['PAYLOAD_CODEC_KEYS'] },
  'worker-ownership': { always: ['RESEND_API_KEY'], production: ['PAYLOAD_CODEC_KEYS'] },
  'worker-automation': { always: ['RESEND_API_KEY'], production: ['PAYLOAD_CODEC_KEYS'] },
  'worker-ats-sync': { always: ['RESEND_API_KEY', 'ATS_CREDENTIALS_KEYS'], production: ['PAYLOAD_CODEC_KEYS'] },
  migrate: { always: [], production: [] },
} as const satisfies Record<string, { always: readonly Setting[]; production: readonly Setting[] }>;

export type ProcessName = keyof typeof PROCESS_REQUIREMENTS;
export const PROCESS_NAMES = Object.keys(PROCESS_REQUIREMENTS) as ProcessName[];

/** The configuration of process `P`: its always-required settings are known to be set. */
export type ProcessConfig<P extends ProcessName> = AppConfig & {
  [K in (typeof PROCESS_REQUIREMENTS)[P]['always'][number]]-?: NonNullable<AppConfig[K]>;
};

const WHY: Partial<Record<Setting, string>> = {
  PAYLOAD_CODEC_KEYS: 'workflow payloads carry personal data',
  METRICS_TOKEN: '/metrics must not be public',
};

/** Every problem of the environment for the given processes, one line each (empty: all fine). */
export function configProblems(processes: readonly ProcessName[], env: NodeJS.ProcessEnv = process.env): string[] {
  // An empty variable means "not set" (compose passes `${VAR:-}` through as "").
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(given);
  const invalid = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const name = i.path.join('.');
        return `  ${name}: ${given[name] === undefined ? 'not set' : i.message}`;
      });
  // One line per missing setting, naming every process that needs it.
  const production = (given.NODE_ENV ?? 'development') === 'production';
  const missing = new Map<string, string[]>();
  const need = (setting: Setting, kind: 'always' | 'production', name: ProcessName) => {
    if (given[setting] !== undefined) return;
    const key = `${setting}\0${kind}`;
    missing.set(key, [...(missing.get(key) ?? []), name]);
  };
  for (const name of processes) {
    const { always, production: inProduction } = PROCESS_REQUIREMENTS[name];
    for (const setting of always) need(setting, 'always', name);
    if (production) for (const setting of inProduction) need(setting, 'production', name);
  }
  const absent = [...missing].map(([key, names]) => {
    const [setting, kind] = key.split('\0') as [Setting, 'always' | 'production'];
    return kind === 'always'
      ? `  ${setting}: not set (required by ${names.join(', ')})`
      : `  ${setting}: required in production by ${names.join(', ')}${WHY[setting] ? `: ${WHY[setting]}` : ''}`;
  });
  // lib/temporal.ts uses a client certificate only with its key: one without the other is a mistake.
  const tls = (['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'] as const).filter((k) => given[k] !== undefined);
  const pair =
    tls.length === 1
      ? [
          `  ${tls[0]}: set without ${tls[0] === 'TEMPORAL_TLS_CERT_PATH' ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'} (mTLS needs both)`,
        ]
      : [];
  // The dev sign-in page only lists users and reads a fake inbox, but it has no place in production.
  const devOnly =
    production && given.DEV_SIGN_IN_INBOX_URL !== undefined
      ? ['  DEV_SIGN_IN_INBOX_URL: must not be set in production (development sign-in page)']
      : [];
  // The API connects recruiters' Stripe accounts when it has a Stripe key; it then learns their state only from signed webhooks.
  const stripeWebhook =
    production && processes.includes('api') && given.STRIPE_SECRET_KEY !== undefined && given.STRIPE_WEBHOOK_SECRET === undefined
      ? [
          "  STRIPE_WEBHOOK_SECRET: required in production by api when STRIPE_SECRET_KEY is set: recruiters' payout accounts follow Stripe's signed webhooks",
        ]
      : [];
  return [...invalid, ...absent, ...pair, ...devOnly, ...stripeWebhook];
}

/** The configuration of one process; throws naming every problem at once, so a deployment is fixed in one go. */
export function loadConfig<P extends ProcessName>(processName: P, env: NodeJS.ProcessEnv = process.env): ProcessConfig<P> {
  const problems = configProblems([processName], env);
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  return envSchema.parse(given) as ProcessConfig<P>;
}
