import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { freshIp } from '../../testkit/harness/sign-in.js';
import type { ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, overflow, shownInList, useBrowser } from '../support/browser.js';
import { linkFromInbox, pageFrom, signInByLink } from '../support/inbox.js';

const browser = useBrowser();
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };
/** `05e4…0002` (format.js's shortId) or a whole UUID: what a page must never show in place of a name. */
const ID_TEXT = /[0-9a-f]{4}…[0-9a-f]{4}|[0-9a-f]{8}-[0-9a-f]{4}-/;

describe('people in the browser', () => {
  it("a company admin invites a hiring manager (a bad e-mail and one already in use refused by the field), resends the invitation, changes their role and deactivates them: the deactivated person's open session is refused at its next action, the history names who did what; reactivated, they may sign in again", async () => {
    const m = await createMarketplace(h.db);
    const tag = randomUUID().slice(0, 8);
    const name = `Hana ${tag}`;
    const email = `hana-${tag}@acme.test`;

    const admin = await browser.signedIn(m.actors.companyAdmin, { viewport: DESKTOP });
    await admin.setExtraHTTPHeaders({ 'x-forwarded-for': freshIp() }); // resending is rate-limited per address like sign-in links
    await admin.getByTestId('nav-people').click();
    await admin.getByTestId('invite-form').waitFor();
    await admin.getByTestId('field-invite-name').fill(name);
    await admin.getByTestId('field-invite-email').fill('hana at acme');
    await admin.getByTestId('field-invite-role').selectOption('hiring_manager');
    await admin.getByTestId('submit-invite').click();
    // The API's refusal sits by the e-mail field; nobody is invited.
    const emailError = admin.getByTestId('field-error-invite-email');
    await emailError.waitFor();
    expect(await emailError.textContent()).toMatch(/e-?mail/i);
    await expect(admin.getByTestId('field-invite-email').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await h.db('users').where({ name })).toHaveLength(0);
    await admin.screenshot({ path: path.join(SHOTS, 'people-invite-error.png'), fullPage: true });
    // An address that already has an account, typed in another case: refused beside the field too.
    await admin.getByTestId('field-invite-email').fill(` ${m.emails.hiringManager.toUpperCase()} `);
    await admin.getByTestId('submit-invite').click();
    await expect.poll(() => emailError.textContent()).toBe('this e-mail address already belongs to an account');
    expect(await h.db('users').where({ name })).toHaveLength(0);

    await admin.getByTestId('field-invite-email').fill(email);
    await admin.getByTestId('submit-invite').click();
    await admin.getByTestId('invite-form').getByTestId('notice').waitFor();
    await expect(admin.getByTestId('field-error-invite-email').isVisible()).resolves.toBe(false);
    const row = admin.getByTestId('person-row').filter({ hasText: email });
    await shownInList(admin, row);
    await expect(row.getByTestId('person-status').getAttribute('data-state')).resolves.toBe('invited');
    await expect(row.getByTestId('person-role').textContent()).resolves.toBe('Hiring manager');
    await expect(row.getByTestId('person-invited-by').textContent()).resolves.toMatch(/^Admin · /);
    const personId = (await row.getAttribute('data-person-id'))!;
    await admin.screenshot({ path: path.join(SHOTS, 'people-list.png'), fullPage: true });

    // Her page offers to send the invitation again while it is unused (the earlier link then stops working).
    await row.getByTestId('person-link').click();
    await expect(admin.getByTestId('person-name').textContent()).resolves.toBe(name);
    const resent = new Date();
    await admin.getByTestId('resend-invitation').click();
    await admin.getByTestId('messages').getByTestId('notice').waitFor();

    // Hana follows the e-mailed invitation and is signed in: her browser holds a session cookie.
    const hana = await pageFrom(() => browser.newPage());
    // Her tab's clock holds still, so its lists never refresh by themselves: the refusal below answers her own click.
    await hana.clock.install();
    await hana.clock.pauseAt(new Date(Date.now() + 1000));
    await hana.goto(await linkFromInbox(h, email, resent));
    await hana.getByTestId('signed-in-as').waitFor();
    await expect(hana.getByTestId('signed-in-as').textContent()).resolves.toContain(name);

    // The admin sees her active now, and changes her role.
    await admin.reload();
    await admin.locator('[data-testid="person-status"][data-state="active"]').waitFor();
    await expect(admin.getByTestId('resend-invitation').count()).resolves.toBe(0);
    await admin.getByTestId('person-role-select').selectOption('company_admin');
    await admin.getByTestId('change-role').click();
    await expect.poll(() => admin.getByTestId('person-role').textContent()).toBe('Company admin');
    expect((await h.db('users').where({ id: personId }).first())!.role).toBe('company_admin');

    // Deactivating asks for an optional reason and a second click.
    await admin.getByTestId('deactivate').click();
    await admin.getByTestId('deactivate-reason').fill('Left the company.');
    await admin.screenshot({ path: path.join(SHOTS, 'person-deactivate.png'), fullPage: true });
    await admin.getByTestId('confirm-deactivate').click();
    await admin.locator('[data-testid="person-status"][data-state="deactivated"]').waitFor();
    await admin.getByTestId('reactivate').waitFor();

    // Hana's tab is still open; her next action is refused and the app sends her to sign in.
    const refusedClick = hana.waitForResponse((r) => r.url().includes('/api/v1/jobs') && r.status() === 401);
    await hana.getByTestId('nav-jobs').click();
    await refusedClick;
    await hana.getByTestId('sign-in-email').waitFor();
    await expect(hana.getByTestId('notice').textContent()).resolves.toBe('Your session has ended. Please sign in again.');
    await expect(hana.getByTestId('signed-in-as').isVisible()).resolves.toBe(false);
    const refused = await h.request('GET', '/api/v1/me', {
      headers: { cookie: (await hana.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    expect(refused.status).toBe(401);

    // The history: every change with who made it, by name, never an id.
    const history = admin.getByTestId('person-history');
    await history.getByTestId('person-change').filter({ hasText: 'Deactivated' }).waitFor();
    const changes = await history.getByTestId('person-change').evaluateAll((els) => els.map((e) => e.getAttribute('data-change')));
    expect([...changes].sort()).toEqual(['deactivated', 'invitation_resent', 'invited', 'role_changed', 'signed_in_first_time']);
    const entry = (change: string) => history.locator(`[data-testid="person-change"][data-change="${change}"]`);
    await expect(entry('invited').getByTestId('person-change-actor').textContent()).resolves.toBe('Admin (Company admin)');
    await expect(entry('role_changed').getByTestId('person-change-actor').textContent()).resolves.toBe('Admin (Company admin)');
    await expect(entry('role_changed').locator('[data-testid="person-change-value"][data-field="role"]').textContent()).resolves.toBe(
      'Role: Hiring manager → Company admin',
    );
    await expect(entry('deactivated').locator('[data-testid="person-change-value"][data-field="status"]').textContent()).resolves.toBe(
      'Status: Active → Deactivated',
    );
    await expect(entry('deactivated').getByTestId('person-change-reason').textContent()).resolves.toBe('Left the company.');
    await expect(entry('signed_in_first_time').getByTestId('person-change-actor').textContent()).resolves.toContain(name);
    expect(await history.innerText()).not.toMatch(ID_TEXT);
    await admin.screenshot({ path: path.join(SHOTS, 'person-history.png'), fullPage: true });

    // Reactivated, she may sign in again (by a new link: her old session stays ended).
    await admin.getByTestId('reactivate').click();
    await admin.locator('[data-testid="person-status"][data-state="active"]').waitFor();
    await history.locator('[data-testid="person-change"][data-change="reactivated"]').waitFor();
    expect((await h.db('users').where({ id: personId }).first())!.deactivated_at).toBeNull();
    await signInByLink(hana, h, email);
    await expect(hana.getByTestId('signed-in-as').textContent()).resolves.toContain(name);
  });

  it('keeps the people, person and companies pages inside the screen at 1400 px and at 390 px, every cell labelled on a phone', async () => {
    const m = await createMarketplace(h.db);
    const tag = randomUUID().slice(0, 8);
    // A long name and address, as people have.
    const long = await h.request('POST', '/api/v1/people/invitations', {
      actor: m.actors.companyAdmin,
      body: {
        name: `Maximiliane Theodora ${tag} von Lindenberg-Hohenstein`,
        email: `maximiliane.theodora.${tag}.lindenberg@acme.test`,
        role: 'hiring_manager',
      },
    });
    expect(long.status).toBe(201);
    for (const [label, viewport] of [
      ['1400', DESKTOP],
      ['390', PHONE],
    ] as const) {
      const pages: [Page, string, string][] = [];
      const admin = await browser.signedIn(m.actors.companyAdmin, { viewport });
      const platform = await browser.signedIn(m.actors.platformAdmin, { viewport });
      pages.push([admin, '#/people', 'people-company-admin'], [admin, `#/people/${long.body.id}`, 'person']);
      pages.push([platform, '#/people', 'people-platform-admin'], [platform, '#/companies', 'companies']);
      for (const [page, hash, name] of pages) {
        await page.goto(`${h.baseUrl}/${hash}`);
        await page.locator('main h1').first().waitFor();
        await page.waitForSelector('main [data-testid="loading"]', { state: 'detached' });
        await page.locator('main .table tbody tr, main [data-testid="person-fields"]').first().waitFor();
        expect(await page.getByTestId('error-alert').count(), `${name} ${label}`).toBe(0);
        expect(await overflow(page, 'main, main .table-wrap, main .table, main .card'), `${name} ${label}`).toEqual({ page: 0, boxes: [] });
        const unlabelled = await page
          .locator('main .table tbody td:not([colspan])')
          .evaluateAll((tds) => tds.filter((td) => !td.getAttribute('data-label')).length);
        expect(unlabelled, `${name} ${label}`).toBe(0);
        await page.screenshot({ path: path.join(SHOTS, `layout-${name}-${label}.png`), fullPage: true });
      }
      // The platform admin's menu (the longest, with People) and session stay on one row on a wide screen…
      if (label === '1400') {
        const centres = await platform.locator('.topbar .brand, #nav a, #session').evaluateAll((els) =>
          els.map((el) => {
            const box = el.getBoundingClientRect();
            return Math.round(box.top + box.height / 2);
          }),
        );
        expect(new Set(centres).size, `row centres ${centres.join(', ')}`).toBe(1);
        // …with their name and role in full beside the longest menu.
        expect(await overflow(platform, '#session .who')).toEqual({ page: 0, boxes: [] });
      }
      await admin.close();
      await platform.close();
    }
  });

  it('"Load more" brings the next page of a list, not the first again, also past people added in one statement (one shared microsecond)', async () => {
    const m = await createMarketplace(h.db);
    const tag = randomUUID().slice(0, 8);
    await h.db('users').insert(
      Array.from({ length: 25 }, (_, i) => ({
        name: `Bulk ${String(i).padStart(2, '0')} ${tag}`,
        email: `bulk-${i}-${tag}@acme.test`,
        role: 'hiring_manager' as const,
        company_id: m.companyId,
      })),
    );
    const admin = await browser.signedIn(m.actors.companyAdmin, { viewport: DESKTOP });
    await admin.getByTestId('nav-people').click();
    const rows = admin.getByTestId('person-row');
    await expect.poll(() => rows.count()).toBe(20);
    await admin.getByTestId('load-more').click();
    await expect.poll(() => rows.count()).toBe(27); // the 25, the admin and the hiring manager
    const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-person-id')));
    expect(new Set(ids).size).toBe(27);
    expect(await admin.getByTestId('load-more').isHidden()).toBe(true);
    await admin.close();
  });
});
