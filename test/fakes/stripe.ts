// A fake of the slice of Stripe's v1 API the product uses (Connect accounts, transfers,
// transfer reversals), spoken over HTTP so the real `stripe` SDK can be pointed at it.
// Wire details follow docs.stripe.com: form-encoded bodies with bracket notation, the
// `{ error: { type, code, message, param } }` error shape, Request-Id on every response,
// and Idempotency-Key semantics (https://docs.stripe.com/idempotency).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { apiKeyOf, canonicalJson, FailureQueue, listen, readBody, sendJson, type FailureMatch } from './http.js';

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
  injectFailure(failure: StripeFailure): void;
  /** Delays every response by `ms` (a slower network, so drills can interrupt work in flight). */
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

type Params = { [key: string]: string | Params };
interface Result {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
interface Saved extends Result {
  endpoint: string;
  params: string;
  requestId: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomId = (prefix: string, length = 24): string =>
  `${prefix}_${[...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('')}`;
const now = (): number => Math.floor(Date.now() / 1000);

function stripeError(
  status: number,
  type: string,
  message: string,
  extra: { code?: string; param?: string } = {},
): Result {
  const docUrl = extra.code && { doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` };
  return { status, body: { error: { type, message, ...extra, ...docUrl } } };
}

/**
 * A request rejected while its parameters are checked, before the endpoint executes:
 * Stripe saves no idempotent result for it, so a corrected retry may reuse the key.
 */
class ParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Stripe's form encoding (`metadata[k]=v`, `expand[0]=x`) into nested objects. */
function parseForm(encoded: string): Params {
  const out: Params = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const path = key.split('[').map((segment) => segment.replace(/\]$/, ''));
    const last = path.pop() as string;
    let node = out;
    for (const segment of path) {
      const child = node[segment];
      node = typeof child === 'object' ? child : (node[segment] = {});
    }
    node[last] = value;
  }
  return out;
}

function optString(p: Params, name: string): string | undefined {
  const value = p[name];
  if (typeof value === 'object') throw new ParamError(`Invalid string: ${canonicalJson(value)}`, name, 'parameter_invalid_string');
  return value;
}

function reqString(p: Params, name: string): string {
  const value = optString(p, name);
  if (!value) throw new ParamError(`Missing required param: ${name}.`, name, 'parameter_missing');
  return value;
}

function optInt(p: Params, name: string): number | undefined {
  const value = optString(p, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new ParamError(`Invalid integer: ${value}`, name, 'parameter_invalid_integer');
  const n = Number(value);
  if (n < 1) throw new ParamError('This value must be greater than or equal to 1.', name, 'parameter_invalid_integer');
  return n;
}

function metadataOf(p: Params): Record<string, string> {
  const m = p.metadata;
  if (m === undefined || m === '') return {};
  if (typeof m === 'string' || Object.values(m).some((v) => typeof v !== 'string')) {
    throw new ParamError('Invalid metadata: must be a hash of string keys and values.', 'metadata', 'parameter_invalid_string');
  }
  return m as Record<string, string>;
}

export async function startFakeStripe(opts: { port?: number } = {}): Promise<FakeStripe> {
  const accounts = new Map<string, Stripe.Account>();
  const transfers = new Map<string, Stripe.Transfer>();
  const saved = new Map<string, Saved>();
  const failures = new FailureQueue<StripeFailure>();
  const requests: Record<string, number> = {};

  function newAccount(payoutsEnabled: boolean, p: Params = {}): Stripe.Account {
    const account: Stripe.Account = {
      id: randomId('acct', 16),
      object: 'account',
      type: (optString(p, 'type') ?? 'express') as Stripe.Account.Type,
      business_type: null,
      // Real Stripe refuses transfers on the capability; an account that has not finished
      // onboarding has it inactive and payouts disabled together, which is what this models.
      capabilities: { transfers: payoutsEnabled ? 'active' : 'inactive' },
      charges_enabled: payoutsEnabled,
      payouts_enabled: payoutsEnabled,
      details_submitted: payoutsEnabled,
      country: optString(p, 'country') ?? 'US',
      default_currency: 'usd',
      email: optString(p, 'email') ?? null,
      created: now(),
      metadata: metadataOf(p),
    };
    accounts.set(account.id, account);
    return account;
  }

  const noSuch = (kind: string, id: string): Result =>
    stripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param: 'id' });

  function getAccount(id: string, apiKey: string): Result {
    const account = accounts.get(id);
    if (account) return { status: 200, body: account };
    return stripeError(
      403,
      'invalid_request_error',
      `The provided key '${mask(apiKey)}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
      { code: 'account_invalid' },
    );
  }

  function list<T extends { id: string }>(items: T[], p: Params, url: string): Result {
    const limit = optInt(p, 'limit') ?? 10;
    const after = optString(p, 'starting_after');
    const newestFirst = [...items].reverse();
    const page = after ? newestFirst.slice(newestFirst.findIndex((i) => i.id === after) + 1) : newestFirst;
    return { status: 200, body: { object: 'list', data: page.slice(0, limit), has_more: page.length > limit, url } };
  }

