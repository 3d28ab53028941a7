import { createHmac, timingSafeEqual } from 'node:crypto';
import { AtsAuthError, AtsRateLimitError, AtsRequestError } from './types.js';

/** The longest wait a platform's header may ask for; anything longer is clamped to it. */
export const MAX_HEADER_WAIT_MS = 15 * 60_000;
/** A header asking for more than this is nonsense (a unit misread, a clock far off): back off instead. */
const NONSENSE_WAIT_MS = 24 * 3_600_000;

/**
 * A reset header's number as a wait: an epoch in milliseconds (13 digits) or seconds (10
 * digits), else seconds from now. Workable documents `X-Rate-Limit-Reset` only as the
 * "timestamp of next interval" with no unit, so both epoch forms are accepted.
 */
function resetWait(value: number, now: number): number {
  if (value >= 1e12) return value - now;
  if (value >= 1e9) return value * 1000 - now;
  return value * 1000;
}

/**
 * How long a throttled platform asked us to wait: `Retry-After` (seconds or an HTTP date),
 * else a reset header (`X-RateLimit-Reset` / `X-Rate-Limit-Reset`). Every wait is bounded
 * (MAX_HEADER_WAIT_MS); null when the platform said nothing usable, so the caller backs off.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const retryAfter = headers.get('retry-after');
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('x-rate-limit-reset');
  let wait = NaN;
  if (retryAfter) {
    const seconds = Number(retryAfter);
    wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
  }
  if (Number.isNaN(wait) && reset) {
    const value = Number(reset);
    wait = Number.isFinite(value) ? resetWait(value, now) : Date.parse(reset) - now;
  }
  if (Number.isNaN(wait) || wait > NONSENSE_WAIT_MS) return null;
  return Math.min(MAX_HEADER_WAIT_MS, Math.max(0, wait));
}

const PERMANENT = new Set([400, 404, 405, 409, 410, 422]);

/**
 * One HTTP request to a platform, its failures classified for the activities:
 * 401/403 → AtsAuthError, 429 and 503 → AtsRateLimitError (with the wait asked for),
 * other 4xx → permanent AtsRequestError, 5xx and network errors → retryable.
 */
export async function atsFetch(platform: string, url: string, init: RequestInit & { fetch?: typeof fetch } = {}): Promise<Response> {
  const { fetch: doFetch = fetch, ...request } = init;
  let res: Response;
  try {
    res = await doFetch(url, { ...request, signal: request.signal ?? AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new AtsRequestError(`${platform}: ${request.method ?? 'GET'} ${url} failed: ${String(err)}`, null, false);
  }
  if (res.ok) return res;
  const body = await res.text().catch(() => '');
  const what = `${platform}: ${request.method ?? 'GET'} ${new URL(url).pathname} answered ${res.status}${body ? `: ${body.slice(0, 300)}` : ''}`;
  if (res.status === 401 || res.status === 403) throw new AtsAuthError(what, res.status);
  if (res.status === 429 || res.status === 503) throw new AtsRateLimitError(what, retryAfterMs(res.headers));
  throw new AtsRequestError(what, res.status, PERMANENT.has(res.status));
}

export const basicAuth = (user: string, password = '') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export const hmacSha256Hex = (secret: string, data: string | Buffer) => createHmac('sha256', secret).update(data).digest('hex');

/** Constant-time comparison of two hex digests (false for different lengths or non-hex). */
export function sameHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]+$/i.test(a) || !/^[0-9a-f]+$/i.test(b) || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a.toLowerCase(), 'hex'), Buffer.from(b.toLowerCase(), 'hex'));
}
