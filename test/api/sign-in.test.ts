import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { freshIp, linkTokenFor, signInByEmail, type BrowserSession } from '../../testkit/harness/sign-in.js';

let h: ApiHarness;
let m: Marketplace;
beforeAll(async () => {
  h = await startApiHarness();
  m = await createMarketplace(h.db);
});
afterAll(async () => {
  await h?.stop();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const askLink = (email: string, ip = freshIp(), headers: Record<string, string> = {}) =>
  h.request('POST', '/api/v1/auth/magic-link', { body: { email }, headers: { 'x-forwarded-for': ip, ...headers } });
const verify = (token: string) => h.request('POST', '/api/v1/auth/verify', { body: { token } });
const me = (s: BrowserSession) => h.request('GET', '/api/v1/me', { headers: { cookie: s.cookie } });
const write = (s: BrowserSession, headers: Record<string, string> = { 'x-csrf-token': s.csrf }) =>
  h.request('POST', '/api/v1/me/api-keys', { body: { name: 'from the browser' }, headers: { cookie: s.cookie, ...headers } });
const sessionRow = async (s: BrowserSession) =>
  (await h
    .db('sessions')
    .where({ id: sha256(s.cookie.match(/splits_session=([^;]+)/)![1]!) })
    .first())!;

describe('magic links', () => {
  it('answers the same 202 whether or not the address has an account, and e-mails only real users a single-use link', async () => {
    const before = h.resend.emails().length;
    const known = await askLink(m.emails.companyAdmin.toUpperCase());
    const unknown = await askLink(`nobody-${Date.now()}@nowhere.test`);
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    const token = await linkTokenFor(h, m.emails.companyAdmin);
    expect(h.resend.emails().length).toBe(before + 1);
    // Stored hashed, with the requesting IP; never the token itself.
    const row = (await h
      .db('magic_links')
      .where({ token_hash: sha256(token) })
      .first())!;
    expect(row).toMatchObject({ user_id: m.actors.companyAdmin.userId, used_at: null });
    expect(JSON.stringify(await h.db('magic_links').where({ user_id: m.actors.companyAdmin.userId! }))).not.toContain(token);

    const first = await verify(token);
    expect(first.status).toBe(200);
    const cookies = first.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('splits_session='))).toMatch(/; HttpOnly; Path=\/; SameSite=Lax; Max-Age=604800$/);
    expect(cookies.find((c) => c.startsWith('splits_csrf='))).not.toMatch(/HttpOnly/);
    const session = { cookie: cookies.map((c) => c.split(';')[0]).join('; '), csrf: first.body.csrfToken, setCookies: cookies };
    expect((await me(session)).body).toMatchObject({ userId: m.actors.companyAdmin.userId, role: 'company_admin', name: 'Admin' });

    const again = await verify(token);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_link');
    expect((await verify('not-a-token')).status).toBe(400);
  });

  it("using one link revokes the user's other unused links", async () => {
    const m = await createMarketplace(h.db);
    const t0 = new Date();
    await askLink(m.emails.hiringManager);
    const older = await linkTokenFor(h, m.emails.hiringManager, t0);
    const t1 = new Date();
    await askLink(m.emails.hiringManager);
    const newer = await linkTokenFor(h, m.emails.hiringManager, t1);
    expect(newer).not.toBe(older);
    expect((await verify(newer)).status).toBe(200);
    expect((await verify(older)).body.error.code).toBe('invalid_link');
    expect(
      (await h
        .db('magic_links')
        .where({ token_hash: sha256(older) })
        .first())!.revoked_at,
    ).toBeInstanceOf(Date);
  });

  it('refuses an expired link', async () => {
    const m = await createMarketplace(h.db);
    const asked = new Date();
    await askLink(m.emails.hiringManager);
    const token = await linkTokenFor(h, m.emails.hiringManager, asked);
    await h
      .db('magic_links')
      .where({ token_hash: sha256(token) })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect((await verify(token)).body.error.code).toBe('invalid_link');
  });

  it('limits requests per address (known or not) and per IP, answering 429 with Retry-After', async () => {
    for (const email of [m.emails.recruiter, `ghost-${Date.now()}@nowhere.test`]) {
      for (let i = 0; i < 5; i += 1) expect((await askLink(email)).status).toBe(202);
      const limited = await askLink(email);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    }
    const ip = freshIp();
    for (let i = 0; i < 5; i += 1) expect((await askLink(`ip-${i}-${Date.now()}@nowhere.test`, ip)).status).toBe(202);
    expect((await askLink(`ip-last-${Date.now()}@nowhere.test`, ip)).status).toBe(429);
    // The window slides: once the oldest request is out of it, the address may ask again.
    await h
      .db('sign_in_requests')
      .where({ ip })
      .update({ created_at: new Date(Date.now() - 16 * 60_000) });
    expect((await askLink(`ip-after-${Date.now()}@nowhere.test`, ip)).status).toBe(202);
  });

  it('refuses a cross-origin request and an invalid address', async () => {
    const cross = await askLink(m.emails.companyAdmin, freshIp(), { origin: 'https://evil.test' });
    expect(cross.status).toBe(403);
    expect(cross.body.error.code).toBe('csrf_failed');
    expect((await askLink('not an address')).status).toBe(400);
  });
});

