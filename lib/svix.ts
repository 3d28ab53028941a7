import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Svix webhook signatures, the scheme Resend signs its webhooks with
 * (https://docs.svix.com/receiving/verifying-payloads/how-manual): `svix-signature` holds
 * space-separated `v1,<base64 HMAC-SHA256>` entries (several while a secret is rotated)
 * over `${svix-id}.${svix-timestamp}.${raw body}`, keyed with the base64 part of `whsec_…`.
 */
const SECRET_PREFIX = 'whsec_';
/** Svix's replay window: a timestamp further than this from now, either way, is refused. */
const TOLERANCE_SECONDS = 5 * 60;

export function svixSignature(secret: string, id: string, timestamp: string, payload: Buffer | string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(payload).digest('base64');
}

export interface SvixHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

export type SvixVerification =
  { ok: true; id: string; signedAt: Date } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'bad_signature' };

/** Checks in Svix's order: headers present, timestamp within tolerance, then a matching v1 signature. */
export function verifySvix(secret: string, headers: SvixHeaders, payload: Buffer, now = Date.now()): SvixVerification {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!(Math.abs(now / 1000 - seconds) <= TOLERANCE_SECONDS)) return { ok: false, reason: 'bad_timestamp' };
  const expected = Buffer.from(svixSignature(secret, id, timestamp, payload));
  const matches = signature.split(' ').some((entry) => {
    const [version, given] = entry.split(',');
    if (version !== 'v1' || given === undefined) return false;
    const candidate = Buffer.from(given);
    // The length of a SHA-256 signature is public; only the comparison of equal lengths must be constant-time.
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  return matches ? { ok: true, id, signedAt: new Date(seconds * 1000) } : { ok: false, reason: 'bad_signature' };
}