  function createTransfer(p: Params): Result {
    const amount = optInt(p, 'amount');
    if (amount === undefined) throw new ParamError('Missing required param: amount.', 'amount', 'parameter_missing');
    const currency = reqString(p, 'currency').toLowerCase();
    const destination = reqString(p, 'destination');
    const description = optString(p, 'description') ?? null;
    const transferGroup = optString(p, 'transfer_group') ?? null;
    const metadata = metadataOf(p);

    const account = accounts.get(destination);
    if (!account) {
      return stripeError(400, 'invalid_request_error', `No such destination: '${destination}'`, {
        code: 'resource_missing',
        param: 'destination',
      });
    }
    if (account.capabilities?.transfers !== 'active') {
      return stripeError(
        400,
        'invalid_request_error',
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        { code: 'insufficient_capabilities_for_transfer', param: 'destination' },
      );
    }
    const id = randomId('tr');
    const transfer: Stripe.Transfer = {
      id,
      object: 'transfer',
      amount,
      amount_reversed: 0,
      balance_transaction: randomId('txn'),
      created: now(),
      currency,
      description,
      destination,
      destination_payment: randomId('py'),
      livemode: false,
      metadata,
      reversals: { object: 'list', data: [], has_more: false, url: `/v1/transfers/${id}/reversals` },
      reversed: false,
      source_transaction: null,
      source_type: 'card',
      transfer_group: transferGroup,
    };
    transfers.set(id, transfer);
    return { status: 200, body: transfer };
  }

  function createReversal(transferId: string, p: Params): Result {
    const requested = optInt(p, 'amount');
    const metadata = metadataOf(p);
    const transfer = transfers.get(transferId);
    if (!transfer) return noSuch('transfer', transferId);
    const remaining = transfer.amount - transfer.amount_reversed;
    const amount = requested ?? remaining;
    if (remaining === 0 || amount > remaining) {
      return stripeError(
        400,
        'invalid_request_error',
        `Transfer reversal amount (${amount}) is greater than the unreversed amount on transfer ${transferId} (${remaining}).`,
        { param: 'amount' },
      );
    }
    const reversal: Stripe.TransferReversal = {
      id: randomId('trr'),
      object: 'transfer_reversal',
      amount,
      balance_transaction: randomId('txn'),
      created: now(),
      currency: transfer.currency,
      destination_payment_refund: randomId('pyr'),
      metadata,
      source_refund: null,
      transfer: transfer.id,
    };
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    transfer.reversals.data.unshift(reversal);
    return { status: 200, body: reversal };
  }

  // `id` is the pattern's capture group, if it has one.
  const routes: [method: string, pattern: RegExp, run: (id: string, p: Params, apiKey: string) => Result][] = [
    ['POST', /^\/v1\/accounts$/, (_id, p) => ({ status: 200, body: newAccount(true, p) })],
    ['GET', /^\/v1\/accounts$/, (_id, p) => list([...accounts.values()], p, '/v1/accounts')],
    ['GET', /^\/v1\/accounts\/([^/]+)$/, (id, _p, key) => getAccount(id, key)],
    ['POST', /^\/v1\/transfers$/, (_id, p) => createTransfer(p)],
    [
      'GET',
      /^\/v1\/transfers$/,
      (_id, p) => {
        const group = optString(p, 'transfer_group');
        const destination = optString(p, 'destination');
        const matching = [...transfers.values()].filter(
          (t) => (!group || t.transfer_group === group) && (!destination || t.destination === destination),
        );
        return list(matching, p, '/v1/transfers');
      },
    ],
    ['GET', /^\/v1\/transfers\/([^/]+)$/, (id) => {
      const transfer = transfers.get(id);
      return transfer ? { status: 200, body: transfer } : noSuch('transfer', id);
    }],
    ['POST', /^\/v1\/transfers\/([^/]+)\/reversals$/, (id, p) => createReversal(id, p)],
  ];

  function route(method: string, path: string, params: Params, apiKey: string): Result {
    for (const [m, pattern, run] of routes) {
      const match = m === method ? pattern.exec(path) : null;
      if (match) {
        const result = run(match[1] ?? '', params, apiKey);
        // Snapshot the body: later reversals mutate the stored transfer, but an idempotent
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const requestId = randomId('req', 14);
    const version = req.headers['stripe-version'];
    const reply = (r: Result, extra: Record<string, string> = {}): void =>
      sendJson(res, r.status, r.body, {
        ...r.headers,
        ...extra,
        'Request-Id': requestId,
        ...(typeof version === 'string' && { 'Stripe-Version': version }),
      });
    const body = await readBody(req);
    requests[`${method} ${path}`] = (requests[`${method} ${path}`] ?? 0) + 1;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));

    const early = failures.take(method, path, (f) => !f.afterCommit);
    if (early) return reply(failureResult(early));

    const apiKey = apiKeyOf(req);
    if (!apiKey) {
      return reply(
        stripeError(
          401,
          'invalid_request_error',
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        ),
      );
    }
    if (!/^sk_test_\w+$/.test(apiKey)) {
      return reply(stripeError(401, 'invalid_request_error', `Invalid API Key provided: ${mask(apiKey)}`));
    }

    const params = parseForm(method === 'POST' ? body : url.search.slice(1));
    const endpoint = `${method} ${path}`;
    // Stripe ignores the key on GET/DELETE; it scopes keys to the account they were sent for.
    const idemKey = method === 'POST' ? req.headers['idempotency-key'] : undefined;
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
      result = route(method, path, params, apiKey);
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
  return {
    ...server,
    requests,
    client: (config = {}) =>
      new Stripe('sk_test_fake', { host: server.host, port: server.port, protocol: 'http', maxNetworkRetries: 0, ...config }),
    transfers: () => structuredClone([...transfers.values()]),
    accounts: () => structuredClone([...accounts.values()]),
    createAccount: ({ payoutsEnabled = true } = {}) => structuredClone(newAccount(payoutsEnabled)),
    injectFailure: (failure) => failures.add(failure),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    reset: () => {
      latencyMs = 0;
      accounts.clear();
      transfers.clear();
      saved.clear();
      failures.clear();
      for (const key of Object.keys(requests)) delete requests[key];
    },
  };
}

/** How Stripe echoes a key in errors: `sk_test_****1234`. */
function mask(key: string): string {
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(key.length - prefix.length - 4, 0))}${key.slice(-4)}`;
}
