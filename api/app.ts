import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import * as otel from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Resend } from 'resend';
import type Stripe from 'stripe';
import { SIGN_IN_DEFAULTS, type AppConfig } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { TOKEN_DEFAULTS } from '../lib/tokens.js';
import type { Tracing } from '../lib/tracing.js';
import { authenticate, sessionCookies, type SessionSettings } from './auth.js';
import { maxJsonDepth, utf8JsonOnly } from './body-limits.js';
import { checkErrorStatus, contractModeOf, setResponseContract, type ResponseContract } from './contract.js';
import { errorHandler, notFound, unavailable } from './errors.js';
import { idempotency } from './idempotency.js';
import { DEFAULT_WORKFLOW_UPDATE_TIMEOUT_MS, setWorkflowUpdateTimeout } from './workflow-wait.js';
import { createHttpMetrics, routePattern } from './metrics.js';
import { buildOpenApiDocument, type Operation } from './openapi.js';
import { healthRoutes } from './routes/health.js';
import { automationRoutes } from './routes/automation.js';
import { codecRoutes, operatorSessionRoutes } from './routes/codec.js';
import { decisionRoutes } from './routes/decisions.js';
import { integrationRoutes, integrationWebhookRoutes, type AtsApiDeps } from './routes/integrations.js';
import { pipelineRoutes } from './routes/pipeline.js';
import { directoryRoutes } from './routes/directory.js';
import { jobRoutes } from './routes/jobs.js';
import { peopleRoutes } from './routes/people.js';
import { marketplaceEventRoutes } from './routes/marketplace-events.js';
import { outreachRoutes, resendWebhookRoutes } from './routes/outreach.js';
import { payoutRoutes } from './routes/payouts.js';
import { payoutAccountRoutes } from './routes/payout-accounts.js';
import { stripeWebhookRoutes } from './routes/stripe-webhooks.js';
import { candidateRoutes } from './routes/candidates.js';
import { candidateProfileRoutes } from './routes/candidate-profiles.js';
import { placementRoutes } from './routes/placements.js';
import { proposalRoutes } from './routes/proposals.js';
import { sessionRoutes } from './routes/session.js';
import { termsRoutes } from './routes/terms.js';
import { signInRoutes, signOutRoutes } from './routes/sign-in.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { TASK_QUEUES, type TaskQueues } from '../domain/temporal.js';

export interface AppDeps {
  temporal: Client;
  db: Db;
  config: Pick<AppConfig, 'JWT_ISSUER'> & { JWT_SECRET: string } & Partial<
      Pick<
        AppConfig,
        | 'JWT_AUDIENCE'
        | 'JWT_MAX_LIFETIME_SECONDS'
        | 'EMAIL_FROM'
        | 'RESEND_WEBHOOK_SECRET'
        | 'STRIPE_WEBHOOK_SECRET'
        | 'TEMPORAL_UI_URL'
        | 'TEMPORAL_NAMESPACE'
        | 'CODEC_CORS_ORIGINS'
        | 'API_PUBLIC_URL'
        | 'METRICS_TOKEN'
        | 'WORKFLOW_UPDATE_TIMEOUT_MS'
        | 'NODE_ENV'
        | 'API_CHECK_RESPONSES'
        | 'MAGIC_LINK_TTL_MINUTES'
        | 'INVITATION_TTL_HOURS'
        | 'SIGN_IN_RATE_LIMIT'
        | 'SIGN_IN_RATE_WINDOW_MINUTES'
        | 'SESSION_MAX_AGE_HOURS'
        | 'SESSION_IDLE_HOURS'
        | 'API_TRUST_PROXY'
        | 'DEV_SIGN_IN_INBOX_URL'
      >
    >;
  /** The payload codec the process's client uses; served to operators at /codec. Without it /codec answers 503. */
  codec?: PayloadCodec;
  /** Sends candidate outreach (with config.EMAIL_FROM); without it that endpoint answers 503. */
  resend?: Resend;
  /** Creates recruiters' connected accounts and their onboarding links; without it connecting answers 503. */
  stripe?: Stripe;
  logger?: Logger;
  /** ATS integrations (key ring, connectors); without it those endpoints answer 503. */
  ats?: AtsApiDeps;
  /** Overrides of the shared queue names (tests run isolated workers). */
  taskQueues?: Partial<TaskQueues>;
  /** A span per request (the client's StartWorkflow spans become its children); off without it. */
  tracing?: Tracing;
  /** True once the process is stopping: /healthz answers 503 and keep-alive connections are closed after each response. */
  isDraining?: () => boolean;
  /** Told of every response that does not match its declared schema (the test harness records them). */
  onContractViolation?: ResponseContract['onViolation'];
}

