import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { linkTokenFor } from '../../testkit/harness/sign-in.js';
import { SHOTS, useBrowser } from '../support/browser.js';

const b = useBrowser();

describe('signing in by e-mail', () => {
  it('a user asks for a link, follows it from the inbox, sees their name, creates an API key and signs out', async () => {
    const { h } = b;
    const m = await createMarketplace(h.db);
    const email = m.emails.companyAdmin;
    const page = await b.newPage();
    await page.goto(`${h.baseUrl}/`);

    const asked = new Date();
    await page.getByTestId('sign-in-email').fill(email);
    await page.getByTestId('sign-in-email-submit').click();
    await expect(page.getByTestId('sign-in-sent').textContent()).resolves.toContain('Check your inbox');
    await page.screenshot({ path: path.join(SHOTS, 'sign-in-sent.png') });

    // The link as e-mailed, on this test server's address (the harness's API_PUBLIC_URL is the default one).
    const token = await linkTokenFor(h, email, asked);
    const mail = h.resend.emails().find((e) => e.text?.includes(token))!;
    const link = new URL(mail.text!.match(/https?:\/\/\S+/)![0]);
    expect(link.hash).toBe(`#/sign-in/verify?token=${token}`);
    await page.goto(`${h.baseUrl}/${link.hash}`);
    await page.getByTestId('signed-in-as').waitFor();
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('Admin');
    // The token has left the address bar, and the session is a cookie the page's scripts cannot read.
    expect(page.url()).not.toContain(token);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'splits_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate('window.localStorage.getItem("splits.token")')).toBeNull();
    // A used link does not sign anyone in again.
    expect((await h.request('POST', '/api/v1/auth/verify', { body: { token } })).status).toBe(400);

    await page.getByTestId('user-menu').locator('summary').click();
    await page.getByTestId('menu-account').click();
    await expect(page.getByTestId('profile-email').textContent()).resolves.toBe(email);
    await page.getByTestId('api-key-name').fill('Nightly export');
    await page.getByTestId('create-api-key').click();
    const key = (await page.getByTestId('new-api-key').textContent())!;
    expect(key).toMatch(/^spk_/);
    await page.getByTestId('api-key-row').filter({ hasText: 'Nightly export' }).waitFor();
    await expect(page.getByTestId('api-keys').textContent()).resolves.not.toContain(key);
    await page.screenshot({ path: path.join(SHOTS, 'account-api-keys.png') });
    expect((await h.request('GET', '/api/v1/me', { token: key })).body).toMatchObject({
      userId: m.actors.companyAdmin.userId,
      role: 'company_admin',
    });

    await page.getByTestId('user-menu').locator('summary').click();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-email').waitFor();
    const session = (await h.db('sessions').where({ user_id: m.actors.companyAdmin.userId! }).orderBy('created_at', 'desc').first())!;
    expect(session.revoked_at).toBeInstanceOf(Date);
    await page.reload();
    await page.getByTestId('sign-in-email').waitFor();
    expect(await page.getByTestId('signed-in-as').isVisible()).toBe(false);
    await page.close();
  });
});
