import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProposalState } from '../../domain/proposal.js';
import type { Page } from 'playwright-core';
import { connectAccount, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, overflow, useBrowser, type Actor } from '../support/browser.js';

const browser = useBrowser();
const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };
const signedIn = (actor: Actor, viewport: { width: number; height: number }) => browser.signedIn(actor, { viewport });
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `layout-${name}.png`), fullPage: true });
/** `05e4…0002`, as format.js's shortId abbreviates an id. */
const SHORT_ID = /[0-9a-f]{4}…[0-9a-f]{4}/;

/** A proposal row as the workflow would have written it, in `state`, due at `deadline`. */
async function proposal(m: Marketplace, state: ProposalState, deadline: Date, decidedAt: Date | null = null): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  const candidateId = randomUUID();
  await h.db('candidates').insert({ id: candidateId, full_name: `Grace ${state} ${id.slice(0, 4)}` });
  await h.db('candidate_role_assignments').insert({
    id,
    candidate_id: candidateId,
    job_id: m.jobId,
    company_id: m.companyId,
    recruiter_id: m.recruiterId,
    pitch: 'A strong fit.',
    state,
    decision_deadline: deadline,
    decided_at: decidedAt,
    workflow_id: `proposal-${id}`,
    created_at: now,
    updated_at: now,
  });
  return id;
}

