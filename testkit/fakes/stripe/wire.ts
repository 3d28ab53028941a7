// Wire plumbing shared by the fake Stripe's modules: ids, form parsing, parameter readers and
// the `{ error: { type, code, message, param, doc_url } }` shape (https://docs.stripe.com/api/errors).
import { randomBytes } from 'node:crypto';
import { canonicalJson } from '../http.js';

export type Params = { [key: string]: string | Params };

export interface Result {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What a route knows about the request that reached it (events name it in `request`). */
export interface Req {
  apiKey: string;
  /** Null for /_fake/ control calls, which stand for something a person did, not an API request. */
  requestId: string | null;
  idempotencyKey: string | null;
}

/** `[method, path pattern, handler]`; the handler gets the pattern's first capture group as `id`. */
export type Route = [method: string, pattern: RegExp, run: (id: string, p: Params, req: Req) => Result];

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const randomId = (prefix: string, length = 24): string =>
  `${prefix}_${[...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('')}`;
export const now = (): number => Math.floor(Date.now() / 1000);
export const ok = (body: unknown): Result => ({ status: 200, body });

export function stripeError(
  status: number,
  type: string,
  message: string,
  extra: { code?: string; param?: string; decline_code?: string; [more: string]: unknown } = {},
): Result {
  const docUrl = extra.code && { doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` };
  return { status, body: { error: { type, message, ...extra, ...docUrl } } };
}

export const invalid = (message: string, extra: { code?: string; param?: string } = {}): Result =>
  stripeError(400, 'invalid_request_error', message, extra);

export const noSuch = (kind: string, id: string, param = 'id'): Result =>
  stripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param });

/**
 * A request rejected while its parameters are checked, before the endpoint executes:
 * Stripe saves no idempotent result for it, so a corrected retry may reuse the key.
 */
export class ParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Stripe's form encoding (`metadata[k]=v`, `expand[0]=x`) into nested objects. */
export function parseForm(encoded: string): Params {
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

export function optString(p: Params, name: string): string | undefined {
  const value = p[name];
  if (typeof value === 'object') throw new ParamError(`Invalid string: ${canonicalJson(value)}`, name, 'parameter_invalid_string');
  return value;
}

export function reqString(p: Params, name: string): string {
  const value = optString(p, name);
  if (!value) throw new ParamError(`Missing required param: ${name}.`, name, 'parameter_missing');
  return value;
}

export function optEnum<T extends string>(p: Params, name: string, allowed: readonly T[]): T | undefined {
  const value = optString(p, name);
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
  throw new ParamError(`Invalid ${name}: must be one of ${allowed.join(', ')}`, name, 'parameter_invalid_string');
}

/** A non-negative integer; `min` 1 for amounts, as Stripe refuses a zero transfer or refund. */
export function optInt(p: Params, name: string, min = 1): number | undefined {
  const value = optString(p, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new ParamError(`Invalid integer: ${value}`, name, 'parameter_invalid_integer');
  const n = Number(value);
  if (n < min) throw new ParamError(`This value must be greater than or equal to ${min}.`, name, 'parameter_invalid_integer');
  return n;
}

export function reqInt(p: Params, name: string, min = 1): number {
  const n = optInt(p, name, min);
  if (n === undefined) throw new ParamError(`Missing required param: ${name}.`, name, 'parameter_missing');
  return n;
}

export function optBool(p: Params, name: string): boolean | undefined {
  const value = optString(p, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new ParamError(`Invalid boolean: ${value}`, name, 'parameter_invalid_boolean');
  return value === 'true';
}

export function optObject(p: Params, name: string): Params | undefined {
  const value = p[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') throw new ParamError(`Invalid object`, name, 'parameter_invalid_string');
  return value;
}

export function metadataOf(p: Params): Record<string, string> {
  const m = p.metadata;
  if (m === undefined || m === '') return {};
  if (typeof m === 'string' || Object.values(m).some((v) => typeof v !== 'string')) {
    throw new ParamError('Invalid metadata: must be a hash of string keys and values.', 'metadata', 'parameter_invalid_string');
  }
  return m as Record<string, string>;
}

/** Newest first, `limit` (default 10) and `starting_after`, as every Stripe list endpoint pages. */
export function list<T extends { id: string }>(items: T[], p: Params, url: string): Result {
  const limit = optInt(p, 'limit') ?? 10;
  const after = optString(p, 'starting_after');
  const newestFirst = [...items].reverse();
  const page = after ? newestFirst.slice(newestFirst.findIndex((i) => i.id === after) + 1) : newestFirst;
  return ok({ object: 'list', data: page.slice(0, limit), has_more: page.length > limit, url });
}

/** A list endpoint over `map`: each named query parameter, when given, must equal the object's field of that name. */
export const lister =
  <T extends { id: string }>(map: Map<string, T>, url: string, filters: readonly (keyof T & string)[] = []) =>
  (_id: string, p: Params): Result => {
    const wanted = filters.map((f) => [f, optString(p, f)] as const).filter(([, v]) => v !== undefined);
    return list(
      [...map.values()].filter((item) => wanted.every(([f, v]) => item[f] === v)),
      p,
      url,
    );
  };

/** A retrieve endpoint: the stored object, or Stripe's `resource_missing` 404. */
export const getter =
  <T>(map: Map<string, T>, kind: string) =>
  (id: string): Result => {
    const found = map.get(id);
    return found ? ok(found) : noSuch(kind, id);
  };

/** Stripe's in-object list shape (e.g. `transfer.reversals`, `invoice.lines`). */
export const emptyList = <T>(url: string): { object: 'list'; data: T[]; has_more: false; url: string } => ({
  object: 'list',
  data: [],
  has_more: false,
  url,
});

/** How Stripe echoes a key in errors: `sk_test_****1234`. */
export function mask(key: string): string {
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(key.length - prefix.length - 4, 0))}${key.slice(-4)}`;
}
