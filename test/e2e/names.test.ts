import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { connectAccount, createCandidate, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { shownInList, useBrowser, type Actor } from '../support/browser.js';

// Product §2: names, not ids, wherever a person is shown. One marketplace with history on every
// view that shows people; each view, as each role that sees it, must name them and show no UUID.

const browser = useBrowser();
let h: ApiHarness;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const NAMES = { companyAdmin: 'Carol Hartley', hiringManager: 'Hugo Mendes', platformAdmin: 'Pat Operator' };
const [RITA, OTTO] = ['Rita Recruiter', 'Otto Recruiter'];

interface Scenario {
  m: Marketplace;
  company: string;
  proposalId: string;
  placementId: string;
  executionId: string;
  /** A candidate Rita sourced and Otto then claimed too (a sourcing conflict). */
  contestedId: string;
  contestedName: string;
}
let s: Scenario;

/**
 * The main area's visible text, without the workflow ids shown to platform admins (operator
 * identifiers, `data-testid="workflow-id"`, the Temporal Web UI's search key): those are not people.
 */
async function mainText(page: Page): Promise<string> {
  const [text, workflowIds] = await Promise.all([
    page.locator('#main').innerText(),
    page.locator('#main [data-testid="workflow-id"]').allInnerTexts(),
  ]);
  return workflowIds.reduce((t, id) => t.replace(id, ''), text);
}

/** Waits until the main area names every one of `names`, then checks it shows no UUID. */
async function showsNamesNotIds(page: Page, names: string[]): Promise<string> {
  const deadline = Date.now() + 20_000;
  let text = await mainText(page);
  while (names.some((n) => !text.includes(n)) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    text = await mainText(page);
  }
  expect(
    names.filter((n) => !text.includes(n)),
    `names missing from:\n${text}`,
  ).toEqual([]);
  expect(text.match(UUID)?.[0] ?? null, `an id in:\n${text}`).toBeNull();
  return text;
}

async function visit(actor: Actor, hash: string): Promise<Page> {
  const page = await browser.signedIn(actor);
  await page.goto(`${h.baseUrl}/#${hash}`);
  return page;
}

beforeAll(async () => {
  h = browser.h;
  const m = await createMarketplace(h.db);
  await h.db('users').where({ id: m.actors.companyAdmin.userId! }).update({ name: NAMES.companyAdmin });
  await h.db('users').where({ id: m.actors.hiringManager.userId! }).update({ name: NAMES.hiringManager });
  await h.db('users').where({ id: m.actors.platformAdmin.userId! }).update({ name: NAMES.platformAdmin });
  const company = (await h.db('companies').where({ id: m.companyId }).first())!.name as string;
  await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);

  // An approval: a rule that waits for a person when a proposal is accepted.
  const rule = await h.request('POST', '/api/v1/automation/rules', {
    actor: m.actors.companyAdmin,
    body: {
      name: 'Screen accepted candidates',
      trigger: 'proposal.accepted',
      actions: [{ type: 'advance_stage', stage: 'screening' }],
      requiresApproval: true,
    },
  });
  expect(rule.status).toBe(201);

  // A proposal by Rita, accepted by Carol.
  const proposal = await h.request('POST', '/api/v1/proposals', {
    actor: m.actors.recruiter,
    body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Great fit.' },
  });
  expect(proposal.status).toBe(201);
  expect((await h.request('POST', `/api/v1/proposals/${proposal.body.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(
    200,
  );
  const approval = await eventually(async () => {
    const { body } = await h.request('GET', '/api/v1/approvals', { actor: m.actors.companyAdmin });
    return body.data.find((a: { summary: { ruleId?: string; ruleName?: string } }) => a.summary?.ruleName === 'Screen accepted candidates');
  }, 20_000);
  const approved = await h.request('POST', `/api/v1/approvals/${approval.executionId}/approve`, {
    actor: m.actors.companyAdmin,
    body: { comment: 'Go ahead.' },
  });
  expect(approved.status).toBe(200);

  // A job change by Carol.
  expect((await h.request('PATCH', `/api/v1/jobs/${m.jobId}`, { actor: m.actors.companyAdmin, body: { location: 'Lisbon' } })).status).toBe(
    200,
  );

  // The hire, both recruiters collaborating, activated: the activation payout pays both.
  const placement = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
  expect(placement.status).toBe(201);
  expect(
    (await h.request('POST', `/api/v1/placements/${placement.body.id}/activate`, { actor: m.actors.companyAdmin, body: {} })).status,
  ).toBe(200);
  await eventually(async () => {
    const { body } = await h.request('GET', `/api/v1/payouts?placementId=${placement.body.id}`, { actor: m.actors.platformAdmin });
    return body.data.find((p: { status: string }) => p.status === 'paid');
  }, 30_000);

  // Marketplace events: Rita sources a candidate, then Otto claims them too.
  const contestedId = await createCandidate(h.db);
  const contestedName = (await h.db('candidates').where({ id: contestedId }).first())!.full_name as string;
  expect((await h.request('POST', `/api/v1/candidates/${contestedId}/source`, { actor: m.actors.recruiter, body: {} })).status).toBe(201);
  expect((await h.request('POST', `/api/v1/candidates/${contestedId}/source`, { actor: m.actors.otherRecruiter, body: {} })).status).toBe(
    409,
  );
  await eventually(async () => {
    const { body } = await h.request('GET', `/api/v1/marketplace-events?candidateId=${contestedId}&type=sourcing_conflict`, {
      actor: m.actors.platformAdmin,
    });
    return body.data[0];
  }, 20_000);

  // What the protection timer records: the system acts, with no one's id.
  await h.db('marketplace_events').insert({
    type: 'protection_expired',
    candidate_id: contestedId,
    recruiter_id: m.recruiterId,
    actor_user_id: null,
    actor_role: 'system',
    details: JSON.stringify({ owner: m.recruiterId }),
    occurred_at: new Date(),
    event_key: `names-test-${contestedId}`,
  });

  s = {
    m,
    company,
    proposalId: proposal.body.id,
    placementId: placement.body.id,
    executionId: approval.executionId,
    contestedId,
    contestedName,
  };
}, 120_000);

describe('names, not ids, wherever a person is shown', () => {
  it("a proposal's page names the recruiter, the company and who accepted it, for every role that sees it", async () => {
    const carol = `${NAMES.companyAdmin} (Company admin)`;
    for (const actor of [s.m.actors.recruiter, s.m.actors.companyAdmin, s.m.actors.hiringManager, s.m.actors.platformAdmin]) {
      const page = await visit(actor, `/proposals/${s.proposalId}`);
      const text = await showsNamesNotIds(page, [RITA, s.company, carol]);
      expect(text, actor.role).toContain('Rita Recruiter (Recruiter)');
      await page.close();
    }
  });

  it("a placement's page names its collaborators, their payouts and who hired and activated", async () => {
    const carol = `${NAMES.companyAdmin} (Company admin)`;
    for (const actor of [s.m.actors.companyAdmin, s.m.actors.recruiter, s.m.actors.platformAdmin]) {
      const page = await visit(actor, `/placements/${s.placementId}`);
      await page.locator('[data-testid="placement-payout"][data-status="paid"]').waitFor({ timeout: 20_000 });
      await showsNamesNotIds(page, [RITA, OTTO, carol]);
      await page.close();
    }
  });

  it('the payouts view names each split by its recruiter', async () => {
    for (const actor of [s.m.actors.platformAdmin, s.m.actors.companyAdmin]) {
      const page = await visit(actor, `/payouts?placement=${s.placementId}`);
      await showsNamesNotIds(page, [RITA, OTTO]);
      await page.close();
    }
  });

  it('the decision log names who approved the automation, for the company and the platform', async () => {
    for (const actor of [s.m.actors.companyAdmin, s.m.actors.platformAdmin]) {
      const page = await visit(actor, `/decisions?entityType=automation_execution&entityId=${s.executionId}`);
      await showsNamesNotIds(page, [`${NAMES.companyAdmin} (Company admin, ${s.company})`]);
      await page.close();
    }
  });

  it('the approvals inbox and the automation execution name who decided', async () => {
    const decider = `${NAMES.companyAdmin} (Company admin, ${s.company})`;
    const inbox = await visit(s.m.actors.companyAdmin, '/approvals?status=approved');
    await inbox.locator(`[data-testid="approval-card"][data-execution-id="${s.executionId}"]`).waitFor({ timeout: 20_000 });
    await showsNamesNotIds(inbox, [`by ${NAMES.companyAdmin} (Company admin)`]);
    await inbox.close();

    for (const actor of [s.m.actors.companyAdmin, s.m.actors.platformAdmin]) {
      const page = await visit(actor, '/automation?status=succeeded');
      const row = page.locator(`[data-testid="execution-row"][data-execution-id="${s.executionId}"]`);
      await row.waitFor({ timeout: 20_000 });
      await row.click();
      const detail = page.locator(`[data-testid="execution-detail"][data-execution-id="${s.executionId}"]`);
      await detail.getByTestId('approval-decider').waitFor();
      await expect(detail.getByTestId('approval-decider').innerText()).resolves.toContain(`by ${NAMES.companyAdmin} (Company admin)`);
      await showsNamesNotIds(page, [decider.split(' (')[0]!]);
      await page.close();
    }
  });

  it("a job's change history names who changed it", async () => {
    for (const actor of [s.m.actors.companyAdmin, s.m.actors.platformAdmin]) {
      const page = await visit(actor, `/jobs/${s.m.jobId}`);
      await page.getByTestId('job-history').waitFor({ timeout: 20_000 });
      await showsNamesNotIds(page, [`by ${NAMES.companyAdmin} (Company admin)`]);
      await page.close();
    }
  });

  it('marketplace events name the candidate, the recruiters and the owner in their details; the candidates list and page name the sourcer', async () => {
    const events = await visit(s.m.actors.platformAdmin, `/events?candidate=${s.contestedId}`);
    const conflict = events.locator('[data-testid="event-row"][data-type="sourcing_conflict"]');
    await conflict.waitFor({ timeout: 20_000 });
    await expect(conflict.getByTestId('event-recruiter').innerText()).resolves.toBe(OTTO);
    await expect(conflict.getByTestId('event-actor').innerText()).resolves.toBe(`by ${OTTO} (Recruiter)`);
    await expect(conflict.getByTestId('event-details').innerText()).resolves.toContain(`Owner: ${RITA}`);
    const expired = events.locator('[data-testid="event-row"][data-type="protection_expired"]');
    await expired.waitFor({ timeout: 20_000 });
    await expect(expired.getByTestId('event-actor').innerText()).resolves.toBe('by System');
    await showsNamesNotIds(events, [s.contestedName, RITA, OTTO]);
    await events.close();

    const list = await visit(s.m.actors.platformAdmin, '/candidates');
    const row = list.locator(`[data-testid="candidate-row"][data-candidate-id="${s.contestedId}"]`);
    await shownInList(list, row);
    await expect(row.getByTestId('sourcer').innerText()).resolves.toBe(RITA);
    await showsNamesNotIds(list, [s.contestedName, RITA]);
    await list.close();

    const admin = await visit(s.m.actors.platformAdmin, `/candidates/${s.contestedId}`);
    await admin.locator(`[data-testid="sourcing-owner"] [data-recruiter-id="${s.m.recruiterId}"]`).waitFor({ timeout: 20_000 });
    await showsNamesNotIds(admin, [s.contestedName, RITA]);
    await admin.close();
  });
});