/** A placement whose activation payout is blocked on the recruiter's account, with a long Stripe reason. */
async function blockedPlacement(m: Marketplace) {
  await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId, false), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
  const { body: placement } = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
  expect((await h.request('POST', `/api/v1/placements/${placement.id}/activate`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(
    200,
  );
  const payout = await eventually(
    async () =>
      (await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${placement.id}`, { actor: m.actors.platformAdmin })).body
        .data[0],
    20_000,
  );
  const reason = `Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments (request req_${'x'.repeat(120)}); see https://stripe.com/docs/connect/account-capabilities#transfers-and-payouts-for-connected-accounts-in-the-${'very-long-path-'.repeat(8)}`;
  await h.db('payout_splits').where({ payout_id: payout.id, status: 'blocked' }).update({ block_reason: reason });
  return placement.id as string;
}

describe("the web app's layout and wording", () => {
  it("keeps the company admin's menu and the session on one line at 1400 px", async () => {
    const m = await createMarketplace(h.db);
    const admin = await signedIn(m.actors.companyAdmin, DESKTOP);
    const centres = await admin.locator('.topbar .brand, #nav a, #session').evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return Math.round(box.top + box.height / 2);
      }),
    );
    expect(new Set(centres).size, `row centres ${centres.join(', ')}`).toBe(1);
    // Nor does any of them wrap inside: the brand, each link and the sign-out button are one line of text.
    const wrapped = await admin.locator('.topbar .brand, #nav a, #session button').evaluateAll((els) =>
      els
        .filter((el) => {
          const range = el.ownerDocument.createRange();
          range.selectNodeContents(el);
          const rects = [...range.getClientRects()];
          const firstLineEnds = Math.min(...rects.map((r) => r.bottom));
          return rects.some((r) => r.top >= firstLineEnds - 1); // a box starting below the first line: a second line
        })
        .map((el) => el.textContent),
    );
    expect(wrapped).toEqual([]);
    expect(await overflow(admin, '.topbar, #nav, #session')).toEqual({ page: 0, boxes: [] });
    await shot(admin, 'header-company-admin-1400');
  });

  it('shows who is signed in by name, role and company name, never by ids; the role alone when the directory has no name', async () => {
    const m = await createMarketplace(h.db);
    const company = (await h.db('companies').where({ id: m.companyId }).first())!.name;
    const admin = await signedIn(m.actors.companyAdmin, DESKTOP);
    await expect(admin.getByTestId('signed-in-as').textContent()).resolves.toBe(`Signed in as Admin · Company admin · ${company}`);
    const recruiter = await signedIn(m.actors.recruiter, DESKTOP);
    await expect(recruiter.getByTestId('signed-in-as').textContent()).resolves.toBe('Signed in as Rita Recruiter · Recruiter');

    // A token for a platform admin the directory does not know: no name, no company, and still no id.
    const stranger = await signedIn({ userId: randomUUID(), role: 'platform_admin' }, DESKTOP);
    const text = await stranger.getByTestId('signed-in-as').textContent();
    expect(text).toBe('Signed in as Platform admin');
    expect(text).not.toMatch(SHORT_ID);
  });

  it('titles a decision once ("Approval: approved") and names who decided for which company', async () => {
    const m = await createMarketplace(h.db);
    const company = (await h.db('companies').where({ id: m.companyId }).first())!.name;
    await h.db('decision_audit_log').insert({
      entity_type: 'automation_execution',
      entity_id: randomUUID(),
      decision: 'approval_approved',
      outcome: 'approved',
      source: 'human',
      actor_user_id: m.actors.companyAdmin.userId,
      actor_role: 'company_admin',
      company_id: m.companyId,
      reason: 'Looks right.',
      occurred_at: new Date(),
      decision_key: `layout-${randomUUID()}`,
    });
    const admin = await signedIn(m.actors.companyAdmin, DESKTOP);
    await admin.getByTestId('nav-decisions').click();
    const card = admin.getByTestId('decision-card').first();
    await card.waitFor();
    await expect(card.locator('h2').textContent()).resolves.toMatch(/^Approval: approved\s*Human$/);
    const decided = await card.getByTestId('decision-actor').textContent();
    expect(decided).toBe(`Admin (Company admin, ${company})`);
    expect(decided).not.toMatch(SHORT_ID);
    await shot(admin, 'decisions');
  });

  it('offers each accepted candidate × job once under "Record a hire", and none already hired', async () => {
    const m = await createMarketplace(h.db);
    const soon = new Date(Date.now() + 86_400_000);
    const open = await proposal(m, 'accepted', soon, new Date());
    // The marketplace's own candidate is accepted and hired already.
    const hired = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Great fit.' },
    });
    expect((await h.request('POST', `/api/v1/proposals/${hired.body.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(
      200,
    );
    expect((await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) })).status).toBe(201);

    const admin = await signedIn(m.actors.companyAdmin, DESKTOP);
    await admin.goto(`${h.baseUrl}/#/placements/new`);
    await admin.getByTestId('accepted-proposals').waitFor();
    const offered = await admin.getByTestId('hire-from-proposal').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(offered).toEqual([`#/placements/new?proposal=${open}`]);
    await shot(admin, 'record-a-hire');
  });

  it('shows a live countdown only for an open proposal whose deadline is ahead, not for a wedged or decided one', async () => {
    const m = await createMarketplace(h.db);
    const ahead = await proposal(m, 'proposed', new Date(Date.now() + 30 * 3_600_000));
    // Wedged: still "proposed" in Postgres, but its deadline passed (or a decision was recorded) without the state moving.
    const overdue = await proposal(m, 'proposed', new Date(Date.now() - 3_600_000));
    const halfDecided = await proposal(m, 'company_reviewing', new Date(Date.now() + 3_600_000), new Date());
    const declined = await proposal(m, 'declined', new Date(Date.now() + 3_600_000), new Date());

    const admin = await signedIn(m.actors.companyAdmin, DESKTOP);
    const row = (id: string) => admin.locator(`[data-testid="proposal-row"][data-proposal-id="${id}"]`);
    await row(declined).waitFor();
    for (const [id, live] of [
      [ahead, 1],
      [overdue, 0],
      [halfDecided, 0],
      [declined, 0],
    ] as const) {
      expect(await row(id).getByTestId('countdown').count(), id === ahead ? 'open' : 'not open').toBe(live);
    }
    await shot(admin, 'proposals-countdowns');
    // The recruiter's view of each (a company user opening one would first mark it reviewed, and these rows have no process).
    const recruiter = await signedIn(m.actors.recruiter, DESKTOP);
    for (const [id, live] of [
      [ahead, 1],
      [overdue, 0],
      [halfDecided, 0],
    ] as const) {
      await recruiter.goto(`${h.baseUrl}/#/proposals/${id}`);
      await recruiter.getByTestId('proposal-fields').waitFor();
      expect(await recruiter.locator('main [data-testid="countdown"]').count()).toBe(live);
    }
  });

  it('shows a wedged proposal (its process declined it, its record still says proposed) as stuck: no live countdown, no actions', async () => {
    const m = await createMarketplace(h.db);
    const created = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Great fit.' },
    });
    expect(
      (
        await h.request('POST', `/api/v1/proposals/${created.body.id}/decline`, {
          actor: m.actors.companyAdmin,
          body: { reason: 'Not now.' },
        })
      ).status,
    ).toBe(200);
    // What a failed write of the decline left behind: the workflow declined, Postgres still open.
    await h
      .db('candidate_role_assignments')
      .where({ id: created.body.id })
      .update({ state: 'proposed', decided_at: null, decision_reason: null });

    const admin = await signedIn(m.actors.companyAdmin, DESKTOP);
    await admin.goto(`${h.baseUrl}/#/proposals/${created.body.id}`);
    await admin.getByTestId('no-actions').waitFor(); // opening it (review) was refused: the process is past it
    await expect(admin.getByTestId('no-actions').textContent()).resolves.toContain('out of step');
    expect(await admin.locator('main [data-testid="countdown"]').count()).toBe(0);
    expect(await admin.locator('main [data-testid^="action-"]').count()).toBe(0);
    // Its history names who acted, not their ids.
    await expect(admin.getByTestId('history-actor').allTextContents()).resolves.toEqual([
      'Rita Recruiter (Recruiter)',
      'Admin (Company admin)',
    ]);
    await shot(admin, 'proposal-wedged');
  });

  it("keeps a long Stripe block reason inside the placement page's payouts card, at 1400 px and at 390 px", async () => {
    const m = await createMarketplace(h.db);
    const placementId = await blockedPlacement(m);
    for (const [name, viewport] of [
      ['1400', DESKTOP],
      ['390', PHONE],
    ] as const) {
      const admin = await signedIn(m.actors.platformAdmin, viewport);
      await admin.goto(`${h.baseUrl}/#/placements/${placementId}`);
      const card = admin.getByTestId('placement-payouts');
      await card.locator('[data-testid="payout-split"][data-status="blocked"]').waitFor();
      await expect(admin.getByTestId('history-actor').allTextContents()).resolves.toEqual(['Admin (Company admin)', 'System']);
      const [cardBox, tableBox] = await Promise.all([card.boundingBox(), card.locator('table').first().boundingBox()]);
      expect(tableBox!.x + tableBox!.width, name).toBeLessThanOrEqual(cardBox!.x + cardBox!.width);
      expect(await overflow(admin, '[data-testid="placement-payouts"], [data-testid="placement-payouts"] .table-wrap'), name).toEqual({
        page: 0,
        boxes: [],
      });
      await shot(admin, `placement-payouts-${name}`);
      await admin.close();
    }
  });

  it('makes every list readable on a 390 px phone: no table cut off or scrolled sideways, each cell labelled', async () => {
    const m = await createMarketplace(h.db);
    await blockedPlacement(m);
    await proposal(m, 'proposed', new Date(Date.now() + 30 * 3_600_000));
    const admin = await signedIn(m.actors.platformAdmin, PHONE);
    for (const link of [
      'nav-proposals',
      'nav-candidates',
      'nav-placements',
      'nav-payouts',
      'nav-automation',
      'nav-decisions',
      'nav-events',
    ]) {
      await admin.getByTestId(link).click();
      await admin.locator(`[data-testid="${link}"][aria-current="page"]`).waitFor();
      await admin.waitForSelector('main [data-testid="loading"]', { state: 'detached' });
      await admin.locator('main h1').first().waitFor();
      expect(await overflow(admin, 'main, main .table-wrap, main .table, main .card'), link).toEqual({ page: 0, boxes: [] });
      // Each cell says which column it is (the headings are off screen).
      const unlabelled = await admin.locator('main .table tbody td:not([colspan])').evaluateAll(
        (tds) =>
          tds.filter((td) => {
            const heading = td.closest('table')!.querySelectorAll('thead th')[[...td.parentElement!.children].indexOf(td)];
            return !!heading?.textContent?.trim() && !td.getAttribute('data-label'); // a column without a heading (a toggle) needs none
          }).length,
      );
      expect(unlabelled, link).toBe(0);
      await shot(admin, `phone-${link.replace('nav-', '')}`);
    }
  });
});
