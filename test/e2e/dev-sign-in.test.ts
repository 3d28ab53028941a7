import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { startApiHarness } from '../../testkit/harness/api-harness.js';
import { freshIp } from '../../testkit/harness/sign-in.js';
import { useBrowser } from '../support/browser.js';

// The development one-click sign-in page (#/dev-sign-in, DEV_SIGN_IN_INBOX_URL, `npm run dev`).
const b = useBrowser({ devSignIn: true });

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('the development sign-in page', () => {
  it('signs each demo user in with one click, through a real magic link read from the Resend fake', async () => {
    const { h } = b;
    const m = await createMarketplace(h.db);
    const tag = m.companyId.slice(0, 8);
    const people = [
      { actor: m.actors.companyAdmin, email: m.emails.companyAdmin, name: `Carol ${tag}`, role: 'Company admin' },
      { actor: m.actors.hiringManager, email: m.emails.hiringManager, name: `Dan ${tag}`, role: 'Hiring manager' },
      { actor: m.actors.recruiter, email: m.emails.recruiter, name: `Alice ${tag}`, role: 'Recruiter' },
      { actor: m.actors.platformAdmin, email: null, name: `Pat ${tag}`, role: 'Platform admin' },
    ];
    for (const p of people) await h.db('users').where({ id: p.actor.userId! }).update({ name: p.name });
    // A recruiter goes by their profile's display name (as the seed's Alice Archer does by both).
    await h.db('recruiters').where({ id: m.recruiterId }).update({ display_name: people[2]!.name });
    const platform = (await h.db('users').where({ id: m.actors.platformAdmin.userId! }).first())!;
    people[3]!.email = platform.email;
    const company = (await h.db('companies').where({ id: m.companyId }).first())!.name;

    const options = await h.request('GET', '/api/v1/auth/options');
    expect(options.body.devSignIn.inboxUrl).toBe(`${h.resend.url}/_fake/emails`);

    for (const p of people) {
      const page = await b.newPage();
      // Its own client address on the API's requests, so the per-IP sign-in limit counts this page alone
      // (not on the inbox's: a custom header would make the cross-origin read a preflighted one).
      const ip = freshIp();
      await page.route(`${h.baseUrl}/api/**`, (route) =>
        route.continue({ headers: { ...route.request().headers(), 'x-forwarded-for': ip } }),
      );
      // The page lists the newest users (the seed's on a dev database): other files add users to this
      // database all along, so each of ours is added again just before its turn.
      await h.db('users').where({ id: p.actor.userId! }).update({ created_at: new Date() });
      const clicked = new Date();
      await page.goto(`${h.baseUrl}/#/dev-sign-in`);
      const button = page.locator(`[data-testid="dev-sign-in-user"][data-email="${p.email}"]`);
      await button.waitFor({ timeout: 20_000 });
      await expect(button.innerText()).resolves.toBe(`${p.name} · ${p.role}`);
      await button.click();

      const who = page.getByTestId('signed-in-as');
      await who.or(page.locator('#main .alert-error')).first().waitFor({ timeout: 20_000 });
      expect(await page.locator('#main .alert-error').count(), await page.locator('#main').innerText()).toBe(0);
      const header = await who.innerText();
      expect(header).toContain(p.name);
      expect(header).toContain(p.role);
      if (p.actor.companyId) expect(header).toContain(company);
      await expect(who.getAttribute('data-role')).resolves.toBe(p.actor.role);

      // The way in was the e-mailed link: the fake holds it, its token was used once, and a session began.
      const mail = h.resend
        .emails()
        .filter((e) => e.to.includes(p.email!) && Date.parse(e.created_at) >= clicked.getTime() - 1000)
        .pop();
      const token = mail?.text?.match(/#\/sign-in\/verify\?token=([A-Za-z0-9_-]+)/)?.[1];
      expect(token, `a sign-in e-mail to ${p.email}`).toBeTruthy();
      const link = await h
        .db('magic_links')
        .where({ token_hash: sha256(token!) })
        .first();
      expect(link).toMatchObject({ user_id: p.actor.userId });
      expect(link!.used_at).toBeInstanceOf(Date);
      const session = await h.db('sessions').where({ user_id: p.actor.userId! }).where('created_at', '>=', clicked).first();
      expect(session).toBeTruthy();
      const cookies = await page.context().cookies();
      expect(cookies.some((c) => c.httpOnly && c.name.includes('session'))).toBe(true);
      // Signed in, the page is not offered again: it goes to the app.
      await page.goto(`${h.baseUrl}/#/dev-sign-in`);
      await page.waitForURL((url) => !url.hash.startsWith('#/dev-sign-in'));
      await page.close();
    }
  });

  it('is not offered when the development setting is off: no users, no inbox, only a pointer to the e-mail sign-in', async () => {
    const off = await startApiHarness();
    try {
      expect((await off.request('GET', '/api/v1/auth/options')).body.devSignIn).toBeNull();
      const page = await b.newPage();
      await page.goto(`${off.baseUrl}/#/dev-sign-in`);
      await page.getByRole('heading', { name: 'Not available' }).waitFor({ timeout: 20_000 });
      await expect(page.getByTestId('dev-sign-in-user').count()).resolves.toBe(0);
      await expect(page.locator('#main').innerText()).resolves.not.toContain('_fake/emails');
      await page.getByRole('link', { name: 'Sign in by e-mail' }).click();
      await page.getByTestId('sign-in-email').waitFor();
      // The sign-in page itself offers no one-click sign-in.
      await expect(page.locator('a[href="#/dev-sign-in"]').count()).resolves.toBe(0);
      await page.close();
    } finally {
      await off.stop();
    }
  });
});
