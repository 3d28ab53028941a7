import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { connectAccount, createMarketplace, placementBody } from '../../testkit/harness/factories.js';
import { eventually } from '../../testkit/harness/api-harness.js';
import { SHOTS, useBrowser } from '../support/browser.js';

const browser = useBrowser();

describe('the Temporal Web UI with the codec server', () => {
  it("shows a blocked payout's input decrypted to a signed-in platform admin, and encrypted to anyone else, with no setting to change", async () => {
    const { h } = browser;
    const m = await createMarketplace(h.db);
    await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId, false), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
    const { body: placement } = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    await h.request('POST', `/api/v1/placements/${placement.id}/activate`, { actor: m.actors.companyAdmin, body: {} });
    const payout = await eventually(
      async () =>
        (await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${placement.id}`, { actor: m.actors.platformAdmin })).body
          .data[0],
      20_000,
    );
    // The Web UI as `npm run dev` serves it: nobody touches its codec settings.
    const workflowPage = `${h.temporalUi}/namespaces/default/workflows/${payout.workflowId}`;
    const decrypted = `"payoutId": "${payout.id}"`;

    // Signing in to the back office as a platform admin gives the browser the operator cookie.
    const admin = await browser.signedIn(m.actors.platformAdmin);
    await expect.poll(async () => (await admin.context().cookies()).map((c) => c.name)).toContain('splits_operator');
    await admin.goto(workflowPage);
    await admin.getByText(decrypted).first().waitFor({ timeout: 20_000 });
    await admin.screenshot({ path: path.join(SHOTS, 'temporal-ui-decrypted.png'), fullPage: true });

    // A company admin's browser has no operator cookie: the codec refuses and the input stays encrypted.
    const company = await browser.signedIn(m.actors.companyAdmin);
    await company.goto(workflowPage);
    await company.getByText('Codec Server could not connect').filter({ visible: true }).first().waitFor({ timeout: 20_000 });
    expect(await company.getByText(decrypted).count()).toBe(0);
  });
});
