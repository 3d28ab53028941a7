import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { eventually, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, shownInList, useBrowser, type Actor } from '../support/browser.js';
import { emailEvent, signWebhook } from '../../testkit/fakes/resend.js';

const DAY_MS = 86_400_000;

const browser = useBrowser();
const signedIn = (actor: Actor, opts?: { holdTimers?: boolean }) => browser.signedIn(actor, opts);
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

describe('candidates in the browser', () => {
  it('a recruiter claims and e-mails a candidate; another recruiter is refused owner-neutrally; a platform admin extends the protection', async () => {
    const m = await createMarketplace(h.db);
    const candidate = await h.db('candidates').where({ id: m.candidateId }).first();
    const row = (page: Page) => page.locator(`[data-testid="candidate-row"][data-candidate-id="${m.candidateId}"]`);

    // The recruiter lands on "Mine" (nothing sourced yet), switches to all candidates and finds the candidate unclaimed.
    const rita = await signedIn(m.actors.recruiter);
    await rita.getByTestId('nav-candidates').click();
    await rita.getByTestId('empty-state').waitFor();
    expect(await rita.getByTestId('candidate-scope-filter').inputValue()).toBe('mine');
    await rita.getByTestId('candidate-scope-filter').selectOption('all');
    await rita.waitForURL(/#\/candidates\?scope=all$/);
    await shownInList(rita, row(rita).locator('[data-testid="sourcing-badge"][data-state="unclaimed"]'));
    await expect(row(rita).getByTestId('sourcing-badge').textContent()).resolves.toBe('Unclaimed');

    // Another recruiter has the list open from before the claim (a stale tab that still offers "Claim").
    const otto = await signedIn(m.actors.otherRecruiter, { holdTimers: true });
    await otto.goto(`${h.baseUrl}/#/candidates?scope=all`);
    await shownInList(otto, row(otto).getByTestId('claim'));

    // The recruiter claims: protected by them, with a countdown, also under "Mine".
    await rita.screenshot({ path: path.join(SHOTS, 'candidates-all.png'), fullPage: true });
    await row(rita).getByTestId('claim').click();
    await expect(rita.getByTestId('notice').textContent()).resolves.toContain('protected until');
    await shownInList(rita, row(rita).locator('[data-testid="sourcing-badge"][data-state="protected"][data-owned="true"]'));
    await rita.getByTestId('candidate-scope-filter').selectOption('mine');
    await rita.waitForURL(/#\/candidates$/);
    await expect(row(rita).getByTestId('sourcing-badge').textContent()).resolves.toBe('Protected by you');
    await expect(row(rita).getByTestId('countdown').textContent()).resolves.toMatch(/^\d+d \d\d:\d\d:\d\d left$/);
    await row(rita).getByTestId('release').waitFor();
    await rita.screenshot({ path: path.join(SHOTS, 'candidates-mine.png'), fullPage: true });

    // The other recruiter's claim is refused with the API's message; the row then shows the protection without its owner.
    await row(otto).getByTestId('claim').click();
    await expect(otto.getByTestId('error-alert').textContent()).resolves.toContain('already been sourced by another recruiter');
    await shownInList(otto, row(otto).locator('[data-testid="sourcing-badge"][data-state="protected"][data-owned="false"]'));
    await expect(row(otto).getByTestId('sourcing-badge').textContent()).resolves.toBe('Protected');
    expect(await row(otto).getByTestId('claim').count()).toBe(0);
    expect(await otto.content()).not.toContain(m.recruiterId);
    await otto.screenshot({ path: path.join(SHOTS, 'candidates-refused.png'), fullPage: true });
    await row(otto).getByTestId('candidate-link').click();
    await expect(otto.getByTestId('sourcing-owner').textContent()).resolves.toBe('Another recruiter');
    await otto.locator('[data-testid="sourcing-card"][data-state="protected"][data-owned="false"]').waitFor();
    // The protection closes outreach too: the form gives way to a note with the window's end, no owner named.
    expect(await otto.getByTestId('outreach-form').isHidden()).toBe(true);
    await expect(otto.getByTestId('outreach-blocked').textContent()).resolves.toContain('protection window covers this candidate until');
    expect(await otto.content()).not.toContain(m.recruiterId);

    // The recruiter opens the candidate and e-mails them: an empty subject is refused beside the field first.
    await row(rita).getByTestId('candidate-link').click();
    await expect.poll(() => rita.getByTestId('candidate-title').textContent()).toBe(candidate!.full_name); // found in the background
    await expect(rita.getByTestId('sourcing-owner').textContent()).resolves.toBe('You');
    await rita.getByTestId('field-outreach-body').fill('Hi Ada,\n\nwould you talk about a staff role at Acme?');
    await rita.getByTestId('send-outreach').click();
    const subjectError = rita.getByTestId('field-error-outreach-subject');
    await subjectError.waitFor();
    await expect(subjectError.textContent()).resolves.toMatch(/\S/);
    await expect(rita.getByTestId('field-outreach-subject').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await rita.getByTestId('field-error-outreach-body').isHidden()).toBe(true);
    await rita.screenshot({ path: path.join(SHOTS, 'candidates-outreach-error.png'), fullPage: true });
    const subject = `A staff role at Acme ${m.candidateId.slice(0, 8)}`;
    await rita.getByTestId('field-outreach-subject').fill(subject);
    await rita.getByTestId('send-outreach').click();
    await expect(rita.getByTestId('outreach-card').getByTestId('notice').textContent()).resolves.toContain(
      `E-mail sent to ${candidate!.email}`,
    );
    expect(await subjectError.isHidden()).toBe(true);
    const entry = rita.locator('[data-testid="outreach-entry"]', { hasText: subject });
    await entry.waitFor();
    await expect(entry.getByTestId('outreach-status').textContent()).resolves.toBe('Sent');

    // Resend reports the delivery by webhook: the timeline shows it by itself.
    const email = await eventually(async () => h.resend.emails().find((e) => e.subject === subject));
    if (!email) throw new Error('the outreach e-mail did not reach the Resend fake');
    const payload = JSON.stringify(emailEvent('email.delivered', email));
    const hook = await h.request('POST', '/api/v1/webhooks/resend', { rawBody: payload, headers: signWebhook(h.webhookSecret, payload) });
    expect(hook.status).toBe(200);
    await rita.locator(`[data-testid="outreach-entry"][data-status="delivered"]`).waitFor({ timeout: 20_000 });
    await expect(
      entry.locator('[data-testid="outreach-event"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-type'))),
    ).resolves.toEqual(['email.delivered']);
    await rita.screenshot({ path: path.join(SHOTS, 'candidates-detail.png'), fullPage: true });

    // A platform admin sees the owner, and extends the protection (a reason is required, shown beside its field).
    const before = (await h.request('GET', `/api/v1/candidates/${m.candidateId}/sourcing`, { actor: m.actors.platformAdmin })).body;
    const admin = await signedIn(m.actors.platformAdmin);
    await admin.getByTestId('nav-candidates').click();
    expect(await admin.getByTestId('candidate-scope-filter').count()).toBe(0);
    await shownInList(admin, row(admin).locator(`[data-testid="sourcer"][data-recruiter-id="${m.recruiterId}"]`));
    await row(admin).getByTestId('candidate-link').click();
    await admin.locator(`[data-testid="sourcing-owner"] [data-recruiter-id="${m.recruiterId}"]`).waitFor();
    await admin.getByTestId('override-form').waitFor(); // the recruiters loaded: the owner is named too
    await expect(admin.getByTestId('sourcing-owner').textContent()).resolves.toContain('Rita Recruiter');
    await admin.getByTestId('field-extend-days').fill('30');
    await admin.getByTestId('submit-extend').click();
    const reasonError = admin.getByTestId('field-error-extend-reason');
    await reasonError.waitFor();
    await expect(reasonError.textContent()).resolves.toMatch(/\S/);
    await admin.getByTestId('field-extend-reason').fill('The candidate asked for time to decide');
    await admin.getByTestId('submit-extend').click();
    await expect(admin.getByTestId('messages').getByTestId('notice').textContent()).resolves.toContain('Protection extended until');
    const after = (await h.request('GET', `/api/v1/candidates/${m.candidateId}/sourcing`, { actor: m.actors.platformAdmin })).body;
    expect(Date.parse(after.protectionEndsAt) - Date.parse(before.protectionEndsAt)).toBe(30 * DAY_MS);
    await admin.getByTestId('sourcing-ends-at').getByTestId('countdown').waitFor();
    await admin.screenshot({ path: path.join(SHOTS, 'candidates-admin.png'), fullPage: true });
  });
});
