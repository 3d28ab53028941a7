import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createMarketplace } from '../../testkit/harness/factories.js';
import type { ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, useBrowser } from '../support/browser.js';

const browser = useBrowser();
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

describe('payout account in the browser', () => {
  it('a recruiter connects with Stripe, completes the onboarding page, comes back to the account page and sees "enabled"', async () => {
    const m = await createMarketplace(h.db);
    const page = await browser.signedIn(m.actors.recruiter);
    // Stripe sends the recruiter back to API_PUBLIC_URL (http://localhost:3000 by default); here the app runs elsewhere.
    await page.route('http://localhost:3000/**', (route) => route.fulfill({ status: 302, headers: { location: `${h.baseUrl}/` } }));
    await page.goto(`${h.baseUrl}/#/account`);
    const status = page.getByTestId('payout-account-status');
    await status.waitFor();
    await expect(status.getAttribute('data-status')).resolves.toBe('not_connected');
    await expect(page.getByTestId('connect-payout-account').textContent()).resolves.toBe('Connect with Stripe');

    await page.getByTestId('connect-payout-account').click();
    await page.waitForURL(/\/_fake\/connect\/onboarding\/acct_/);
    await page.getByRole('button', { name: 'Complete onboarding' }).click();
    await page.waitForURL(/#\/account\/payouts\?onboarding=returned/);
    await page.getByTestId('payout-account-section').waitFor();

    // The account.updated webhook may land just after the page loads: reload until Stripe's answer shows.
    for (let i = 0; i < 30 && (await page.getByTestId('payout-account-status').getAttribute('data-status')) !== 'enabled'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await page.reload();
      await page.getByTestId('payout-account-status').waitFor();
    }
    await expect(page.getByTestId('payout-account-status').getAttribute('data-status')).resolves.toBe('enabled');
    await expect(page.getByTestId('payout-account-status').textContent()).resolves.toContain('Enabled');
    await expect(page.getByTestId('connect-payout-account').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'payout-account-enabled.png'), fullPage: true });
  });
});
