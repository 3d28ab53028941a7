import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actors.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
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
const address = (who = 'person') => `${who}-${randomUUID().slice(0, 8)}@people.test`;

const call = (actor: Actor, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  h.request(method, `/api/v1${path}`, { actor, body, headers: { 'x-forwarded-for': freshIp(), ...headers } });
const invite = (actor: Actor, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call(actor, 'POST', '/people/invitations', body, headers);
const verify = (token: string) => h.request('POST', '/api/v1/auth/verify', { body: { token } });
const me = (s: BrowserSession) => h.request('GET', '/api/v1/me', { headers: { cookie: s.cookie } });
const changesOf = async (actor: Actor, id: string) => (await call(actor, 'GET', `/people/${id}/changes`)).body.items as any[];

/** The newest invitation e-mail the Resend fake holds for `email`, after `after`. */
async function invitationFor(email: string, after = new Date(0)) {
  return eventually(
    async () =>
      h.resend
        .emails()
        .filter((e) => e.to?.includes(email) && e.tags?.some((t) => t.value === 'invitation') && new Date(e.created_at) >= after)
        .reverse()[0],
  );
}
const tokenIn = (mail: { text?: string | null } | undefined) => mail?.text?.match(/token=([A-Za-z0-9_-]+)/)?.[1] ?? '';

/** Follows a link as a browser would: the session cookie and CSRF token. */
async function follow(token: string): Promise<BrowserSession> {
  const verified = await verify(token);
  expect(verified.status, verified.text).toBe(200);
  const setCookies = verified.headers.getSetCookie();
  return { cookie: setCookies.map((c) => c.split(';')[0]).join('; '), csrf: verified.body.csrfToken, setCookies };
}

/** Invites someone and signs them in with their invitation: an active person. */
async function activePerson(actor: Actor, body: Record<string, unknown>) {
  const res = await invite(actor, body);
  expect(res.status, res.text).toBe(201);
  const session = await follow(tokenIn(await invitationFor(body.email as string)));
  return { id: res.body.id as string, session };
}

const usersWithEmail = async (email: string) =>
  Number((await h.db('users').whereRaw('lower(email) = ?', [email.toLowerCase()]).count<{ n: string }[]>('* as n'))[0]!.n);

describe('invitations', () => {
  it('a company admin invites a hiring manager: the e-mail (recorded first) arrives, its link signs them in once, invited → active', async () => {
    const email = address('hm');
    const asked = new Date();
    const res = await invite(m.actors.companyAdmin, { name: 'Hana Manager', email: email.toUpperCase(), role: 'hiring_manager' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Hana Manager',
      email,
      role: 'hiring_manager',
      companyId: m.companyId,
      companyName: expect.stringMatching(/^Acme /),
      recruiterId: null,
      status: 'invited',
      invitedByName: 'Admin',
      lastSignedInAt: null,
      deactivatedAt: null,
    });
    expect(res.body.invitedAt).not.toBeNull();

    const mail = await invitationFor(email, asked);
    expect(mail?.subject).toMatch(/^Admin invited you to Acme .* on Splits$/);
    expect(mail?.text).toContain('as a hiring manager');
    expect(mail?.text).toContain('within 7 days');
    // The link is the web app's verify page, as a sign-in link's is; stored hashed, an invitation for 7 days.
    const token = tokenIn(mail);
    expect(mail?.text).toContain(`/#/sign-in/verify?token=${token}`);
    const link = (await h
      .db('magic_links')
      .where({ token_hash: sha256(token) })
      .first())!;
    expect(link).toMatchObject({ user_id: res.body.id, purpose: 'invitation', used_at: null, revoked_at: null });
    const ttlHours = (link.expires_at.getTime() - link.created_at.getTime()) / 3600_000;
    expect(ttlHours).toBeCloseTo(168, 1);
    // Recorded in the e-mail log under the key Resend got as its Idempotency-Key.
    expect(mail?.idempotencyKey).toBe(`invitation-${link.id}`);
    const logged = await eventually(async () => {
      const row = await h
        .db('email_log')
        .where({ idempotency_key: `invitation-${link.id}` })
        .first();
      return row?.provider_message_id ? row : undefined;
    });
    expect(logged).toMatchObject({ template: 'invitation', recipients: [email], provider_message_id: mail?.id });

    const session = await follow(token);
    expect((await me(session)).body).toMatchObject({ userId: res.body.id, role: 'hiring_manager', companyId: m.companyId });
    expect((await verify(token)).body.error.code).toBe('invalid_link');

    const after = await call(m.actors.companyAdmin, 'GET', `/people/${res.body.id}`);
    expect(after.body).toMatchObject({ status: 'active', lastSignedInAt: expect.any(String) });
    expect((await changesOf(m.actors.companyAdmin, res.body.id)).map((c) => [c.change, c.actorName, c.actorRole])).toEqual([
      ['signed_in_first_time', 'Hana Manager', 'hiring_manager'],
      ['invited', 'Admin', 'company_admin'],
    ]);
  });

  it('refuses an address any account already uses, in any case (409 email_taken), writing nothing', async () => {
    const before = await h.db('people_changes').where({ company_id: m.companyId }).count<{ n: string }[]>('* as n');
    for (const email of [m.emails.hiringManager.toUpperCase(), m.emails.recruiter]) {
      const res = await invite(m.actors.companyAdmin, { name: 'Again', email, role: 'hiring_manager' });
      expect(res.status, res.text).toBe(409);
      expect(res.body.error.code).toBe('email_taken');
      expect(await usersWithEmail(email)).toBe(1);
    }
    expect(await h.db('people_changes').where({ company_id: m.companyId }).count<{ n: string }[]>('* as n')).toEqual(before);
  });

  it('replays an invitation sent again with the same Idempotency-Key: one person, one e-mail', async () => {
    const email = address('idem');
    const body = { name: 'Idem Potent', email, role: 'company_admin' };
    const key = `invite-${randomUUID()}`;
    const first = await invite(m.actors.companyAdmin, body, { 'idempotency-key': key });
    const again = await invite(m.actors.companyAdmin, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    await invitationFor(email);
    expect(await usersWithEmail(email)).toBe(1);
    expect(h.resend.emails().filter((e) => e.to?.includes(email))).toHaveLength(1);
  });

  it('a resent invitation replaces the pending link; only an invited person gets one (409 not_invited); rate-limited like sign-in links', async () => {
    const mk = await createMarketplace(h.db);
    const email = address('resend');
    const res = await invite(mk.actors.companyAdmin, { name: 'Re Send', email, role: 'hiring_manager' });
    const firstToken = tokenIn(await invitationFor(email));
    const asked = new Date();
    const resent = await call(mk.actors.companyAdmin, 'POST', `/people/${res.body.id}/resend-invitation`);
    expect(resent.status, resent.text).toBe(202);
    expect(resent.body).toEqual({});
    const secondToken = tokenIn(await invitationFor(email, asked));
    expect(secondToken).not.toBe(firstToken);
    expect((await verify(firstToken)).body.error.code).toBe('invalid_link');
    await follow(secondToken);

    const now = await call(mk.actors.companyAdmin, 'POST', `/people/${res.body.id}/resend-invitation`);
    expect(now.status).toBe(409);
    expect(now.body.error.code).toBe('not_invited');
    expect((await changesOf(mk.actors.companyAdmin, res.body.id)).map((c) => c.change)).toEqual([
      'signed_in_first_time',
      'invitation_resent',
      'invited',
    ]);

    const pending = await invite(mk.actors.companyAdmin, { name: 'Many Links', email: address('many'), role: 'hiring_manager' });
    const ip = freshIp();
    const again = () =>
      call(mk.actors.companyAdmin, 'POST', `/people/${pending.body.id}/resend-invitation`, undefined, { 'x-forwarded-for': ip });
    for (let i = 0; i < 5; i += 1) expect((await again()).status).toBe(202);
    const limited = await again();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('an invitation Resend refuses leaves the person invited with the e-mail recorded unsent; resending it delivers a working link', async () => {
    const mk = await createMarketplace(h.db);
    const email = address('refused');
    h.resend.injectFailure({ method: 'POST', path: '/emails', status: 422, name: 'validation_error', message: 'Invalid `to` field.' });
    const res = await invite(mk.actors.companyAdmin, { name: 'Not Yet', email, role: 'hiring_manager' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.status).toBe('invited');
    const [logged] = await h.db('email_log').where({ template: 'invitation' }).whereRaw('? = any(recipients)', [email]);
    expect(logged).toMatchObject({ provider_message_id: null });
    expect(h.resend.emails().filter((e) => e.to?.includes(email))).toHaveLength(0);

    expect((await call(mk.actors.companyAdmin, 'POST', `/people/${res.body.id}/resend-invitation`)).status).toBe(202);
    await follow(tokenIn(await invitationFor(email)));
    expect((await call(mk.actors.companyAdmin, 'GET', `/people/${res.body.id}`)).body.status).toBe('active');
  });

  it('refuses bad input with 400 and writes nothing: hostile text, too long, bad address, unknown fields, a platform admin without companyId', async () => {
    const email = address('bad');
    const bodies: [Actor, string, Record<string, unknown>][] = [
      [m.actors.companyAdmin, '/people/invitations', { name: 'Bad\u0000Name', email, role: 'hiring_manager' }],
      [m.actors.companyAdmin, '/people/invitations', { name: 'Right \u202Eto left', email, role: 'hiring_manager' }],
      [m.actors.companyAdmin, '/people/invitations', { name: 'x'.repeat(201), email, role: 'hiring_manager' }],
      [m.actors.companyAdmin, '/people/invitations', { name: '   ', email, role: 'hiring_manager' }],
      [m.actors.companyAdmin, '/people/invitations', { name: 'Bad Address', email: 'not an address', role: 'hiring_manager' }],
      [m.actors.companyAdmin, '/people/invitations', { name: 'Long Address', email: `${'a'.repeat(250)}@x.test`, role: 'hiring_manager' }],
      [m.actors.companyAdmin, '/people/invitations', { name: 'Unknown Field', email, role: 'hiring_manager', admin: true }],
      [m.actors.companyAdmin, '/people/invitations', { name: 'Wrong Role', email, role: 'platform_admin' }],
      [m.actors.platformAdmin, '/people/invitations', { name: 'No Company', email, role: 'hiring_manager' }],
      [m.actors.platformAdmin, '/companies', { name: 'Co\u0007rp', firstAdmin: { name: 'First', email } }],
      [m.actors.platformAdmin, '/companies', { name: 'x'.repeat(201), firstAdmin: { name: 'First', email } }],
      [m.actors.platformAdmin, '/companies', { name: 'Corp', firstAdmin: { name: 'First', email, role: 'platform_admin' } }],
      [m.actors.platformAdmin, '/recruiters/invitations', { name: 'Rec', email, displayName: 'D\u2066isplay' }],
      [m.actors.platformAdmin, '/recruiters/invitations', { name: 'Rec', email, stripeAccountId: 'acct_1' }],
    ];
    for (const [actor, path, body] of bodies) {
      const res = await call(actor, 'POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)}: ${res.text}`).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
    }
    const patched = await call(m.actors.companyAdmin, 'PATCH', `/people/${m.actors.hiringManager.userId}`, { role: 'recruiter' });
    expect(patched.status).toBe(400);
    const reason = await call(m.actors.companyAdmin, 'POST', `/people/${m.actors.hiringManager.userId}/deactivate`, {
      reason: 'x'.repeat(2001),
    });
    expect(reason.status).toBe(400);
    expect(await usersWithEmail(email)).toBe(0);
    expect(h.resend.emails().filter((e) => e.to?.includes(email))).toHaveLength(0);
    expect((await call(m.actors.companyAdmin, 'GET', `/people/${m.actors.hiringManager.userId}`)).body.status).toBe('active');
    expect(await h.db('companies').where({ name: 'Corp' }).first()).toBeUndefined();
  });
});

describe('roles', () => {
  it('a company admin promotes and demotes colleagues (audited); the last active company admin cannot be demoted (409 last_admin)', async () => {
    const mk = await createMarketplace(h.db);
    const self = await call(mk.actors.companyAdmin, 'PATCH', `/people/${mk.actors.companyAdmin.userId}`, { role: 'hiring_manager' });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('last_admin');

    // An invited admin who never signed in is not active: the company would have no admin who can act.
    const invited = await invite(mk.actors.companyAdmin, { name: 'Pending Admin', email: address('pending'), role: 'company_admin' });
    expect(
      (await call(mk.actors.companyAdmin, 'PATCH', `/people/${mk.actors.companyAdmin.userId}`, { role: 'hiring_manager' })).status,
    ).toBe(409);

    const promoted = await call(mk.actors.companyAdmin, 'PATCH', `/people/${mk.actors.hiringManager.userId}`, { role: 'company_admin' });
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.body).toMatchObject({ role: 'company_admin', status: 'active' });
    const same = await call(mk.actors.companyAdmin, 'PATCH', `/people/${mk.actors.hiringManager.userId}`, { role: 'company_admin' });
    expect(same.status).toBe(200);
    const demotedSelf = await call(mk.actors.companyAdmin, 'PATCH', `/people/${mk.actors.companyAdmin.userId}`, { role: 'hiring_manager' });
    expect(demotedSelf.status, demotedSelf.text).toBe(200);
    expect(demotedSelf.body.role).toBe('hiring_manager');

    const changes = await changesOf(mk.actors.platformAdmin, mk.actors.hiringManager.userId!);
    expect(changes).toEqual([
      expect.objectContaining({
        change: 'role_changed',
        actorName: 'Admin',
        actorRole: 'company_admin',
        old: { role: 'hiring_manager' },
        new: { role: 'company_admin' },
        reason: null,
      }),
    ]);
    expect(invited.body.status).toBe('invited');
  });

  it('two admins demoting each other at once: one succeeds, the other is refused (409 last_admin), the company keeps an admin', async () => {
    const mk = await createMarketplace(h.db);
    expect(
      (await call(mk.actors.companyAdmin, 'PATCH', `/people/${mk.actors.hiringManager.userId}`, { role: 'company_admin' })).status,
    ).toBe(200);
    const b = { ...mk.actors.hiringManager, role: 'company_admin' as const };
    const answers = await Promise.all([
      call(mk.actors.companyAdmin, 'PATCH', `/people/${b.userId}`, { role: 'hiring_manager' }),
      call(b, 'PATCH', `/people/${mk.actors.companyAdmin.userId}`, { role: 'hiring_manager' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('last_admin');
    const admins = await call(mk.actors.platformAdmin, 'GET', `/people?companyId=${mk.companyId}&role=company_admin&status=active`);
    expect(admins.body.data).toHaveLength(1);
  });

  it("recruiters' and platform admins' roles are not changed here (422 role_not_changeable)", async () => {
    for (const id of [m.actors.recruiter.userId, m.actors.platformAdmin.userId]) {
      const res = await call(m.actors.platformAdmin, 'PATCH', `/people/${id}`, { role: 'company_admin' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('role_not_changeable');
    }
    expect((await h.db('users').where({ id: m.actors.recruiter.userId! }).first())!.role).toBe('recruiter');
  });
});

describe('deactivation', () => {
  it("kills the person's session cookie, API key and pending sign-in link on the very next request; reactivation revives none of them", async () => {
    const mk = await createMarketplace(h.db);
    const session = await signInByEmail(h, mk.emails.hiringManager);
    const created = await h.request('POST', '/api/v1/me/api-keys', {
      body: { name: 'script' },
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    });
    expect(created.status, created.text).toBe(201);
    const key = created.body.key as string;
    const withKey = () => h.request('GET', '/api/v1/me', { token: key });
    expect((await withKey()).status).toBe(200);
    const asked = new Date();
    await h.request('POST', '/api/v1/auth/magic-link', {
      body: { email: mk.emails.hiringManager },
      headers: { 'x-forwarded-for': freshIp() },
    });
    const pending = await linkTokenFor(h, mk.emails.hiringManager, asked);

    const res = await call(mk.actors.companyAdmin, 'POST', `/people/${mk.actors.hiringManager.userId}/deactivate`, {
      reason: 'Left the company',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'deactivated', deactivatedAt: expect.any(String) });
    expect((await me(session)).status).toBe(401);
    expect((await withKey()).status).toBe(401);
    expect((await verify(pending)).body.error.code).toBe('invalid_link');
    // Revoked in the database, not only refused while deactivated.
    expect(await h.db('sessions').where({ user_id: mk.actors.hiringManager.userId! }).whereNull('revoked_at').first()).toBeUndefined();
    expect(await h.db('api_keys').where({ user_id: mk.actors.hiringManager.userId! }).whereNull('revoked_at').first()).toBeUndefined();

    const again = await call(mk.actors.companyAdmin, 'POST', `/people/${mk.actors.hiringManager.userId}/deactivate`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_deactivated');

    const back = await call(mk.actors.companyAdmin, 'POST', `/people/${mk.actors.hiringManager.userId}/reactivate`);
    expect(back.status, back.text).toBe(200);
    expect(back.body).toMatchObject({ status: 'active', deactivatedAt: null });
    expect((await me(session)).status).toBe(401);
    expect((await withKey()).status).toBe(401);
    expect((await verify(pending)).body.error.code).toBe('invalid_link');
    const fresh = await signInByEmail(h, mk.emails.hiringManager);
    expect((await me(fresh)).status).toBe(200);
    const notDeactivated = await call(mk.actors.companyAdmin, 'POST', `/people/${mk.actors.hiringManager.userId}/reactivate`);
    expect(notDeactivated.body.error.code).toBe('not_deactivated');

    expect(
      (await changesOf(mk.actors.companyAdmin, mk.actors.hiringManager.userId!)).map((c) => [
        c.change,
        c.actorName,
        c.old,
        c.new,
        c.reason,
      ]),
    ).toEqual([
      ['reactivated', 'Admin', { status: 'deactivated' }, { status: 'active' }, null],
      [
        'deactivated',
        'Admin',
        { status: 'active' },
        { status: 'deactivated', sessionsRevoked: 1, apiKeysRevoked: 1, linksRevoked: 1 },
        'Left the company',
      ],
      ['signed_in_first_time', 'Hiring Manager', null, null, null],
    ]);
  });

  it('refuses deactivating yourself (422) and the last active company admin (409 last_admin)', async () => {
    const mk = await createMarketplace(h.db);
    const self = await call(mk.actors.companyAdmin, 'POST', `/people/${mk.actors.companyAdmin.userId}/deactivate`, {});
    expect(self.status).toBe(422);
    expect(self.body.error.code).toBe('cannot_deactivate_self');
    const last = await call(mk.actors.platformAdmin, 'POST', `/people/${mk.actors.companyAdmin.userId}/deactivate`, {});
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('last_admin');
    expect((await h.db('users').where({ id: mk.actors.companyAdmin.userId! }).first())!.deactivated_at).toBeNull();

    const second = await activePerson(mk.actors.companyAdmin, { name: 'Second Admin', email: address('second'), role: 'company_admin' });
    const now = await call(mk.actors.platformAdmin, 'POST', `/people/${mk.actors.companyAdmin.userId}/deactivate`, {});
    expect(now.status, now.text).toBe(200);
    expect((await call(mk.actors.platformAdmin, 'GET', `/companies?limit=100`)).status).toBe(200);
    expect((await changesOf(mk.actors.platformAdmin, mk.actors.companyAdmin.userId!))[0]).toMatchObject({
      change: 'deactivated',
      actorName: 'Platform',
      actorRole: 'platform_admin',
    });
    expect((await me(second.session)).status).toBe(200);
  });
});

describe('who sees whom', () => {
  it("a company admin lists their own company's people only (the companyId filter is ignored); status and role filter; pages", async () => {
    const mk = await createMarketplace(h.db);
    await invite(mk.actors.companyAdmin, { name: 'Invitee', email: address('invitee'), role: 'hiring_manager' });
    const list = await call(mk.actors.companyAdmin, 'GET', `/people?companyId=${m.companyId}&limit=100`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.map((p: any) => p.name).sort()).toEqual(['Admin', 'Hiring Manager', 'Invitee']);
    expect(new Set(list.body.data.map((p: any) => p.companyId))).toEqual(new Set([mk.companyId]));
    const invited = await call(mk.actors.companyAdmin, 'GET', '/people?status=invited');
    expect(invited.body.data.map((p: any) => p.name)).toEqual(['Invitee']);
    const admins = await call(mk.actors.companyAdmin, 'GET', '/people?role=company_admin&status=active');
    expect(admins.body.data.map((p: any) => p.name)).toEqual(['Admin']);

    const first = await call(mk.actors.companyAdmin, 'GET', '/people?limit=2');
    expect(first.body.data).toHaveLength(2);
    const rest = await call(mk.actors.companyAdmin, 'GET', `/people?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    expect((await call(mk.actors.companyAdmin, 'GET', '/people?cursor=forged')).status).toBe(400);

    const platform = await call(mk.actors.platformAdmin, 'GET', `/people?companyId=${mk.companyId}&limit=100`);
    expect(platform.body.data).toHaveLength(3);
    const recruiters = await call(mk.actors.platformAdmin, 'GET', '/people?role=recruiter&limit=5');
    expect(recruiters.body.data.every((p: any) => p.role === 'recruiter' && p.recruiterId !== null)).toBe(true);
  });

  it("answers 404 for another company's person and a recruiter on every route, changing nothing", async () => {
    for (const id of [m.actors.foreignAdmin.userId, m.actors.recruiter.userId, m.actors.platformAdmin.userId, randomUUID()]) {
      const answers = await Promise.all([
        call(m.actors.companyAdmin, 'GET', `/people/${id}`),
        call(m.actors.companyAdmin, 'GET', `/people/${id}/changes`),
        call(m.actors.companyAdmin, 'PATCH', `/people/${id}`, { role: 'hiring_manager' }),
        call(m.actors.companyAdmin, 'POST', `/people/${id}/deactivate`, {}),
        call(m.actors.companyAdmin, 'POST', `/people/${id}/reactivate`),
        call(m.actors.companyAdmin, 'POST', `/people/${id}/resend-invitation`),
      ]);
      expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 404]);
    }
    const elsewhere = await invite(m.actors.companyAdmin, {
      name: 'Elsewhere',
      email: address('elsewhere'),
      role: 'hiring_manager',
      companyId: m.actors.foreignAdmin.companyId,
    });
    expect(elsewhere.status).toBe(404);
    expect((await h.db('users').where({ id: m.actors.foreignAdmin.userId! }).first())!.deactivated_at).toBeNull();
  });

  it('hiring managers and recruiters get 403 on every route, even with an invalid body', async () => {
    const id = m.actors.hiringManager.userId;
    for (const actor of [m.actors.hiringManager, m.actors.recruiter]) {
      const answers = await Promise.all([
        call(actor, 'GET', '/people'),
        call(actor, 'GET', `/people/${id}`),
        call(actor, 'GET', `/people/${id}/changes`),
        call(actor, 'POST', '/people/invitations', { bogus: true }),
        call(actor, 'POST', `/people/${id}/resend-invitation`),
        call(actor, 'PATCH', `/people/${id}`, { role: 'nope' }),
        call(actor, 'POST', `/people/${id}/deactivate`, { reason: 1 }),
        call(actor, 'POST', `/people/${id}/reactivate`),
        call(actor, 'GET', '/companies'),
        call(actor, 'POST', '/companies', {}),
        call(actor, 'POST', '/recruiters/invitations', {}),
      ]);
      expect(answers.map((a) => a.status)).toEqual(Array(11).fill(403));
    }
    for (const [method, path] of [
      ['GET', '/companies'],
      ['POST', '/companies'],
      ['POST', '/recruiters/invitations'],
    ] as const) {
      expect((await call(m.actors.companyAdmin, method, path, method === 'POST' ? {} : undefined)).status).toBe(403);
    }
  });
});

describe('platform admins', () => {
  it('create a company and invite its first admin in one transaction; the admin signs in; the company is listed with its counts', async () => {
    const email = address('first');
    const name = `Globex ${randomUUID().slice(0, 8)}`;
    const res = await call(m.actors.platformAdmin, 'POST', '/companies', { name, firstAdmin: { name: 'Greta First', email } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.company).toMatchObject({ name });
    expect(res.body.firstAdmin).toMatchObject({
      name: 'Greta First',
      email,
      role: 'company_admin',
      companyId: res.body.company.id,
      companyName: name,
      status: 'invited',
      invitedByName: 'Platform',
    });
    const companyRow = async () =>
      (await call(m.actors.platformAdmin, 'GET', '/companies?limit=100')).body.data.find((c: any) => c.id === res.body.company.id);
    expect(await companyRow()).toMatchObject({ name, activeAdmins: 0, jobs: 0 });

    const mail = await invitationFor(email);
    expect(mail?.text).toContain('as a company admin');
    const session = await follow(tokenIn(mail));
    expect((await me(session)).body).toMatchObject({ role: 'company_admin', companyId: res.body.company.id, companyName: name });
    expect(await companyRow()).toMatchObject({ activeAdmins: 1 });
    expect((await changesOf(m.actors.platformAdmin, res.body.firstAdmin.id)).map((c) => c.change)).toEqual([
      'signed_in_first_time',
      'company_created',
      'invited',
    ]);

    // The first admin's address taken: no company either.
    const taken = `Taken ${randomUUID().slice(0, 8)}`;
    const refused = await call(m.actors.platformAdmin, 'POST', '/companies', { name: taken, firstAdmin: { name: 'Dup', email } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('email_taken');
    expect(await h.db('companies').where({ name: taken }).first()).toBeUndefined();
  });

  it('invite a company user into a named company', async () => {
    const res = await invite(m.actors.platformAdmin, {
      name: 'Placed By Platform',
      email: address('placed'),
      role: 'hiring_manager',
      companyId: m.actors.foreignAdmin.companyId,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ companyId: m.actors.foreignAdmin.companyId, invitedByName: 'Platform' });
    const unknown = await invite(m.actors.platformAdmin, {
      name: 'Nowhere',
      email: address('nowhere'),
      role: 'hiring_manager',
      companyId: randomUUID(),
    });
    expect(unknown.status).toBe(404);
  });

  it('onboard a recruiter who then signs in with a recruiter profile', async () => {
    const email = address('rec');
    const res = await call(m.actors.platformAdmin, 'POST', '/recruiters/invitations', {
      name: 'Rosa Recruit',
      email,
      displayName: 'Rosa R.',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ role: 'recruiter', companyId: null, status: 'invited', recruiterId: expect.any(String) });
    expect(await h.db('recruiters').where({ id: res.body.recruiterId }).first()).toMatchObject({
      user_id: res.body.id,
      display_name: 'Rosa R.',
    });
    const mail = await invitationFor(email);
    expect(mail?.subject).toBe('Platform invited you to the Splits marketplace');
    const session = await follow(tokenIn(mail));
    expect((await me(session)).body).toMatchObject({
      userId: res.body.id,
      role: 'recruiter',
      recruiterId: res.body.recruiterId,
      name: 'Rosa R.',
    });
    expect((await changesOf(m.actors.platformAdmin, res.body.id))[1]).toMatchObject({
      change: 'invited',
      actorName: 'Platform',
      new: { name: 'Rosa Recruit', email, role: 'recruiter', displayName: 'Rosa R.' },
    });
  });
  it('a deactivated recruiter is no longer offered as a collaborator, holder or partner (GET /recruiters); reactivated, they are again', async () => {
    const mk = await createMarketplace(h.db);
    const offered = async () => {
      const res = await call(mk.actors.companyAdmin, 'GET', '/recruiters?limit=100');
      expect(res.status, res.text).toBe(200);
      return res.body.data.map((r: { id: string }) => r.id);
    };
    expect(await offered()).toEqual(expect.arrayContaining([mk.recruiterId, mk.otherRecruiterId]));
    const off = await call(mk.actors.platformAdmin, 'POST', `/people/${mk.actors.otherRecruiter.userId}/deactivate`, {});
    expect(off.status, off.text).toBe(200);
    const after = await offered();
    expect(after).toContain(mk.recruiterId);
    expect(after).not.toContain(mk.otherRecruiterId);
    expect((await call(mk.actors.platformAdmin, 'POST', `/people/${mk.actors.otherRecruiter.userId}/reactivate`, {})).status).toBe(200);
    expect(await offered()).toContain(mk.otherRecruiterId);
  });
});

describe('the audit', () => {
  it('is append-only: the database refuses to edit or delete a change', async () => {
    const row = (await h.db('people_changes').where({ company_id: m.companyId }).first())!;
    await expect(h.db('people_changes').where({ id: row.id }).update({ reason: 'edited' })).rejects.toThrow(/append-only/);
    await expect(h.db('people_changes').where({ id: row.id }).delete()).rejects.toThrow(/append-only/);
  });
});
