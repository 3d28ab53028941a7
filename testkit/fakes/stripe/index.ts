// A fake of the slice of Stripe's v1 API the product uses, spoken over HTTP so the real `stripe`
// SDK can be pointed at it: Connect accounts and onboarding, transfers and reversals (connect.ts);
// customers, payment intents, charges, refunds (payments.ts); invoices and credit notes
// (billing.ts); events and signed webhooks (webhooks.ts). Wire details follow docs.stripe.com:
// form-encoded bodies with bracket notation, the `{ error: { type, code, message, param } }` error
// shape, Request-Id on every response, and Idempotency-Key semantics
// (https://docs.stripe.com/idempotency). Paths under /_fake/ are controls for tests and dev
// clicking (what a Dashboard, a bank or a customer would do); they need no API key.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { apiKeyOf, canonicalJson, FailureQueue, listen, readBody, sendJson, type FailureMatch } from '../http.js';
import { billingRoutes } from './billing.js';
import { connectRoutes, newAccount } from './connect.js';
import { paymentRoutes } from './payments.js';
import { clearState, type State } from './state.js';
import { mask, ParamError, parseForm, randomId, stripeError, type Params, type Req, type Result, type Route } from './wire.js';
import { Webhooks, type FakeEvent, type WebhookDelivery, type WebhookEndpoint } from './webhooks.js';

export { signatureHeader, type FakeEvent, type WebhookDelivery, type WebhookEndpoint } from './webhooks.js';

export interface StripeFailure extends FailureMatch {
  status: number;
  type: string;
  code?: string;
  message?: string;
  headers?: Record<string, string>;
  /**
   * Fail after the endpoint has run (its objects exist). Stripe saves the outcome of a request
   * whose execution began under its Idempotency-Key, 500s included, so retries with that key
   * replay this failure. Without it the failure happens before execution (think load balancer)
   * and nothing is saved, so a retry with the same key executes afresh.
   */
  afterCommit?: boolean;
}

export interface FakeStripe {
  url: string;
  host: string;
  port: number;
  /** Requests received, keyed by `METHOD /path`, e.g. `POST /v1/transfers`. */
  requests: Record<string, number>;
  /** A real SDK client for this server; `config` overrides the defaults (e.g. maxNetworkRetries). */
  client(config?: Stripe.StripeConfig): Stripe;
  transfers(): Stripe.Transfer[];
  accounts(): Stripe.Account[];
  /** A connected account; `payoutsEnabled: false` gives one that has not finished onboarding. */
  createAccount(opts?: { payoutsEnabled?: boolean }): Stripe.Account;
  /** Where signed events go (`null`: nowhere); the secret defaults to a fresh `whsec_…`. */
  setWebhookEndpoint(url: string | null, secret?: string): WebhookEndpoint | null;
  /** Every event so far, oldest first. */
  events(): FakeEvent[];
  /** Every webhook delivery attempt so far, in the order answered. */
  deliveries(): WebhookDelivery[];
  /** Queue deliveries until `releaseWebhooks` (to deliver them late or out of order). */
  holdWebhooks(): void;
  releaseWebhooks(order?: 'sent' | 'reverse'): void;
  /** Deliver a stored event again (a duplicate, as Stripe may send). */
  redeliver(eventId: string): boolean;
  /** Resolves when every delivery sent so far has been answered. */
  webhooksSettled(): Promise<void>;
  injectFailure(failure: StripeFailure): void;
  /**
   * When on, finalizing an invoice pays it at once with a working card, through the same path as
   * `POST /_fake/invoices/:id/pay` (same events): a company that pays the moment the invoice arrives.
   */
  autoPayInvoices(on: boolean): void;
  /** Delays every response by `ms` (a slower network, so drills can interrupt work in flight). */
  setLatency(ms: number): void;
  /** Forgets every object, event, saved idempotent result and injected failure; keeps the webhook endpoint. */
  reset(): void;
  close(): Promise<void>;
}

interface Saved extends Result {
  endpoint: string;
  params: string;
  requestId: string;
}

