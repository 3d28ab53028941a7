import { randomInt } from 'node:crypto';
import type { ApiHarness } from './api-harness.js';
import { eventually } from './api-harness.js';

/** A documentation-range client IP of its own, sent as X-Forwarded-For (the harness trusts its loopback client). */
export const freshIp = () => `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;

/** The token of the newest sign-in link the Resend fake holds for `email` (waits for it: the API sends after answering). */
export async function linkTokenFor(h: ApiHarness, email: string, after = new Date(0)): Promise<string> {
  const token = await eventually(async () => {
    const mail = h.resend
      .emails()
      .filter((e) => e.to?.includes(email) && e.tags?.some((t) => t.value === 'magic_link') && new Date(e.created_at) >= after)
      // Newest first; equal times are told apart by the order of sending.
      .reverse()[0];
    return mail?.text?.match(/token=([A-Za-z0-9_-]+)/)?.[1];
  });
  if (!token) throw new Error(`no sign-in link for ${email}`);
  return token;
}

export interface BrowserSession {
  /** The Cookie header a browser would send. */
  cookie: string;
  csrf: string;
  setCookies: string[];
}

/** Signs `email` in as a browser would: requests a link, follows it from the fake inbox, keeps the cookies. */
export async function signInByEmail(h: ApiHarness, email: string): Promise<BrowserSession> {
  const asked = new Date();
  const requested = await h.request('POST', '/api/v1/auth/magic-link', { body: { email }, headers: { 'x-forwarded-for': freshIp() } });
  if (requested.status !== 202) throw new Error(`magic link: ${requested.status} ${requested.text}`);
  const verified = await h.request('POST', '/api/v1/auth/verify', { body: { token: await linkTokenFor(h, email, asked) } });
  if (verified.status !== 200) throw new Error(`verify: ${verified.status} ${verified.text}`);
  const setCookies = verified.headers.getSetCookie();
  return { cookie: setCookies.map((c) => c.split(';')[0]).join('; '), csrf: verified.body.csrfToken, setCookies };
}
