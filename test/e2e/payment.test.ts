import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { connectAccount, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, overflow, useBrowser } from '../support/browser.js';

// Companies here pay when they click (the harness's fake otherwise pays each invoice as it is finalized).
const browser = useBrowser({ companiesPayAtOnce: false });
const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `payment-${name}.png`), fullPage: true });
const paymentStatus = (page: Page) => page.getByTestId('payment-status').getAttribute('data-status');

/** A hire recorded through the API (both recruiters can be paid), once its process has sent the company's invoice. */
async function hiredWithInvoice(m: Marketplace): Promise<string> {
  await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
  const created = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const invoiced = await eventually(async () => {
    const { body } = await h.request('GET', `/api/v1/placements/${id}`, { actor: m.actors.companyAdmin });
    return body.money?.payment?.invoiceId ? body : null;
  }, 30_000);
  expect(invoiced?.money.payment.status).toBe('awaiting_payment');
  return id;
}

describe('the money panel in the browser', () => {
  it("a company admin sees the escrow's numbers and the open invoice, pays it with the demo button, and the page shows what Stripe's webhook told the process", async () => {
    const m = await createMarketplace(h.db);
    const id = await hiredWithInvoice(m);
    const admin = await browser.signedIn(m.actors.companyAdmin, { viewport: DESKTOP });
    await admin.goto(`${h.baseUrl}/#/placements/${id}`);
    const panel = admin.getByTestId('placement-money');
    await panel.waitFor();
    await expect(paymentStatus(admin)).resolves.toBe('awaiting_payment');
    await expect(admin.getByTestId('payment-status').textContent()).resolves.toBe('Awaiting payment');
    await expect(admin.getByTestId('money-collected').getAttribute('data-cents')).resolves.toBe('0');
    await expect(admin.getByTestId('money-outstanding').getAttribute('data-cents')).resolves.toBe('2500000');
    await expect(admin.getByTestId('hosted-invoice').getAttribute('href')).resolves.toMatch(/\/_fake\/invoices\/in_/);
    await expect(admin.getByTestId('payment-history-entry').first().getAttribute('data-event')).resolves.toBe('invoice_created');
    // The company does not administer the payment: no mark-paid / extend / void.
    await expect(admin.getByTestId('action-mark-paid').count()).resolves.toBe(0);
    await shot(admin, 'awaiting');

    // The demo button pays through the Stripe fake; only the fake's signed webhook tells the API and the process.
    const before = h.stripe.deliveries().length;
    await admin.getByTestId('demo-pay-invoice').click();
    await admin.locator('[data-testid="payment-status"][data-status="paid"]').waitFor({ timeout: 30_000 });
    expect(
      h.stripe
        .deliveries()
        .slice(before)
        .some((d) => d.status === 200),
    ).toBe(true);
    await expect(admin.getByTestId('money-collected').getAttribute('data-cents')).resolves.toBe('2500000');
    await expect(admin.getByTestId('money-outstanding').getAttribute('data-cents')).resolves.toBe('0');
    await expect(admin.getByTestId('demo-pay-invoice').count()).resolves.toBe(0);
    await expect(admin.getByTestId('payment-history').textContent()).resolves.toContain('Paid');

    // Once active, the activation tranche is paid from the collected funds.
    await admin.getByTestId('action-activate').click();
    // The page re-reads the placement every 10 s: the transfers' outcome shows without a reload.
    await admin.locator('[data-testid="placement-payout"][data-tranche="activation"][data-status="paid"]').waitFor({ timeout: 30_000 });
    const paidOut = Number(await admin.getByTestId('money-paid-out').getAttribute('data-cents'));
    expect(paidOut).toBeGreaterThan(0);
    await shot(admin, 'paid');

    // A recruiter sees the numbers and the status, not the invoice, its errors or the demo buttons.
    const recruiter = await browser.signedIn(m.actors.recruiter);
    await recruiter.goto(`${h.baseUrl}/#/placements/${id}`);
    await recruiter.getByTestId('placement-money').waitFor();
    await expect(paymentStatus(recruiter)).resolves.toBe('paid');
    await expect(recruiter.getByTestId('hosted-invoice').count()).resolves.toBe(0);
    await expect(recruiter.getByTestId('demo-pay-invoice').count()).resolves.toBe(0);
  });

  it('a declined card shows Stripe’s reason and the invoice stays open', async () => {
    const m = await createMarketplace(h.db);
    const id = await hiredWithInvoice(m);
    const admin = await browser.signedIn(m.actors.companyAdmin);
    await admin.goto(`${h.baseUrl}/#/placements/${id}`);
    await admin.getByTestId('demo-decline-card').click();
    await admin.locator('[data-testid="payment-status"][data-status="payment_failed"]').waitFor({ timeout: 30_000 });
    await expect(admin.getByTestId('payment-error').textContent()).resolves.toMatch(/declined/i);
    await expect(admin.getByTestId('demo-pay-invoice').isVisible()).resolves.toBe(true);
  });

  it('a platform admin extends the due date: a bad number of days is refused by its field, a good one moves the date, and the history names who and why', async () => {
    const m = await createMarketplace(h.db);
    const id = await hiredWithInvoice(m);
    const pat = await browser.signedIn(m.actors.platformAdmin, { viewport: DESKTOP });
    await pat.goto(`${h.baseUrl}/#/placements/${id}`);
    await pat.getByTestId('placement-money').waitFor();
    // Platform admins act on the payment; paying it is the company's.
    await expect(pat.getByTestId('demo-pay-invoice').count()).resolves.toBe(0);
    await pat.getByTestId('invoice-id').waitFor();
    const due = Date.parse((await pat.getByTestId('payment-due').getAttribute('data-due'))!);

    await pat.getByTestId('action-extend-due').click();
    await pat.getByTestId('field-days').fill('91');
    await pat.getByTestId('field-reason').fill('The company asked for more time');
    await pat.getByTestId('confirm-extend-due').click();
    await pat.getByTestId('field-error-days').waitFor();
    await expect(pat.getByTestId('field-error-days').textContent()).resolves.toMatch(/90/);
    await shot(pat, 'extend-error');

    await pat.getByTestId('field-days').fill('14');
    await pat.getByTestId('confirm-extend-due').click();
    await pat.getByTestId('notice').filter({ hasText: 'Due date extended' }).waitFor();
    const moved = Date.parse((await pat.getByTestId('payment-due').getAttribute('data-due'))!);
    expect(moved - due).toBe(14 * 86_400_000);
    const entry = pat.locator('[data-testid="payment-history-entry"][data-event="due_extended"]');
    await expect(entry.textContent()).resolves.toContain('The company asked for more time');
    await expect(entry.getByTestId('payment-history-actor').textContent()).resolves.toContain('Platform');
  });

  it('keeps the money panel inside the page at 390 px', async () => {
    const m = await createMarketplace(h.db);
    const id = await hiredWithInvoice(m);
    for (const actor of [m.actors.platformAdmin, m.actors.companyAdmin]) {
      const page = await browser.signedIn(actor, { viewport: PHONE });
      await page.goto(`${h.baseUrl}/#/placements/${id}`);
      await page.getByTestId('payment-history-entry').first().waitFor();
      if (actor.role === 'platform_admin') await page.getByTestId('action-extend-due').click();
      expect(await overflow(page, '[data-testid="placement-money"], [data-testid="placement-money"] *'), actor.role).toEqual({
        page: 0,
        boxes: [],
      });
      await shot(page, `phone-${actor.role}`);
    }
  });
});