export async function startFakeStripe(
  opts: { port?: number; webhook?: { url: string; secret?: string }; autoPayInvoices?: boolean } = {},
): Promise<FakeStripe> {
  const state: State = {
    url: '',
    accounts: new Map(),
    transfers: new Map(),
    customers: new Map(),
    charges: new Map(),
    paymentIntents: new Map(),
    refunds: new Map(),
    invoices: new Map(),
    invoiceItems: new Map(),
    invoicePayments: new Map(),
    creditNotes: new Map(),
    disputes: new Map(),
    autoPayInvoices: opts.autoPayInvoices ?? false,
    // Events carry the API version the installed SDK pins, as an endpoint created for it would.
    webhooks: new Webhooks(Stripe.API_VERSION),
  };
  const saved = new Map<string, Saved>();
  const failures = new FailureQueue<StripeFailure>();
  const requests: Record<string, number> = {};
  const routes: Route[] = [...connectRoutes(state), ...paymentRoutes(state), ...billingRoutes(state), ...state.webhooks.routes()];

  function route(method: string, path: string, params: Params, req: Req): Result {
    for (const [m, pattern, run] of routes) {
      const match = m === method ? pattern.exec(path) : null;
      if (match) {
        const result = run(match[1] ?? '', params, req);
        // Snapshot the body: later calls mutate stored objects, but an idempotent
        // replay must return exactly what the first response said.
        return { ...result, body: structuredClone(result.body) };
      }
    }
    return stripeError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );
  }

  function failureResult(f: StripeFailure): Result {
    const result = stripeError(f.status, f.type, f.message ?? `Injected ${f.status} ${f.type}`, f.code ? { code: f.code } : {});
    return { ...result, headers: f.headers };
  }

  function send(res: ServerResponse, r: Result, headers: Record<string, string>): void {
    if (typeof r.body !== 'string') return sendJson(res, r.status, r.body, { ...r.headers, ...headers });
    // A control page (HTML) or a redirect back to the caller's return URL.
    res.writeHead(r.status, { ...r.headers, ...headers, 'Content-Length': Buffer.byteLength(r.body) });
    res.end(r.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const requestId = randomId('req', 14);
    const version = req.headers['stripe-version'];
    const control = path.startsWith('/_fake/');
    // The web app's demo buttons call the control endpoints straight from the browser.
    const cors: Record<string, string> = control ? { 'Access-Control-Allow-Origin': '*' } : {};
    const reply = (r: Result, extra: Record<string, string> = {}): void =>
      send(res, r, { ...cors, ...extra, 'Request-Id': requestId, ...(typeof version === 'string' && { 'Stripe-Version': version }) });
    const body = await readBody(req);
    requests[`${method} ${path}`] = (requests[`${method} ${path}`] ?? 0) + 1;
    if (control && method === 'OPTIONS') {
      return reply({
        status: 204,
        body: '',
        headers: { 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Content-Type' },
      });
    }
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));

    const early = failures.take(method, path, (f) => !f.afterCommit);
    if (early) return reply(failureResult(early));

    // Control forms (the onboarding page's button) carry their return URL in the query string.
    const query = url.search.slice(1);
    const params = parseForm(method !== 'POST' ? query : control && query ? `${query}&${body}` : body);
    const apiKey = apiKeyOf(req);
    if (!control && !apiKey) {
      return reply(
        stripeError(
          401,
          'invalid_request_error',
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        ),
      );
    }
    if (!control && !/^sk_test_\w+$/.test(apiKey ?? '')) {
      return reply(stripeError(401, 'invalid_request_error', `Invalid API Key provided: ${mask(apiKey ?? '')}`));
    }

    const endpoint = `${method} ${path}`;
    // Stripe ignores the key on GET/DELETE; it scopes keys to the account they were sent for.
    const idemKey = method === 'POST' && !control ? req.headers['idempotency-key'] : undefined;
    const scope = typeof idemKey === 'string' ? `${apiKey}|${req.headers['stripe-account'] ?? ''}|${idemKey}` : undefined;
    const echo: Record<string, string> = scope ? { 'Idempotency-Key': idemKey as string } : {};

    const previous = scope ? saved.get(scope) : undefined;
    if (previous) {
      if (previous.endpoint !== endpoint) {
        return reply(
          stripeError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${previous.endpoint}' vs '${endpoint}'). Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          ),
        );
      }
      if (previous.params !== canonicalJson(params)) {
        return reply(
          stripeError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          ),
        );
      }
      return reply(previous, { ...echo, 'Idempotent-Replayed': 'true', 'Original-Request': previous.requestId });
    }

    let result: Result;
    try {
      // Control calls act as the Dashboard would: their events name no API request.
      const context: Req = control
        ? { apiKey: '', requestId: null, idempotencyKey: null }
        : { apiKey: apiKey as string, requestId, idempotencyKey: (idemKey as string | undefined) ?? null };
      result = route(method, path, params, context);
    } catch (err) {
      if (!(err instanceof ParamError)) throw err;
      return reply(stripeError(400, 'invalid_request_error', err.message, { code: err.code, param: err.param }), echo);
    }
    const late = failures.take(method, path, (f) => f.afterCommit === true);
    if (late) result = failureResult(late);
    if (scope) saved.set(scope, { ...result, endpoint, params: canonicalJson(params), requestId });
    reply(result, echo);
  }

  let latencyMs = 0;
  const server = await listen(handle, opts.port);
  state.url = server.url;
  if (opts.webhook) state.webhooks.configure({ url: opts.webhook.url, secret: opts.webhook.secret ?? randomId('whsec') });
  return {
    ...server,
    requests,
    client: (config = {}) =>
      new Stripe('sk_test_fake', { host: server.host, port: server.port, protocol: 'http', maxNetworkRetries: 0, ...config }),
    transfers: () => structuredClone([...state.transfers.values()]),
    accounts: () => structuredClone([...state.accounts.values()]) as Stripe.Account[],
    createAccount: ({ payoutsEnabled = true } = {}) => structuredClone(newAccount(state, payoutsEnabled)) as Stripe.Account,
    setWebhookEndpoint: (url, secret = randomId('whsec')) => {
      const endpoint = url ? { url, secret } : null;
      state.webhooks.configure(endpoint);
      return endpoint;
    },
    events: () => structuredClone([...state.webhooks.events.values()]),
    deliveries: () => structuredClone(state.webhooks.deliveries),
    holdWebhooks: () => state.webhooks.hold(),
    releaseWebhooks: (order) => state.webhooks.release(order),
    redeliver: (id) => state.webhooks.redeliver(id),
    webhooksSettled: () => state.webhooks.settled(),
    injectFailure: (failure) => failures.add(failure),
    autoPayInvoices: (on) => {
      state.autoPayInvoices = on;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    reset: () => {
      latencyMs = 0;
      clearState(state);
      saved.clear();
      failures.clear();
      for (const key of Object.keys(requests)) delete requests[key];
    },
  };
}