/** A server span per request, active while it is handled, named after its route pattern. */
function requestSpans(tracing: Tracing): express.RequestHandler {
  return (req, res, next) => {
    const span = tracing.tracer.startSpan(
      `HTTP ${req.method}`,
      {
        kind: otel.SpanKind.SERVER,
        attributes: { 'http.request.method': req.method },
      },
      otel.propagation.extract(otel.context.active(), req.headers),
    );
    res.once('close', () => {
      const route = routePattern(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
      span.end();
    });
    otel.context.with(otel.trace.setSpan(otel.context.active(), span), next);
  };
}

/** Browsers allowed to call /codec: CODEC_CORS_ORIGINS, else the Temporal Web UI's origin. */
function codecOrigins(config: AppDeps['config']): string[] {
  const listed = config.CODEC_CORS_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (listed?.length) return listed;
  return config.TEMPORAL_UI_URL ? [new URL(config.TEMPORAL_UI_URL).origin] : [];
}

const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
/**
 * Pure domain modules the web app imports as they are (web/index.html maps `@domain/` to
 * /domain/): only these files, read-only, so the browser and the server share one source.
 */
const BROWSER_DOMAIN_MODULES = new Map([['split-rules.js', fileURLToPath(new URL('../domain/split-rules.js', import.meta.url))]]);
const OPENAPI_INFO = { title: 'Splits orchestration API', version: '1.0.0' };
const operationsOf = new WeakMap<Express, Operation[]>();

/** The document an app serves at /api/v1/openapi.json, read without a server (scripts/generate-web-types.ts). */
export const openApiDocumentOf = (app: Express) => buildOpenApiDocument(operationsOf.get(app) ?? [], OPENAPI_INFO);
const REQUEST_ID = /^[A-Za-z0-9_\-.]{1,128}$/;

/** API_TRUST_PROXY as Express's `trust proxy` value: `true`, a hop count, or addresses / subnets. */
function trustProxy(setting: string | undefined): boolean | number | string {
  if (setting === undefined || setting === 'false') return false;
  if (setting === 'true') return true;
  return /^\d+$/.test(setting) ? Number(setting) : setting;
}

export function createApp({
  temporal,
  db,
  config,
  resend,
  stripe,
  ats,
  codec,
  logger = createLogger('api'),
  taskQueues,
  tracing,
  isDraining = () => false,
  onContractViolation,
}: AppDeps): Express {
  const app = express();
  setResponseContract(app.locals, { mode: contractModeOf(config), logger, onViolation: onContractViolation });
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // The rate limits of sign-in count per client IP: behind a load balancer, its X-Forwarded-For.
  app.set('trust proxy', trustProxy(config.API_TRUST_PROXY));
  setWorkflowUpdateTimeout(app, config.WORKFLOW_UPDATE_TIMEOUT_MS ?? DEFAULT_WORKFLOW_UPDATE_TIMEOUT_MS);
  // Prometheus scrapes (neither logged nor counted themselves); every other request is counted and
  // timed by its route pattern.
  const metrics = createHttpMetrics({ token: config.METRICS_TOKEN });
  app.get('/metrics', metrics.handler);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
    }),
  );

  app.use(metrics.middleware);
  if (tracing) app.use(requestSpans(tracing));
  // While stopping: answer what arrives, but tell keep-alive clients to reconnect (elsewhere).
  app.use((_req, res, next) => {
    if (isDraining()) res.set('Connection', 'close');
    next();
  });

  app.use(healthRoutes({ temporal, db, isDraining }));
  const tokens = {
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE ?? TOKEN_DEFAULTS.audience,
    maxLifetimeSeconds: config.JWT_MAX_LIFETIME_SECONDS ?? TOKEN_DEFAULTS.maxLifetimeSeconds,
  };
  const namespace = config.TEMPORAL_NAMESPACE ?? 'default';
  if (codec) {
    app.use('/codec', codecRoutes({ codec, tokens, namespace, origins: codecOrigins(config) }));
  } else {
    app.use('/codec', () => {
      throw unavailable('codec_not_configured', 'payload encryption is not configured (PAYLOAD_CODEC_KEYS)');
    });
  }

  const registry: Operation[] = [];
  operationsOf.set(app, registry);
  const api = express.Router();
  // Before the JSON parser and the JWT check: verified by its signature over the raw body.
  api.use(resendWebhookRoutes({ db, registry, secret: config.RESEND_WEBHOOK_SECRET }));
  api.use(integrationWebhookRoutes({ temporal, db, registry, ats }));
  api.use(
    stripeWebhookRoutes({
      temporal,
      db,
      registry,
      secret: config.STRIPE_WEBHOOK_SECRET,
      taskQueue: taskQueues?.placements ?? TASK_QUEUES.placements,
    }),
  );
  api.use(utf8JsonOnly, express.json({ limit: '100kb', strict: true }), maxJsonDepth(64));
  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocumentOf(app));
  });
  const publicUrl = config.API_PUBLIC_URL ?? 'http://localhost:3000';
  const session: SessionSettings = {
    cookies: sessionCookies(publicUrl.startsWith('https:')),
    maxAgeSeconds: Math.round((config.SESSION_MAX_AGE_HOURS ?? SIGN_IN_DEFAULTS.SESSION_MAX_AGE_HOURS) * 3600),
    idleSeconds: Math.round((config.SESSION_IDLE_HOURS ?? SIGN_IN_DEFAULTS.SESSION_IDLE_HOURS) * 3600),
    publicOrigin: new URL(publicUrl).origin,
  };
  const limit = config.SIGN_IN_RATE_LIMIT ?? SIGN_IN_DEFAULTS.SIGN_IN_RATE_LIMIT;
  const rateLimit = {
    perEmail: limit,
    perIp: limit,
    windowSeconds: (config.SIGN_IN_RATE_WINDOW_MINUTES ?? SIGN_IN_DEFAULTS.SIGN_IN_RATE_WINDOW_MINUTES) * 60,
  };
  const email = resend && config.EMAIL_FROM ? { resend, from: config.EMAIL_FROM } : undefined;
  // Before authentication: signing in is how a caller gets a credential.
  api.use(
    signInRoutes({
      db,
      registry,
      settings: {
        session,
        publicUrl,
        magicLinkTtlSeconds: (config.MAGIC_LINK_TTL_MINUTES ?? SIGN_IN_DEFAULTS.MAGIC_LINK_TTL_MINUTES) * 60,
        rateLimit,
        email,
        // Never in production, whatever the environment says (lib/config.ts refuses it there too).
        devInboxUrl: config.NODE_ENV === 'production' ? undefined : config.DEV_SIGN_IN_INBOX_URL,
      },
    }),
  );
  api.use(authenticate({ tokens, db, sessions: session }));
  api.use(signOutRoutes({ db, registry, session }));
  api.use(apiKeyRoutes({ db, registry }));
  api.use(
    sessionRoutes({
      db,
      registry,
      temporalUi: config.TEMPORAL_UI_URL ? { url: config.TEMPORAL_UI_URL.replace(/\/+$/, ''), namespace } : undefined,
    }),
  );
  api.use(operatorSessionRoutes({ registry, tokens, secure: config.API_PUBLIC_URL?.startsWith('https:') ?? false }));
  api.use(idempotency(db));
  api.use(proposalRoutes({ temporal, db, registry, taskQueue: taskQueues?.proposals ?? TASK_QUEUES.proposals }));
  api.use(placementRoutes({ temporal, db, registry, taskQueue: taskQueues?.placements ?? TASK_QUEUES.placements }));
  api.use(candidateRoutes({ temporal, db, registry, taskQueue: taskQueues?.ownership ?? TASK_QUEUES.ownership }));
  // Before the directory's /candidates/:id, so /candidates/search is not read as an id.
  api.use(candidateProfileRoutes({ db, registry }));
  api.use(payoutRoutes({ temporal, db, registry }));
  api.use(payoutAccountRoutes({ db, registry, stripe, publicUrl }));
  api.use(directoryRoutes({ db, registry }));
  api.use(jobRoutes({ db, registry }));
  api.use(termsRoutes({ db, registry }));
  api.use(
    peopleRoutes({
      db,
      registry,
      settings: {
        publicUrl,
        invitationTtlSeconds: (config.INVITATION_TTL_HOURS ?? SIGN_IN_DEFAULTS.INVITATION_TTL_HOURS) * 3600,
        rateLimit,
        email,
      },
    }),
  );
  api.use(outreachRoutes({ temporal, db, registry, email }));
  api.use(marketplaceEventRoutes({ db, registry }));
  api.use(automationRoutes({ temporal, db, registry }));
  api.use(decisionRoutes({ db, registry }));
  api.use(integrationRoutes({ temporal, db, registry, taskQueue: taskQueues?.atsSync ?? TASK_QUEUES.atsSync, ats }));
  api.use(pipelineRoutes({ db, registry }));
  api.use(() => {
    throw notFound('route');
  });
  app.use('/api/v1', api);

  // The web UI (static single-page app) is served by the same process.
  if (existsSync(WEB_ROOT)) {
    app.get('/domain/:file', (req, res, next) => {
      const file = BROWSER_DOMAIN_MODULES.get(req.params.file);
      if (file) res.sendFile(file);
      else next();
    });
    app.use(express.static(WEB_ROOT, { index: 'index.html' }));
  }

  app.use(checkErrorStatus, errorHandler(logger));
  return app;
}
