import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { eventually, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, useBrowser, type Actor } from '../support/browser.js';

const browser = useBrowser();
const signedIn = (actor: Actor) => browser.signedIn(actor);
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

/** Waits until `locator` shows exactly `text` (some cells are filled in after the row appears). */
async function hasText(locator: Locator, text: string) {
  await locator.filter({ hasText: new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }).waitFor({ timeout: 10_000 });
}

describe('the admin views in the browser', () => {
  it('a platform admin opens an automation execution and sees its action and result', async () => {
    const m = await createMarketplace(h.db);
    const rule = await h.request('POST', '/api/v1/automation/rules', {
      actor: m.actors.companyAdmin,
      body: {
        name: 'Call accepted candidates',
        trigger: 'proposal.accepted',
        actions: [{ type: 'create_task', title: 'Call the candidate', dueInDays: 2 }],
      },
    });
    expect(rule.status).toBe(201);
    expect(rule.body.requiresApproval).toBe(false);
    const proposal = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Great fit.' },
    });
    expect(proposal.status).toBe(201);
    expect(
      (await h.request('POST', `/api/v1/proposals/${proposal.body.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status,
    ).toBe(200);
    const execution = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/automation/executions?ruleId=${rule.body.id}`, { actor: m.actors.platformAdmin });
      return body.data.find((e: { status: string }) => e.status === 'succeeded');
    }, 20_000);
    expect(execution).toBeTruthy();
    const task = await h.db('recruiter_tasks').where({ execution_id: execution.id }).first();

    const admin = await signedIn(m.actors.platformAdmin);
    await admin.getByTestId('nav-automation').click();
    const row = admin.locator(`[data-testid="execution-row"][data-execution-id="${execution.id}"]`);
    await row.waitFor();
    await expect(row.getAttribute('data-status')).resolves.toBe('succeeded');
    await hasText(row.getByTestId('execution-rule'), 'Call accepted candidates');
    await expect(row.textContent()).resolves.toContain('proposal.accepted');

    // The status filter is kept in the URL.
    await admin.getByTestId('execution-status-filter').selectOption('succeeded');
    await admin.waitForURL(/#\/automation\?status=succeeded/);
    await row.waitFor();

    // A click on the row opens the record: conditions, the action with its result.
    await row.click();
    const detail = admin.locator(`[data-testid="execution-detail"][data-execution-id="${execution.id}"]`);
    const action = detail.locator('[data-testid="action-outcome"][data-action-type="create_task"]');
    await action.waitFor();
    await expect(action.getAttribute('data-status')).resolves.toBe('done');
    await expect(action.textContent()).resolves.toContain('Call the candidate');
    // The task it created, named by its kind and short id (the full id on hover).
    await expect(
      action
        .getByTestId('action-result')
        .locator(`[title="${task?.id ?? 'taskId'}"]`)
        .textContent(),
    ).resolves.toMatch(/^task /);
    await expect(detail.getByTestId('condition-trace').textContent()).resolves.toContain('The conditions were met');
    await expect(detail.textContent()).resolves.toContain(`automation-${execution.id}`);
    await admin.screenshot({ path: path.join(SHOTS, 'admin-automation.png'), fullPage: true });

    // The details button closes it again.
    await row.getByTestId('execution-details-toggle').click();
    await expect(detail.isHidden()).resolves.toBe(true);
  });

  it('a platform admin overrides an AI decision (the reason is required) and exports the log as CSV', async () => {
    const m = await createMarketplace(h.db);
    const ai = await h.request('POST', '/api/v1/decisions', {
      actor: m.actors.companyAdmin,
      body: {
        entityType: 'job',
        entityId: m.jobId,
        decisionType: 'shortlist',
        outcome: 'advance',
        confidence: 0.87,
        reasoning: 'Strong match on Go and payments.',
        modelVersion: 'ranker-2024-06',
      },
    });
    expect(ai.status).toBe(201);

    const admin = await signedIn(m.actors.platformAdmin);
    await admin.getByTestId('nav-decisions').click();
    await admin.getByTestId('decision-source-filter').selectOption('ai');
    await admin.waitForURL(/#\/decisions\?source=ai/);
    const card = admin.locator(`[data-testid="decision-card"][data-decision-id="${ai.body.id}"]`);
    await card.waitFor();
    await hasText(card.getByTestId('decision-confidence'), '87%');
    await hasText(card.getByTestId('decision-model'), 'ranker-2024-06');
    await hasText(card.getByTestId('decision-reasoning'), 'Strong match on Go and payments.');

    // An empty reason is refused next to its field; then the override is recorded and shown.
    await card.getByTestId('override-open').click();
    await card.getByTestId('override-outcome-input').fill('hold');
    await card.getByTestId('override-submit').click();
    const reasonError = card.getByTestId(`field-error-override-${ai.body.id}-reason`);
    await reasonError.waitFor();
    await expect(reasonError.textContent()).resolves.toMatch(/why/i);
    await expect(card.getByTestId('override-reason-input').getAttribute('aria-invalid')).resolves.toBe('true');
    await admin.screenshot({ path: path.join(SHOTS, 'admin-decision-override-error.png'), fullPage: true });
    await card.getByTestId('override-reason-input').fill('References are still pending.');
    await card.getByTestId('override-submit').click();
    await admin.getByTestId('notice').waitFor();
    const overridden = admin.locator(`[data-testid="decision-card"][data-decision-id="${ai.body.id}"][data-overridden="true"]`);
    await overridden.waitFor();
    await hasText(overridden.getByTestId('override-outcome'), 'hold');
    await hasText(overridden.getByTestId('override-reason'), 'References are still pending.');
    expect(await overridden.getByTestId('override-form').count()).toBe(0);
    await admin.screenshot({ path: path.join(SHOTS, 'admin-decisions.png'), fullPage: true });

    // The CSV export downloads the filtered log: the header and this decision with its override.
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toBe('decision-log.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^id,occurredAt,entityType,entityId,decisionType,outcome,source,confidence/);
    const line = lines.find((l) => l.startsWith(`${ai.body.id},`));
    expect(line).toContain(m.jobId);
    expect(line).toContain('shortlist');
    expect(line).toContain('References are still pending.');
    expect(lines.slice(1).every((l) => l.includes(',ai,'))).toBe(true); // the source filter applies
  });

  it("a platform admin sees a submission blocked by another recruiter's protection in the events", async () => {
    const m = await createMarketplace(h.db);
    expect((await h.request('POST', `/api/v1/candidates/${m.candidateId}/source`, { actor: m.actors.recruiter, body: {} })).status).toBe(
      201,
    );
    const blocked = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.otherRecruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Mine too.' },
    });
    expect(blocked.status).toBe(409);
    const event = await eventually(() =>
      h.db('marketplace_events').where({ candidate_id: m.candidateId, type: 'protected_submission_blocked' }).first(),
    );
    expect(event).toBeTruthy();

    const admin = await signedIn(m.actors.platformAdmin);
    await admin.getByTestId('nav-events').click();
    await admin.getByTestId('event-type-filter').selectOption('protected_submission_blocked');
    await admin.waitForURL(/#\/events\?type=protected_submission_blocked/);
    const row = admin.locator(`[data-testid="event-row"][data-event-id="${event!.id}"]`);
    await row.waitFor();
    await expect(row.getAttribute('data-candidate-id')).resolves.toBe(m.candidateId);
    await hasText(row.getByTestId('event-type'), 'Protected submission blocked');
    await hasText(row.getByTestId('event-recruiter'), 'Otto Recruiter');
    // Details read as pairs, the owner by name: "Owner Rita Recruiter", "Protection ends at …", "Job ID …".
    const details = row.getByTestId('event-details');
    await details.filter({ hasText: 'Rita Recruiter' }).waitFor();
    const text = await details.textContent();
    expect(text).toContain('Owner');
    expect(text).toContain('Protection ends at');
    expect(text).toContain('Job ID');
    await admin.screenshot({ path: path.join(SHOTS, 'admin-events.png'), fullPage: true });

    // The candidate link narrows the list to that candidate (the sourcing claim shows too).
    await row.getByTestId('event-candidate').click();
    await admin.waitForURL(new RegExp(`candidate=${m.candidateId}`));
    await admin.getByTestId('candidate-filter').waitFor();
    expect(
      await admin.locator('[data-testid="event-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-candidate-id'))),
    ).toSatisfy((ids: string[]) => ids.every((id) => id === m.candidateId));
    // A company admin has no events in the navigation.
    const company = await signedIn(m.actors.companyAdmin);
    expect(await company.getByTestId('nav-events').count()).toBe(0);
  });
});
