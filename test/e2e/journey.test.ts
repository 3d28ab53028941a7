import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, shownInList, useBrowser } from '../support/browser.js';
import { linkFromInbox, pageFrom, signInByLink } from '../support/inbox.js';

const browser = useBrowser();
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `journey-${name}.png`), fullPage: true });

describe('the marketplace from nothing, in the browser', () => {
  it('a platform admin creates a company with its first admin and onboards a recruiter; each follows their invitation; the company posts a job, the recruiter adds a candidate (a second add of the same e-mail is caught) and proposes them; the company accepts', async () => {
    const tag = randomUUID().slice(0, 8);
    // The one person who exists before the journey: a platform admin.
    const pat = { email: `pat-${tag}@splits.test`, name: `Pat ${tag}` };
    await h.db('users').insert({ id: randomUUID(), email: pat.email, name: pat.name, role: 'platform_admin' });
    const company = { name: `Journey Works ${tag}`, admin: `Cora ${tag}`, email: `cora-${tag}@journey.test` };
    const recruiter = { name: `Remy ${tag}`, email: `remy-${tag}@recruiters.test` };
    const candidate = { name: `Ada ${tag}`, email: `ada.${tag}@example.com` };
    // A word of letters only (as jobs.test.ts makes one) that no other job has, for the marketplace's full-text search.
    const word = `kestrel${randomUUID()
      .replace(/[^a-f]/g, '')
      .slice(0, 8)}`;

    // 1. The platform admin asks for a sign-in link, follows it, creates the company with its first admin.
    const admin = await pageFrom(() => browser.newPage());
    await signInByLink(admin, h, pat.email);
    await expect(admin.getByTestId('signed-in-as').textContent()).resolves.toContain(pat.name);
    await admin.getByTestId('nav-people').click();
    await admin.getByTestId('open-companies').click();
    await admin.getByTestId('company-form').waitFor();
    await admin.getByTestId('field-company-name').fill(company.name);
    await admin.getByTestId('field-firstAdmin-name').fill(company.admin);
    await admin.getByTestId('field-firstAdmin-email').fill(company.email);
    const companyCreated = new Date();
    await admin.getByTestId('submit-company').click();
    await admin.getByTestId('company-form').getByTestId('notice').waitFor();
    const companyRow = admin.getByTestId('company-row').filter({ hasText: company.name });
    await shownInList(admin, companyRow);
    await shot(admin, 'companies');

    // The company's people: its first admin, invited by the platform admin, by name.
    await companyRow.getByTestId('company-people').click();
    await admin.locator('main h1', { hasText: `People at ${company.name}` }).waitFor();
    const coraRow = admin.getByTestId('person-row').filter({ hasText: company.email });
    await coraRow.waitFor();
    expect(await admin.getByTestId('person-row').count()).toBe(1);
    await expect(coraRow.getByTestId('person-status').getAttribute('data-state')).resolves.toBe('invited');
    await expect(coraRow.getByTestId('person-role').textContent()).resolves.toBe('Company admin');
    await expect(coraRow.getByTestId('person-invited-by').textContent()).resolves.toMatch(new RegExp(`^${pat.name} · `));

    // …and onboards a recruiter.
    await admin.getByTestId('jump-recruiter').click();
    await admin.getByTestId('field-recruiter-name').fill(recruiter.name);
    await admin.getByTestId('field-recruiter-email').fill(recruiter.email);
    const recruiterInvited = new Date();
    await admin.getByTestId('submit-recruiter').click();
    await admin.getByTestId('recruiter-form').getByTestId('notice').waitFor();
    await shot(admin, 'people-platform-admin');

    // 2. The company's first admin follows the invitation and posts a job shared with the marketplace.
    const cora = await pageFrom(() => browser.newPage());
    await cora.goto(await linkFromInbox(h, company.email, companyCreated));
    await cora.getByTestId('signed-in-as').waitFor();
    await expect(cora.getByTestId('signed-in-as').textContent()).resolves.toContain(company.name);
    await cora.getByTestId('nav-jobs').click();
    await cora.getByTestId('post-job').click();
    await cora.getByTestId('field-title').fill(`Data Engineer ${tag}`);
    await cora.getByTestId('field-description').fill(`Build the ${word} pipelines.`);
    await cora.getByTestId('field-fee-percentBps').fill('20');
    await expect(cora.getByTestId('field-sharedWithMarketplace').isChecked()).resolves.toBe(true);
    await cora.getByTestId('submit-job').click();
    await cora.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const jobId = cora.url().split('/').pop()!;
    await shot(cora, 'job');

    // 3. The recruiter follows their invitation, adds a candidate, and tries to add them again.
    const remy = await pageFrom(() => browser.newPage());
    await remy.goto(await linkFromInbox(h, recruiter.email, recruiterInvited));
    await remy.getByTestId('signed-in-as').waitFor();
    await expect(remy.getByTestId('signed-in-as').textContent()).resolves.toContain(recruiter.name);
    await remy.getByTestId('nav-candidates').click();
    await remy.getByTestId('new-candidate').click();
    await remy.getByTestId('field-fullName').fill(candidate.name);
    await remy.getByTestId('field-email').fill(candidate.email);
    await remy.getByTestId('submit-candidate').click();
    await remy.waitForURL(/#\/candidates\/[0-9a-f-]{36}\/profile$/);
    const candidateId = /#\/candidates\/([0-9a-f-]{36})\/profile/.exec(remy.url())![1]!;

    await remy.getByTestId('nav-candidates').click();
    await remy.getByTestId('new-candidate').click();
    await remy.getByTestId('field-fullName').fill(`A. ${tag}`);
    await remy.getByTestId('field-email').fill(`  ${candidate.email.toUpperCase()} `);
    await remy.getByTestId('submit-candidate').click();
    await remy.getByTestId('duplicate-prompt').waitFor();
    await expect(remy.getByTestId('duplicate-link').getAttribute('href')).resolves.toBe(`#/candidates/${candidateId}/profile`);
    expect(await h.db('candidates').where({ email_normalized: candidate.email })).toHaveLength(1);
    await shot(remy, 'duplicate');

    // …finds the job in the marketplace and proposes the candidate for it.
    await remy.getByTestId('nav-jobs').click();
    await remy.getByTestId('job-filter-q').fill(word);
    await remy.getByTestId('job-search').click();
    await remy.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`).getByTestId('job-link').click();
    await remy.getByTestId('propose-for-job').click();
    await expect.poll(() => remy.getByTestId('field-jobId').inputValue()).toBe(jobId);
    await remy.getByTestId('field-candidateId').selectOption(candidateId);
    await remy.getByTestId('field-pitch').fill(`Ran the pipelines at ${tag} for five years.`);
    await remy.getByTestId('submit-proposal').click();
    await remy.waitForURL(/#\/proposals\/[0-9a-f-]{36}$/);
    const proposalId = remy.url().split('/').pop()!;
    await remy.locator('[data-testid="state-badge"][data-state="proposed"]').first().waitFor();

    // 4. The company admin finds the proposal in their list and accepts it.
    await cora.getByTestId('nav-proposals').click();
    await cora.locator(`[data-testid="proposal-row"][data-proposal-id="${proposalId}"]`).waitFor();
    await cora.goto(`${h.baseUrl}/#/proposals/${proposalId}`);
    await cora.getByTestId('action-accept').click();
    await cora.locator('[data-testid="state-badge"][data-state="accepted"]').first().waitFor();
    await shot(cora, 'accepted');

    // 5. The proposal shows accepted to the recruiter too, with who accepted it by name.
    await remy.reload();
    await remy.locator('[data-testid="state-badge"][data-state="accepted"]').first().waitFor();
    const actors = await remy.getByTestId('history-actor').allTextContents();
    expect(actors.some((a) => a.startsWith(`${company.admin} (Company admin`))).toBe(true);
    await shot(remy, 'proposal-accepted');
  }, 180_000);
});
