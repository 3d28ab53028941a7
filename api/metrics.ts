import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { unauthorized } from './errors.js';

/** Requests no route matched (static files, 404s): one label value, never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';
const ROUTE_PATTERN = Symbol('metrics.route');

type Tracked = Request & { [ROUTE_PATTERN]?: string };

/**
 * The matched route as its pattern (`/api/v1/proposals/:id`). Express sets `req.route` when a route
 * matches, and restores `req.baseUrl` when a request leaves a mounted router (an error passed on to the
 * app's error handler), so the full pattern is taken at the moment the route is set.
 */
function trackRoute(req: Tracked): void {
  let route: unknown = (req as { route?: unknown }).route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (value && value.path !== undefined) {
        const path = typeof value.path === 'string' ? value.path : String(value.path);
        req[ROUTE_PATTERN] = `${req.baseUrl}${path}` || '/';
      }
    },
  });
}

/** The route pattern a request matched (after it was handled), or `unmatched`. */
export function routePattern(req: Request): string {
  return (req as Tracked)[ROUTE_PATTERN] ?? UNMATCHED_ROUTE;
}

export interface HttpMetrics {
  registry: Registry;
  /** Counts and times every request after it (mount it before the routes). */
  middleware: RequestHandler;
  /** `GET /metrics`: open without a token; with one, only `Authorization: Bearer <token>`. */
  handler: RequestHandler;
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Request rate, latency and errors of one app, plus the process's default metrics, in a registry of its own. */
export function createHttpMetrics({ token }: { token?: string } = {}): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const total = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests, by method, route pattern and status',
    labelNames,
    registers: [registry],
  });

  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    trackRoute(req);
    res.once('close', () => {
      const labels = { method: req.method, route: routePattern(req), status: String(res.statusCode) };
      total.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

  const handler: RequestHandler = async (req, res) => {
    if (token) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
      if (!given || !sameSecret(given, token)) {
        res.set('WWW-Authenticate', 'Bearer realm="metrics"');
        throw unauthorized('a valid metrics token is required');
      }
    }
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };

  return { registry, middleware, handler };
}
