import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { createMarketplace } from '../../testkit/harness/factories.js';
import type { ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, useBrowser } from '../support/browser.js';

const browser = useBrowser();
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

describe('jobs in the browser', () => {
  it("a company admin posts a job (the form shows the API's errors by their fields), pauses and reopens it; a recruiter finds it by full-text search and opens it", async () => {
    const m = await createMarketplace(h.db);
    // A word no other job in the shared database has, so the search finds this one.
    const word = `wombat${randomUUID()
      .replace(/[^a-f]/g, '')
      .slice(0, 8)}`;

    const admin = await browser.signedIn(m.actors.companyAdmin);
    await admin.getByTestId('nav-jobs').click();
    await admin.getByTestId('post-job').click();
    const field = (page: Page, name: string) => page.getByTestId(`field-${name}`);
    await field(admin, 'title').fill('Platform Engineer');
    await field(admin, 'description').fill(`Own the ${word} billing pipeline, end to end.`);
    await field(admin, 'location').fill('Amsterdam');
    await field(admin, 'remote').selectOption('hybrid');
    await field(admin, 'salary-minCents').fill('90000');
    await field(admin, 'salary-maxCents').fill('70000');
    await field(admin, 'salary-currency').selectOption('EUR');
    await field(admin, 'fee-percentBps').fill('18.5');
    // The API refuses a range whose maximum is below its minimum: the message sits by the field, nothing is posted.
    await admin.getByTestId('submit-job').click();
    await admin.getByTestId('field-error-salary-maxCents').waitFor();
    await expect(admin.getByTestId('field-error-salary-maxCents').textContent()).resolves.toBe('the maximum must be at least the minimum');
    expect(await h.db('jobs').where({ company_id: m.companyId, title: 'Platform Engineer' })).toHaveLength(0);
    await admin.screenshot({ path: path.join(SHOTS, 'job-form-error.png'), fullPage: true });

    await field(admin, 'salary-maxCents').fill('120000');
    await admin.getByTestId('submit-job').click();
    await admin.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const jobId = admin.url().split('/').pop()!;
    await expect(admin.getByTestId('notice').textContent()).resolves.toContain('Job posted');
    await expect(admin.getByTestId('job-fee').textContent()).resolves.toBe('18.5 % of first-year salary');
    await expect(admin.getByTestId('job-salary').textContent()).resolves.toBe('EUR 90,000.00 – EUR 120,000.00');

    // The detail has loaded its history too (its last render), so the button clicked is the one shown.
    await admin.getByTestId('job-change').first().waitFor();
    await admin.getByTestId('job-pause').click();
    await admin.locator('[data-testid="job-status"][data-state="paused"]').waitFor();
    await admin.getByTestId('job-open').click();
    await admin.locator('[data-testid="job-status"][data-state="open"]').waitFor();
    await expect(admin.getByTestId('job-change').evaluateAll((els) => els.map((e) => e.getAttribute('data-change')))).resolves.toEqual([
      'opened',
      'paused',
      'created',
    ]);
    await admin.screenshot({ path: path.join(SHOTS, 'job-detail-company.png'), fullPage: true });
    expect((await h.db('jobs').where({ id: jobId }).first())!.status).toBe('open');

    // The company's list shows the job with its commands.
    await admin.getByTestId('nav-jobs').click();
    const adminRow = admin.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await adminRow.getByTestId('job-pause').waitFor();

    // A recruiter searches the marketplace for a word of the description and opens the job.
    const rita = await browser.signedIn(m.actors.recruiter);
    await rita.getByTestId('nav-jobs').click();
    await rita.getByTestId('job-filter-q').fill(word);
    await rita.getByTestId('job-filter-remote').selectOption('hybrid');
    await rita.getByTestId('job-search').click();
    await rita.waitForURL(new RegExp(`#/jobs\\?q=${word}&remote=hybrid$`));
    const row = rita.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await row.waitFor();
    expect(await rita.getByTestId('job-row').count()).toBe(1);
    await expect(row.getByTestId('job-fee').textContent()).resolves.toBe('18.5 % of first-year salary');
    await rita.screenshot({ path: path.join(SHOTS, 'jobs-marketplace-search.png'), fullPage: true });
    await row.getByTestId('job-link').click();
    await expect(rita.getByTestId('job-title').textContent()).resolves.toBe('Platform Engineer');
    await expect(rita.getByTestId('job-description').textContent()).resolves.toContain(word);
    expect(await rita.getByTestId('job-history').count()).toBe(0);
    await rita.getByTestId('propose-for-job').click();
    await rita.waitForURL(new RegExp(`#/proposals/new\\?job=${jobId}$`));
    await expect(rita.getByTestId('field-jobId').inputValue()).resolves.toBe(jobId);
  });
});
