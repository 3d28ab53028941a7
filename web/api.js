/**
 * REST client for /api/v1: the session cookie (or a pasted bearer token), JSON, the
 * `{ error: { code, message, details } }` shape.
 * Typed per operation from the generated OpenAPI types (web/api-types.d.ts, see web/api-client.d.ts).
 * @import { ApiPath, Body, Item, ListPath, Method, Ok, PathParams, Query } from './api-client'
 */

const BASE = '/api/v1';
const TOKEN_KEY = 'splits.token';
const MAX_PAGE = 100;

export const tokenStore = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (/** @type {string} */ token) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

/**
 * The session's CSRF token: the API sets it in a readable cookie at sign-in (`__Host-csrf` over
 * HTTPS, `splits_csrf` over http) and refuses cookie-authenticated writes that do not echo it.
 */
export function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === '__Host-csrf' || name === 'splits_csrf') return decodeURIComponent(value.join('='));
  }
  return null;
}

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code
   * @param {string} message
   * @param {unknown} [details]
   */
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * A caught value as an error the views can read: ApiErrors and other errors as they are
 * (an abort stays an AbortError), anything else wrapped.
 * @param {unknown} err
 * @returns {Error & { status?: number, code?: string, details?: unknown }}
 */
export const asError = (err) => (err instanceof Error ? err : new Error(String(err)));

export const isAbort = (/** @type {unknown} */ err) => err instanceof Error && err.name === 'AbortError';

/** @type {(err: ApiError) => void} */
let unauthorizedHandler = () => {};

/**
 * Called when the stored token is refused (expired or revoked).
 * @param {(err: ApiError) => void} handler
 */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** A UUID for `Idempotency-Key`; `crypto.randomUUID` needs a secure context, so fall back outside one. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `/proposals/{id}` with `{ id }` → `/api/v1/proposals/<id>?<query>`.
 * @param {string} path
 * @param {Record<string, unknown>} [params]
 * @param {Record<string, unknown>} [query]
 */
