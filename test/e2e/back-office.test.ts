import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { connectAccount, createMarketplace, placementBody, type Marketplace } from '../support/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { startGreenhouseFake } from '../fakes/ats/greenhouse.js';
import { seedSmall } from '../support/ats-harness.js';

/** Screenshots of the views, for people to look at (git-ignored). */
const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');

let h: ApiHarness;
let browser: Browser;
beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  [h, browser] = await Promise.all([startApiHarness(), chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] })]);
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

async function signedIn(m: Marketplace, actor: Marketplace['actors'][keyof Marketplace['actors']]): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${h.baseUrl}/`);
  await page.getByTestId('sign-in-token').fill(await h.token(actor));
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('signed-in-as').waitFor();
  return page;
}

describe('the back office in the browser', () => {
  it('a proposal accepted in the company\'s view triggers a rule; the admin approves it in the inbox and the application moves', async () => {
    const m = await createMarketplace(h.db);
    const rule = await h.request('POST', '/api/v1/automation/rules', {
      actor: m.actors.companyAdmin,
      body: { name: 'Screen accepted candidates', trigger: 'proposal.accepted', actions: [{ type: 'advance_stage', stage: 'screening' }], requiresApproval: true },
    });
    expect(rule.status).toBe(201);
    const proposal = await h.request('POST', '/api/v1/proposals', { actor: m.actors.recruiter, body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Great fit.' } });

    // The company admin accepts in the proposal's page.
    const admin = await signedIn(m, m.actors.companyAdmin);
    await admin.goto(`${h.baseUrl}/#/proposals/${proposal.body.id}`);
    await admin.getByTestId('action-accept').click();
    await admin.locator('[data-testid="state-badge"][data-state="accepted"]').first().waitFor();

    // The approval appears in the inbox (the view refreshes by itself).
    await admin.getByTestId('nav-approvals').click();
    const card = admin.locator('[data-testid="approval-card"][data-status="pending"]');
    await card.waitFor({ timeout: 20_000 });
    await expect(card.textContent()).resolves.toContain('Move the application to screening');
    await admin.screenshot({ path: path.join(SHOTS, 'approvals-inbox.png'), fullPage: true });
    await card.getByTestId('approve').click();
    await admin.getByTestId('notice').waitFor();
    await expect(admin.getByTestId('notice').textContent()).resolves.toContain('Approved');

    const moved = await eventually(async () => {
      const app = await h.db('applications').where({ source_proposal_id: proposal.body.id }).first();
      return app?.stage === 'screening' ? app : undefined;
    }, 20_000);
    expect(moved.stage).toBe('screening');
    await admin.goto(`${h.baseUrl}/#/approvals?status=approved`);
    await admin.locator('[data-testid="approval-card"][data-status="approved"]').waitFor();
    await admin.screenshot({ path: path.join(SHOTS, 'approvals-approved.png'), fullPage: true });

    // A recruiter has no inbox.
    const recruiter = await signedIn(m, m.actors.recruiter);
    expect(await recruiter.getByTestId('nav-approvals').count()).toBe(0);
  });

  it('a platform admin finds a blocked payout and unblocks it by paying the split to a new account', async () => {
    const m = await createMarketplace(h.db);
    await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId, false), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
    const { body: placement } = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    expect((await h.request('POST', `/api/v1/placements/${placement.id}/activate`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(200);
    const payout = await eventually(async () => (await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${placement.id}`, { actor: m.actors.platformAdmin })).body.data[0], 20_000);

    const admin = await signedIn(m, m.actors.platformAdmin);
    await admin.getByTestId('nav-payouts').click();
    const card = admin.locator(`[data-testid="payout-card"][data-payout-id="${payout.id}"]`);
    await card.waitFor();
    const blocked = card.locator('[data-testid="split-row"][data-status="blocked"]');
    await expect(blocked.getByTestId('block-reason').textContent()).resolves.toMatch(/capabilit/);
    await admin.screenshot({ path: path.join(SHOTS, 'payouts-blocked.png'), fullPage: true });

    // A malformed account id is refused with the API's field message; a real one pays the split.
    const actions = card.getByTestId('split-actions');
    await actions.getByTestId('new-account').fill('not-an-account');
    await actions.getByTestId('change-account').click();
    await expect(admin.getByTestId('error-alert').textContent()).resolves.toContain('acct_');
    const account = await connectAccount(h.db, h.stripe, m.recruiterId);
    await actions.getByTestId('new-account').fill(account);
    await actions.getByTestId('change-account').click();
    await admin.getByTestId('notice').waitFor();
    const paid = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/payouts/${payout.id}`, { actor: m.actors.platformAdmin });
      return body.status === 'paid' ? body : undefined;
    }, 20_000);
    expect(paid.splits.every((s: { status: string }) => s.status === 'paid')).toBe(true);
    await admin.goto(`${h.baseUrl}/#/payouts?status=paid`);
    await admin.locator(`[data-testid="payout-card"][data-payout-id="${payout.id}"][data-status="paid"]`).waitFor();
    await admin.screenshot({ path: path.join(SHOTS, 'payouts-paid.png'), fullPage: true });
  });

  it('a company admin connects an ATS by filling the form, sees it synced, and pauses and resumes it', async () => {
    const ats = await startGreenhouseFake();
    try {
      seedSmall(ats);
      const m = await createMarketplace(h.db);
      const admin = await signedIn(m, m.actors.companyAdmin);
      await admin.getByTestId('nav-integrations').click();
      await admin.getByTestId('ats-platform').selectOption('greenhouse');
      // A missing credential is refused with the field named.
      await admin.getByTestId('cred-clientId').fill(ats.config.credentials.clientId!);
      await admin.getByTestId('ats-connect').click();
      await expect(admin.getByTestId('error-alert').textContent()).resolves.toContain('credentials.clientSecret');
      for (const [name, value] of Object.entries(ats.config.credentials)) await admin.getByTestId(`cred-${name}`).fill(value);
      await admin.getByTestId('ats-base-url').fill(ats.config.baseUrl!);
      await admin.getByTestId('ats-auth-url').fill(ats.config.authUrl!);
      await admin.getByTestId('ats-connect').click();
      await expect(admin.getByTestId('notice').textContent()).resolves.toContain('webhook secret (shown once)');
      const card = admin.getByTestId('integration-card');
      await admin.locator('[data-testid="integration-card"][data-runs="1"]').waitFor({ timeout: 20_000 });
      await expect(card.locator('[data-testid="entity-row"][data-entity="applications"]').textContent()).resolves.not.toMatch(/^applications—/); // a last success is shown
      expect(await admin.content()).not.toContain(ats.config.credentials.clientSecret!);
      await admin.screenshot({ path: path.join(SHOTS, 'integrations.png'), fullPage: true });
      await card.getByTestId('pause').click();
      await admin.locator('[data-testid="integration-card"][data-state="paused"]').waitFor();
      await card.getByTestId('resume').click();
      await admin.locator('[data-testid="integration-card"][data-state="active"]').waitFor();
    } finally {
      await ats.close();
    }
  });
});