describe('sessions', () => {
  it('end at their absolute expiry and after the idle timeout; activity keeps them alive', async () => {
    const m = await createMarketplace(h.db);
    const expired = await signInByEmail(h, m.emails.companyAdmin);
    await h
      .db('sessions')
      .where({ id: (await sessionRow(expired)).id })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect((await me(expired)).status).toBe(401);

    const idle = await signInByEmail(h, m.emails.companyAdmin);
    await h
      .db('sessions')
      .where({ id: (await sessionRow(idle)).id })
      .update({ last_seen_at: new Date(Date.now() - 12 * 3600_000 - 1000) });
    expect((await me(idle)).status).toBe(401);

    const active = await signInByEmail(h, m.emails.companyAdmin);
    await h
      .db('sessions')
      .where({ id: (await sessionRow(active)).id })
      .update({ last_seen_at: new Date(Date.now() - 11 * 3600_000) });
    expect((await me(active)).status).toBe(200);
    expect((await sessionRow(active)).last_seen_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('sign-out ends this session; sign-out-everywhere ends all of them but not the API keys', async () => {
    const m = await createMarketplace(h.db);
    const a = await signInByEmail(h, m.emails.hiringManager);
    const b = await signInByEmail(h, m.emails.hiringManager);
    const c = await signInByEmail(h, m.emails.hiringManager);
    const out = await h.request('POST', '/api/v1/auth/sign-out', { headers: { cookie: a.cookie, 'x-csrf-token': a.csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().find((x) => x.startsWith('splits_session='))).toMatch(/^splits_session=; .*Max-Age=0/);
    expect((await me(a)).status).toBe(401);
    expect((await me(b)).status).toBe(200);

    const key = (await write(b)).body.key as string;
    expect(
      (await h.request('POST', '/api/v1/auth/sign-out-everywhere', { headers: { cookie: b.cookie, 'x-csrf-token': b.csrf } })).status,
    ).toBe(204);
    expect((await me(b)).status).toBe(401);
    expect((await me(c)).status).toBe(401);
    expect((await h.request('GET', '/api/v1/me', { token: key })).status).toBe(200);
  });

  it("a deactivated user's sessions and API keys stop working at once, and no new link is honoured", async () => {
    const mk = await createMarketplace(h.db);
    const session = await signInByEmail(h, mk.emails.recruiter);
    const key = (await write(session)).body.key as string;
    const asked = new Date();
    await askLink(mk.emails.recruiter);
    const pending = await linkTokenFor(h, mk.emails.recruiter, asked);
    await h.db('users').where({ id: mk.actors.recruiter.userId! }).update({ deactivated_at: new Date() });
    expect((await me(session)).status).toBe(401);
    expect((await h.request('GET', '/api/v1/me', { token: key })).status).toBe(401);
    expect((await verify(pending)).status).toBe(400);
    // The same answer for a deactivated address, and no e-mail.
    const sent = h.resend.emails().length;
    expect((await askLink(mk.emails.recruiter)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.resend.emails().length).toBe(sent);
  });
});

describe('CSRF protection of cookie-authenticated writes', () => {
  it('refuses a write without the token, with a wrong one, or from another origin; accepts it with the token; reads need none', async () => {
    const m = await createMarketplace(h.db);
    const s = await signInByEmail(h, m.emails.companyAdmin);
    const missing = await write(s, {});
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('csrf_failed');
    expect((await write(s, { 'x-csrf-token': 'x'.repeat(43) })).status).toBe(403);
    const other = await signInByEmail(h, m.emails.companyAdmin);
    expect((await write(s, { 'x-csrf-token': other.csrf })).status).toBe(403);
    expect((await write(s, { 'x-csrf-token': s.csrf, origin: 'https://evil.test' })).status).toBe(403);
    expect((await write(s, { 'x-csrf-token': s.csrf, origin: 'null' })).status).toBe(403);
    expect((await write(s, { 'x-csrf-token': s.csrf, origin: h.baseUrl })).status).toBe(201);
    expect((await write(s)).status).toBe(201);
    expect((await me(s)).status).toBe(200);
    // Bearer callers are not browsers riding on a cookie: no token needed.
    expect((await h.request('POST', '/api/v1/me/api-keys', { actor: m.actors.companyAdmin, body: { name: 'script' } })).status).toBe(201);
  });

  it('a bearer credential wins over the cookie, and an invalid bearer is not rescued by it', async () => {
    const m = await createMarketplace(h.db);
    const s = await signInByEmail(h, m.emails.companyAdmin);
    const res = await h.request('GET', '/api/v1/me', { token: 'spk_nope', headers: { cookie: s.cookie } });
    expect(res.status).toBe(401);
    const asRecruiter = await h.request('GET', '/api/v1/me', { actor: m.actors.recruiter, headers: { cookie: s.cookie } });
    expect(asRecruiter.body.role).toBe('recruiter');
  });
});

describe("the platform admin's operator cookie under a browser session", () => {
  it('is a JWT minted for the admin (the session cookie itself is never handed to /codec)', async () => {
    const email = (await h.db('users').where({ id: m.actors.platformAdmin.userId! }).first())!.email as string;
    const s = await signInByEmail(h, email);
    const res = await h.request('POST', '/api/v1/operator-session', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(res.status).toBe(204);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^splits_operator=eyJ[^;]+; Path=\/codec; HttpOnly/);
    expect(cookie).not.toContain(s.cookie.match(/splits_session=([^;]+)/)![1]!);
  });
});