function urlFor(path, params = {}, query = {}) {
  const filled = path.replace(/\{(\w+)\}/g, (_, name) => {
    const value = params[name];
    if (value === undefined || value === null || value === '') throw new Error(`${path}: missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const qs = search.toString();
  return `${BASE}${filled}${qs ? `?${qs}` : ''}`;
}

/** @param {Response} res @returns {Promise<any>} the body as the operation declares it (typed by `request`) */
async function readJson(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * @template {ApiPath} P
 * @template {Method<P>} M
 * @typedef {object} RequestOptions
 * @property {M} [method] lower-case, as in the OpenAPI document; GET when unset
 * @property {PathParams<P, M>} [params] fills the path's `{name}` segments
 * @property {Query<P, M>} [query]
 * @property {Body<P, M>} [body]
 * @property {AbortSignal} [signal]
 * @property {string} [idempotencyKey]
 * @property {string | null} [token] overrides the stored token
 */

/**
 * How a call proves who is calling: a bearer token when one is stored (or given), else the
 * session cookie — whose writes must echo the CSRF token. Also for the calls that cannot go
 * through `request` (file uploads and downloads).
 * @param {string} verb the HTTP method, upper case
 * @param {string | null} [bearer] defaults to the stored token
 * @returns {Record<string, string>}
 */
export function authHeaders(verb, bearer = tokenStore.get()) {
  if (bearer) return { Authorization: `Bearer ${bearer}` };
  const csrf = verb !== 'GET' ? csrfToken() : null;
  return csrf ? { 'X-CSRF-Token': csrf } : {};
}

/**
 * One API call. Resolves with the JSON body, rejects with an ApiError (status 0 when the
 * server cannot be reached). `token` overrides the stored one, e.g. to check a pasted token.
 * @template {ApiPath} P
 * @template {Method<P>} [M=Method<P> & 'get']
 * @param {P} path the OpenAPI path under /api/v1, e.g. `/proposals/{id}`
 * @param {RequestOptions<P, M>} [options]
 * @returns {Promise<Ok<P, M>>}
 */
export async function request(path, { method, params, query, body, signal, idempotencyKey, token } = {}) {
  const usesStoredToken = token === undefined;
  const verb = (method ?? 'get').toUpperCase();
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...authHeaders(verb, usesStoredToken ? tokenStore.get() : token) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;

  let res;
  try {
    res = await fetch(urlFor(path, params, query), {
      method: verb,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  const payload = await readJson(res);
  if (res.ok) return payload;

  /** @type {{ code?: string, message?: string, details?: unknown }} */
  const error = payload?.error ?? {};
  const apiError = new ApiError(
    res.status,
    error.code ?? 'http_error',
    error.message ?? `Request failed (HTTP ${res.status}).`,
    error.details,
  );
  if (res.status === 401 && usesStoredToken) unauthorizedHandler(apiError);
  throw apiError;
}

/**
 * Follows `nextCursor`, from `cursor` (the first page when absent), until `count` items are loaded or the list ends.
 * @template {ListPath} P
 * @param {P} path
 * @param {{ params?: PathParams<P, 'get'>, query?: Query<P, 'get'>, cursor?: string, count?: number, signal?: AbortSignal }} [options]
 * @returns {Promise<{ items: Item<P>[], nextCursor: string | null }>}
 */
export async function fetchItems(path, { params, query, cursor: from, count = Infinity, signal } = {}) {
  /** @type {Item<P>[]} */
  const items = [];
  let cursor = from;
  do {
    const limit = Math.min(count - items.length, MAX_PAGE);
    const page = /** @type {{ data: Item<P>[], nextCursor?: string | null }} */ (
      /** @type {unknown} */ (await request(/** @type {ListPath} */ (path), { params, query: { ...query, limit, cursor }, signal }))
    );
    items.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < count);
  return { items, nextCursor: cursor ?? null };
}

/** @typedef {AbortSignal | undefined} Signal */
/** @typedef {'retry' | 'change-account' | 'cancel'} SplitAction */
/** @typedef {'sync' | 'pause' | 'resume' | 'test'} IntegrationCommand */
/** @typedef {'payment/mark-paid' | 'payment/extend' | 'payment/void' | 'refund/retry' | 'refund/cancel'} PaymentCommand */
const post = /** @type {const} */ ('post');

export const api = {
  me: (/** @type {string | undefined} */ token) => request('/me', { token }),
  /** E-mails a sign-in link (the same answer whether or not the address has an account). */
  requestMagicLink: (/** @type {string} */ email) => request('/auth/magic-link', { method: post, body: { email }, token: null }),
  /** Uses a sign-in link's token: the API sets the session cookie. */
  verifyMagicLink: (/** @type {string} */ token) => request('/auth/verify', { method: post, body: { token }, token: null }),
  authOptions: (/** @type {Signal} */ signal) => request('/auth/options', { signal, token: null }),
  signOut: () => request('/auth/sign-out', { method: post }),
  signOutEverywhere: () => request('/auth/sign-out-everywhere', { method: post }),
  listApiKeys: (/** @type {Signal} */ signal) => request('/me/api-keys', { signal }),
  createApiKey: (/** @type {string} */ name) => request('/me/api-keys', { method: post, body: { name } }),
  revokeApiKey: (/** @type {string} */ id) => request('/me/api-keys/{id}', { method: 'delete', params: { id } }),
  myPayoutAccount: (/** @type {Signal} */ signal) => request('/me/payout-account', { signal }),
  /** Creates the recruiter's Stripe account once; answers a fresh onboarding link. */
  connectPayoutAccount: () => request('/me/payout-account', { method: post }),
  recruiterPayoutAccount: (/** @type {string} */ id, /** @type {Signal} */ signal) =>
    request('/recruiters/{id}/payout-account', { params: { id }, signal }),
  acceptedProposals: (/** @type {Signal} */ signal) => fetchItems('/proposals', { query: { state: 'accepted' }, count: 50, signal }),
  getProposal: (/** @type {string} */ id, /** @type {Signal} */ signal) => request('/proposals/{id}', { params: { id }, signal }),
  createProposal: (/** @type {Body<'/proposals', 'post'>} */ body, /** @type {string} */ idempotencyKey) =>
    request('/proposals', { method: post, body, idempotencyKey }),
  /**
   * A proposal command; `reason` only when given (the API rejects an empty one).
   * @param {string} id
   * @param {'review' | 'accept' | 'decline' | 'withdraw'} command
   * @param {string} [reason]
   */
  command: (id, command, reason) =>
    request(`/proposals/{id}/${command}`, {
      method: post,
      params: { id },
      body: reason ? { reason } : {},
      idempotencyKey: newIdempotencyKey(),
    }),
  /**
   * Approves or rejects an automation waiting for a person; `comment` only when given.
   * @param {string} id
   * @param {'approve' | 'reject'} verb
   * @param {string} [comment]
   */
  decideApproval: (id, verb, comment) =>
    request(`/approvals/{id}/${verb}`, {
      method: post,
      params: { id },
      body: comment ? { comment } : {},
      idempotencyKey: newIdempotencyKey(),
    }),
  /**
   * Acts on a blocked split (platform admins).
   * @param {string} id the payout
   * @param {string} splitId
   * @param {SplitAction} action
   * @param {Body<`/payouts/{id}/splits/{splitId}/${SplitAction}`, 'post'>} body
   */
  splitAction: (id, splitId, action, body) =>
    request(`/payouts/{id}/splits/{splitId}/${action}`, {
      method: post,
      params: { id, splitId },
      body,
      idempotencyKey: newIdempotencyKey(),
    }),
  listIntegrations: (/** @type {Signal} */ signal) => request('/integrations', { query: { limit: 100 }, signal }),
  connectIntegration: (/** @type {Body<'/integrations', 'post'>} */ body) =>
    request('/integrations', { method: post, body, idempotencyKey: newIdempotencyKey() }),
  /**
   * A command on one integration (`body` for sync: `{ mode }`).
   * @param {string} id
   * @param {IntegrationCommand} command
   * @param {Body<`/integrations/{id}/${IntegrationCommand}`, 'post'>} body
   */
  integrationCommand: (id, command, body) =>
    request(`/integrations/{id}/${command}`, { method: post, params: { id }, body, idempotencyKey: newIdempotencyKey() }),
  syncLogs: (/** @type {string} */ id, /** @type {Signal} */ signal) =>
    request('/integrations/{id}/sync-logs', { params: { id }, query: { limit: 10 }, signal }),
  /** @param {AbortSignal} [signal] */
  uiConfig: (signal) => request('/ui-config', { signal }),
  /** Platform admins: a cookie that lets the Temporal Web UI decrypt payloads through /codec. */
  openOperatorSession: () => request('/operator-session', { method: post }),
  closeOperatorSession: () => request('/operator-session', { method: 'delete' }),
  allRecruiters: (/** @type {Signal} */ signal) => fetchItems('/recruiters', { signal }).then((r) => r.items),
  /** The caller's placements, newest first (enough to tell who is hired already). */
  recentPlacements: (/** @type {Signal} */ signal) => fetchItems('/placements', { count: 500, signal }).then((r) => r.items),
  getPlacement: (/** @type {string} */ id, /** @type {Signal} */ signal) => request('/placements/{id}', { params: { id }, signal }),
  createPlacement: (/** @type {Body<'/placements', 'post'>} */ body, /** @type {string} */ idempotencyKey) =>
    request('/placements', { method: post, body, idempotencyKey }),
  calculateSplits: (/** @type {Body<'/placements/calculate-splits', 'post'>} */ body, /** @type {Signal} */ signal) =>
    request('/placements/calculate-splits', { method: post, body, signal }),
  /**
   * A placement command; `collaborators` is a PUT.
   * @template {'activate' | 'report-failure' | 'replacement' | 'refund' | 'release-early' | 'extend-guarantee' | 'collaborators'} C
   * @param {string} id
   * @param {C} command
   * @param {Body<`/placements/{id}/${C}`, C extends 'collaborators' ? 'put' : 'post'>} body
   */
  placementCommand: (id, command, body) =>
    request(`/placements/{id}/${command}`, {
      method: /** @type {any} */ (command === 'collaborators' ? 'put' : post),
      params: { id },
      body,
      idempotencyKey: newIdempotencyKey(),
    }),
  /**
   * A platform admin's command on a placement's fee payment or its refund; answers the placement after it.
   * @template {PaymentCommand} C
   * @param {string} id
   * @param {C} command
   * @param {Body<`/placements/{id}/${C}`, 'post'>} body
   */
  paymentCommand: (id, command, body) =>
    // `post` is a method of every C; TypeScript cannot see that through the template literal.
    request(`/placements/{id}/${command}`, {
      method: /** @type {any} */ (post),
      params: { id },
      body,
      idempotencyKey: newIdempotencyKey(),
    }),
  /** A page of a placement's payment audit, newest first, from `cursor` (the company's users and platform admins). */
  paymentHistory: (/** @type {string} */ id, /** @type {string | undefined} */ cursor, /** @type {Signal} */ signal) =>
    fetchItems('/placements/{id}/payment/history', { params: { id }, cursor, count: 50, signal }),
  allJobs: (/** @type {Query<'/jobs', 'get'>} */ query, /** @type {Signal} */ signal) =>
    fetchItems('/jobs', { query, signal }).then((r) => r.items),
  allCandidates: (/** @type {Signal} */ signal) => fetchItems('/candidates', { signal }).then((r) => r.items),
};
