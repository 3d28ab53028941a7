/** REST client for /api/v1: bearer token, JSON, the `{ error: { code, message, details } }` shape. */

const BASE = '/api/v1';
const TOKEN_KEY = 'splits.token';
const MAX_PAGE = 100;

export const tokenStore = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (token) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const isAbort = (err) => err?.name === 'AbortError';

let unauthorizedHandler = () => {};

/** Called when the stored token is refused (expired or revoked). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** A UUID for `Idempotency-Key`; `crypto.randomUUID` needs a secure context, so fall back outside one. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function urlFor(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

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
 * One API call. Resolves with the JSON body, rejects with an ApiError (status 0 when the
 * server cannot be reached). `token` overrides the stored one, e.g. to check a pasted token.
 */
export async function request(path, { method = 'GET', query, body, signal, idempotencyKey, token } = {}) {
  const usesStoredToken = token === undefined;
  const bearer = usesStoredToken ? tokenStore.get() : token;
  const headers = { Accept: 'application/json' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;

  let res;
  try {
    res = await fetch(urlFor(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  const payload = await readJson(res);
  if (res.ok) return payload;

  const error = payload?.error ?? {};
  const apiError = new ApiError(res.status, error.code ?? 'http_error', error.message ?? `Request failed (HTTP ${res.status}).`, error.details);
  if (res.status === 401 && usesStoredToken) unauthorizedHandler(apiError);
  throw apiError;
}

/** Follows `nextCursor` until `count` items are loaded or the list ends. */
export async function fetchItems(path, { query = {}, count = Infinity, signal } = {}) {
  const items = [];
  let cursor;
  do {
    const limit = Math.min(count - items.length, MAX_PAGE);
    const page = await request(path, { query: { ...query, limit, cursor }, signal });
    items.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < count);
  return { items, nextCursor: cursor ?? null };
}

export const api = {
  me: (token) => request('/me', { token }),
  acceptedProposals: (signal) => fetchItems('/proposals', { query: { state: 'accepted' }, count: 50, signal }),
  getProposal: (id, signal) => request(`/proposals/${encodeURIComponent(id)}`, { signal }),
  createProposal: (body, idempotencyKey) => request('/proposals', { method: 'POST', body, idempotencyKey }),
  /** review | accept | decline | withdraw; `reason` only when given (the API rejects an empty one). */
  command: (id, command, reason) =>
    request(`/proposals/${encodeURIComponent(id)}/${command}`, {
      method: 'POST',
      body: reason ? { reason } : {},
      idempotencyKey: newIdempotencyKey(),
    }),
  /** approve | reject an automation waiting for a person; `comment` only when given. */
  decideApproval: (executionId, verb, comment) =>
    request(`/approvals/${encodeURIComponent(executionId)}/${verb}`, { method: 'POST', body: comment ? { comment } : {}, idempotencyKey: newIdempotencyKey() }),
  /** retry | change-account | cancel a blocked split (platform admins). */
  splitAction: (payoutId, splitId, action, body) =>
    request(`/payouts/${encodeURIComponent(payoutId)}/splits/${encodeURIComponent(splitId)}/${action}`, { method: 'POST', body, idempotencyKey: newIdempotencyKey() }),
  listIntegrations: (signal) => request('/integrations', { query: { limit: 100 }, signal }),
  connectIntegration: (body) => request('/integrations', { method: 'POST', body, idempotencyKey: newIdempotencyKey() }),
  /** sync | pause | resume | test on one integration (`body` for sync: {mode}). */
  integrationCommand: (id, command, body = {}) =>
    request(`/integrations/${encodeURIComponent(id)}/${command}`, { method: 'POST', body, idempotencyKey: newIdempotencyKey() }),
  syncLogs: (id, signal) => request(`/integrations/${encodeURIComponent(id)}/sync-logs`, { query: { limit: 10 }, signal }),
  uiConfig: (signal) => request('/ui-config', { signal }),
  /** Platform admins: a cookie that lets the Temporal Web UI decrypt payloads through /codec. */
  openOperatorSession: () => request('/operator-session', { method: 'POST' }),
  closeOperatorSession: () => request('/operator-session', { method: 'DELETE' }),
  allRecruiters: (signal) => fetchItems('/recruiters', { signal }).then((r) => r.items),
  /** The caller's placements, newest first (enough to tell who is hired already). */
  recentPlacements: (signal) => fetchItems('/placements', { count: 500, signal }).then((r) => r.items),
  getPlacement: (id, signal) => request(`/placements/${encodeURIComponent(id)}`, { signal }),
  createPlacement: (body, idempotencyKey) => request('/placements', { method: 'POST', body, idempotencyKey }),
  calculateSplits: (body, signal) => request('/placements/calculate-splits', { method: 'POST', body, signal }),
  /** activate | report-failure | replacement | refund | release-early | extend-guarantee | collaborators (PUT). */
  placementCommand: (id, command, body = {}) =>
    request(`/placements/${encodeURIComponent(id)}/${command}`, { method: command === 'collaborators' ? 'PUT' : 'POST', body, idempotencyKey: newIdempotencyKey() }),
  allJobs: (query, signal) => fetchItems('/jobs', { query, signal }).then((r) => r.items),
  allCandidates: (signal) => fetchItems('/candidates', { signal }).then((r) => r.items),
};
