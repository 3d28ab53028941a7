import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createMarketplace } from '../../testkit/harness/factories.js';
import type { ApiHarness } from '../../testkit/harness/api-harness.js';
import type { Actor } from '../../domain/actors.js';
import { SHOTS, useBrowser } from '../support/browser.js';

const browser = useBrowser();
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

describe('holders and partners in the browser', () => {
  it('a company admin makes a recruiter the holder of a job the marketplace does not see; the holder shares it with a partner, who finds and opens it', async () => {
    const m = await createMarketplace(h.db);
    // A word no other job in the shared database has, so the recruiters' search finds this one.
    const word = `numbat${randomUUID()
      .replace(/[^a-f]/g, '')
      .slice(0, 8)}`;
    await h
      .db('jobs')
      .where({ id: m.jobId })
      .update({ title: `Rust Engineer ${word}`, shared_with_marketplace: false });
    // A partner whose name no other test's recruiter has.
    const partnerName = `Paula Partner ${randomUUID().slice(0, 6)}`;
    const [partnerUser, partnerId] = [randomUUID(), randomUUID()];
    await h.db('users').insert({ id: partnerUser, email: `paula-${partnerUser}@recruiters.test`, name: partnerName, role: 'recruiter' });
    await h.db('recruiters').insert({ id: partnerId, user_id: partnerUser, display_name: partnerName });
    const partner: Actor = { userId: partnerUser, role: 'recruiter', recruiterId: partnerId };

    // The company admin chooses the holder on the job's page.
    const admin = await browser.signedIn(m.actors.companyAdmin);
    await admin.goto(`${h.baseUrl}/#/jobs/${m.jobId}`);
    await expect(admin.getByTestId('job-holder').textContent()).resolves.toBe('None');
    await admin.getByTestId('holder-select').selectOption(m.recruiterId);
    await admin.getByTestId('holder-submit').click();
    await expect(admin.getByTestId('notice').textContent()).resolves.toContain('Rita Recruiter now holds this job');
    await expect(admin.getByTestId('job-holder').textContent()).resolves.toBe('Rita Recruiter');

    // The holder finds it among their jobs, held by them, and shares it.
    const rita = await browser.signedIn(m.actors.recruiter);
    await rita.goto(`${h.baseUrl}/#/jobs?q=${word}`);
    const held = rita.locator(`[data-testid="job-row"][data-job-id="${m.jobId}"]`);
    await held.waitFor();
    await expect(held.getByTestId('job-access').textContent()).resolves.toBe('Held by you');
    await held.getByTestId('job-link').click();
    await expect(rita.getByTestId('job-access').textContent()).resolves.toBe('Held by you');
    await rita.getByTestId('partners-empty').waitFor();
    await rita.getByTestId('partner-select').selectOption(partnerId);
    await rita.getByTestId('partner-submit').click();
    await expect(rita.getByTestId('notice').textContent()).resolves.toBe(`Shared with ${partnerName}.`);
    await expect(rita.getByTestId('partner-name').allTextContents()).resolves.toEqual([partnerName]);
    await rita.screenshot({ path: path.join(SHOTS, 'job-share-with-partners.png'), fullPage: true });

    // The partner sees it in their jobs, shared with them by the holder, opens it and may propose.
    const paula = await browser.signedIn(partner);
    await paula.goto(`${h.baseUrl}/#/jobs?q=${word}`);
    const shared = paula.locator(`[data-testid="job-row"][data-job-id="${m.jobId}"]`);
    await shared.waitFor();
    await expect(shared.getByTestId('job-access').textContent()).resolves.toBe('Shared with you by Rita Recruiter');
    await shared.getByTestId('job-link').click();
    await expect(paula.getByTestId('job-title').textContent()).resolves.toBe(`Rust Engineer ${word}`);
    await expect(paula.getByTestId('job-access').textContent()).resolves.toBe('Shared with you by Rita Recruiter');
    await paula.getByTestId('propose-for-job').waitFor();
    // A partner manages nothing and sees no other partners.
    expect(await paula.getByTestId('job-sharing').count()).toBe(0);

    // The company's history names who did what.
    await admin.reload();
    await admin.getByTestId('job-change').first().waitFor();
    await expect(admin.getByTestId('job-change').evaluateAll((els) => els.map((e) => e.getAttribute('data-change')))).resolves.toEqual([
      'partner_added',
      'holder_set',
    ]);
    await expect(admin.getByTestId('job-history').textContent()).resolves.toContain(`Partner: — → ${partnerName}`);
    await expect(admin.getByTestId('partner-name').allTextContents()).resolves.toEqual([partnerName]);
    await admin.screenshot({ path: path.join(SHOTS, 'job-holder-company.png'), fullPage: true });
  });
});
