import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { automationStateQuery } from '../../domain/automation.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { createApplication } from '../../testkit/harness/automation-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const offerRule = (overrides: Record<string, unknown> = {}) => ({
  name: 'Offer after a strong interview',
  trigger: 'application.stage_changed',
  conditions: {
    all: [
      { field: 'stageTo', op: 'eq', value: 'interview' },
      { field: 'source', op: 'neq', value: 'automation' },
    ],
  },
  actions: [{ type: 'advance_stage', stage: 'offer' }],
  ...overrides,
});
const createRule = (m: Marketplace, body: Record<string, unknown>, actor = m.actors.companyAdmin) =>
  h.request('POST', '/api/v1/automation/rules', { actor, body });
const ruleCount = async () => Number((await h.db('automation_rules').count<{ n: string }[]>('* as n').first())!.n);

/** Recruiter proposes, company admin accepts: the proposal workflow raises `proposal.accepted`. */
async function acceptedProposal(m: Marketplace) {
  const created = await h.request('POST', '/api/v1/proposals', {
    actor: m.actors.recruiter,
    body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Led payments at scale.' },
  });
  expect(created.status).toBe(201);
  const accepted = await h.request('POST', `/api/v1/proposals/${created.body.id}/accept`, { actor: m.actors.companyAdmin, body: {} });
  expect(accepted.status).toBe(200);
  return accepted.body as { id: string; applicationId: string };
}

async function pendingApproval(m: Marketplace, actor = m.actors.companyAdmin) {
  return eventually(async () => {
    const inbox = await h.request('GET', '/api/v1/approvals', { actor });
    return inbox.body.data.find((a: { companyId: string }) => a.companyId === m.companyId);
  }, 20_000);
}

describe('automation rules API', () => {
  it('lets a company admin create a rule for their company; high-impact actions default to approval', async () => {
    const m = await createMarketplace(h.db);
    const res = await createRule(m, offerRule());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      companyId: m.companyId,
      trigger: 'application.stage_changed',
      requiresApproval: true,
      approvalTimeoutHours: 24,
      approverRole: 'company_admin',
      enabled: true,
    });
    expect(res.body.conditions).toEqual(offerRule().conditions);
    const fetched = await h.request('GET', `/api/v1/automation/rules/${res.body.id}`, { actor: m.actors.companyAdmin });
    expect(fetched.body).toEqual(res.body);
    expect((await h.request('GET', `/api/v1/automation/rules/${res.body.id}`, { actor: m.actors.foreignAdmin })).status).toBe(404);
  });

  it.each([
    ['an unknown operator', { conditions: { field: 'stageTo', op: 'like', value: 'inter%' } }, ['conditions', 'op']],
    ['a field the trigger does not carry', { conditions: { field: 'salary', op: 'gt', value: 1 } }, ['conditions']],
    ['code in place of a condition', { conditions: 'process.exit(1)' }, ['conditions']],
    [
      'a condition nested too deeply',
      { conditions: JSON.parse(`${'{"not":'.repeat(40)}{"field":"stageTo","op":"exists"}${'}'.repeat(40)}`) },
      ['conditions'],
    ],
    ['an unknown action', { actions: [{ type: 'delete_candidate' }] }, ['actions', 0, 'type']],
    [
      'an action the trigger cannot feed',
      { trigger: 'sourcing.conflict', conditions: null, actions: [{ type: 'advance_stage', stage: 'offer' }] },
      ['actions', 0],
    ],
    ['an approval timeout out of range', { approvalTimeoutHours: 0 }, ['approvalTimeoutHours']],
  ])('refuses %s with 400 and stores nothing', async (_name, change, path) => {
    const m = await createMarketplace(h.db);
    const before = await ruleCount();
    const res = await createRule(m, offerRule(change));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.details.map((d: { path: unknown[] }) => d.path)).toContainEqual(expect.arrayContaining(path as unknown[]));
    expect(await ruleCount()).toBe(before);
  });

  it('refuses a high-impact rule without approval (422), and rules from recruiters or for another company (403)', async () => {
    const m = await createMarketplace(h.db);
    const before = await ruleCount();
    const noApproval = await createRule(m, offerRule({ requiresApproval: false }));
    expect(noApproval.status).toBe(422);
    expect(noApproval.body.error.code).toBe('approval_required');
    expect((await createRule(m, offerRule(), m.actors.recruiter)).status).toBe(403);
    expect((await createRule(m, offerRule(), m.actors.hiringManager)).status).toBe(403);
    expect((await createRule(m, offerRule({ companyId: m.actors.foreignAdmin.companyId }))).status).toBe(403);
    expect(await ruleCount()).toBe(before);
  });

  it('lists a company its own rules only, changes them with the same checks, and retires them', async () => {
    const m = await createMarketplace(h.db);
    const other = await createMarketplace(h.db);
    const rule = (await createRule(m, offerRule())).body;
    await createRule(other, offerRule());
    const list = await h.request('GET', '/api/v1/automation/rules?trigger=application.stage_changed', { actor: m.actors.companyAdmin });
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([rule.id]);

    const renamed = await h.request('PATCH', `/api/v1/automation/rules/${rule.id}`, {
      actor: m.actors.companyAdmin,
      body: { name: 'Renamed', approvalTimeoutHours: 48 },
    });
    expect(renamed.body).toMatchObject({ name: 'Renamed', approvalTimeoutHours: 48, requiresApproval: true });
    const unsafe = await h.request('PATCH', `/api/v1/automation/rules/${rule.id}`, {
      actor: m.actors.companyAdmin,
      body: { requiresApproval: false },
    });
    expect(unsafe.status).toBe(422);
    const lowImpact = await h.request('PATCH', `/api/v1/automation/rules/${rule.id}`, {
      actor: m.actors.companyAdmin,
      body: { actions: [{ type: 'create_task', title: 'Call the candidate', dueInDays: 1 }] },
    });
    expect(lowImpact.body).toMatchObject({
      requiresApproval: false,
      actions: [{ type: 'create_task', title: 'Call the candidate', dueInDays: 1 }],
    });

    expect((await h.request('DELETE', `/api/v1/automation/rules/${rule.id}`, { actor: m.actors.companyAdmin })).status).toBe(200);
    expect((await h.request('GET', `/api/v1/automation/rules/${rule.id}`, { actor: m.actors.companyAdmin })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/automation/rules', { actor: m.actors.companyAdmin })).body.data).toEqual([]);
  });
});

describe('a domain event from another workflow triggers a rule that waits for approval', () => {
  it('proposal accepted → approval in the inbox and the Web UI (NeedsAttention) → approved through the API → the application moves', async () => {
    const m = await createMarketplace(h.db);
    const rule = (
      await createRule(m, {
        name: 'Fast-track our top recruiter',
        trigger: 'proposal.accepted',
        conditions: { field: 'recruiterId', op: 'eq', value: m.recruiterId },
        actions: [
          { type: 'advance_stage', stage: 'interview' },
          { type: 'create_task', title: 'Schedule the interview', dueInDays: 2 },
        ],
        requiresApproval: true,
      })
    ).body;
    const proposal = await acceptedProposal(m);

    const approval = await pendingApproval(m);
    expect(approval).toMatchObject({
      status: 'pending',
      approverRole: 'company_admin',
      summary: { ruleName: 'Fast-track our top recruiter', trigger: 'proposal.accepted', entityId: proposal.id },
    });
    const execution = (await h.request('GET', `/api/v1/automation/executions/${approval.executionId}`, { actor: m.actors.companyAdmin }))
      .body;
    expect(execution).toMatchObject({
      ruleId: rule.id,
      status: 'awaiting_approval',
      conditionsMet: true,
      workflowId: `approval-${approval.executionId}`,
    });
    // Ops find it in the Temporal Web UI.
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.temporal.workflow.list({
        query: `NeedsAttention = true AND AutomationStatus = "awaiting_approval" AND CompanyId = "${m.companyId}"`,
      }))
        ids.push(wf.workflowId);
      return ids.length ? ids : undefined;
    });
    expect(found).toEqual([execution.workflowId]);
    expect((await h.db('applications').where({ id: proposal.applicationId }).first())!.stage).toBe('submitted');

    // Not the approver role, or another company: refused, nothing done.
    expect(
      (await h.request('POST', `/api/v1/approvals/${approval.executionId}/approve`, { actor: m.actors.hiringManager, body: {} })).status,
    ).toBe(403);
    expect(
      (await h.request('POST', `/api/v1/approvals/${approval.executionId}/approve`, { actor: m.actors.foreignAdmin, body: {} })).status,
    ).toBe(404);
    expect(
      (await h.request('POST', `/api/v1/approvals/${approval.executionId}/approve`, { actor: m.actors.recruiter, body: {} })).status,
    ).toBe(403);

    const approved = await h.request('POST', `/api/v1/approvals/${approval.executionId}/approve`, {
      actor: m.actors.companyAdmin,
      body: { comment: 'go' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      decidedByUserId: m.actors.companyAdmin.userId,
      decidedByName: 'Admin',
      decidedByRole: 'company_admin',
      comment: 'go',
    });
    const again = await h.request('POST', `/api/v1/approvals/${approval.executionId}/reject`, { actor: m.actors.companyAdmin, body: {} });
    expect(again.status).toBe(409);

    const done = await eventually(async () => {
      const e = (await h.request('GET', `/api/v1/automation/executions/${approval.executionId}`, { actor: m.actors.companyAdmin })).body;
      return e.status === 'succeeded' ? e : undefined;
    });
    expect(done.actionsTaken).toMatchObject([
      { type: 'advance_stage', status: 'done' },
      { type: 'create_task', status: 'done' },
    ]);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(done.approval).toMatchObject({ status: 'approved', decidedByName: 'Admin' });
    const inbox = await h.request('GET', '/api/v1/approvals?status=approved', { actor: m.actors.companyAdmin });
    expect(inbox.body.data.find((a: { executionId: string }) => a.executionId === approval.executionId)).toMatchObject({
      decidedByName: 'Admin',
    });
    expect((await h.db('applications').where({ id: proposal.applicationId }).first())!.stage).toBe('interview');
    const tasks = await h.request('GET', '/api/v1/tasks', { actor: m.actors.recruiter });
    expect(tasks.body.data).toMatchObject([{ title: 'Schedule the interview', recruiterId: m.recruiterId, entityId: proposal.id }]);
    const listed = await h.request('GET', `/api/v1/automation/executions?ruleId=${rule.id}&status=succeeded`, {
      actor: m.actors.companyAdmin,
    });
    expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([approval.executionId]);
    const byEntity = await h.request('GET', `/api/v1/automation/executions?entityType=proposal&entityId=${proposal.id}`, {
      actor: m.actors.platformAdmin,
    });
    expect(byEntity.body.data).toHaveLength(1);
    expect((await h.request('GET', `/api/v1/automation/executions?ruleId=${rule.id}`, { actor: m.actors.foreignAdmin })).body.data).toEqual(
      [],
    );
  });

  it('shows each approver only the requests for their role and company, and a rejected one does nothing', async () => {
    const m = await createMarketplace(h.db);
    await createRule(m, {
      name: 'HM screens',
      trigger: 'proposal.accepted',
      actions: [{ type: 'reject_application', reason: 'role filled' }],
      approverRole: 'hiring_manager',
    });
    const proposal = await acceptedProposal(m);
    const approval = await pendingApproval(m, m.actors.hiringManager);
    const adminInbox = await h.request('GET', '/api/v1/approvals', { actor: m.actors.companyAdmin });
    expect(adminInbox.body.data.map((a: { executionId: string }) => a.executionId)).not.toContain(approval.executionId);
    const foreignInbox = await h.request('GET', '/api/v1/approvals', { actor: m.actors.foreignAdmin });
    expect(foreignInbox.body.data.map((a: { executionId: string }) => a.executionId)).not.toContain(approval.executionId);
    expect(
      (await h.request('POST', `/api/v1/approvals/${approval.executionId}/approve`, { actor: m.actors.companyAdmin, body: {} })).status,
    ).toBe(403);

    const rejected = await h.request('POST', `/api/v1/approvals/${approval.executionId}/reject`, {
      actor: m.actors.hiringManager,
      body: { comment: 'keep them' },
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', comment: 'keep them' });
    const execution = await h.db('automation_executions').where({ id: approval.executionId }).first();
    await h.temporal.workflow.getHandle(execution!.workflow_id).result();
    expect((await h.temporal.workflow.getHandle(execution!.workflow_id).query(automationStateQuery)).status).toBe('rejected');
    // The process is over: a late answer is refused.
    expect(
      (await h.request('POST', `/api/v1/approvals/${approval.executionId}/approve`, { actor: m.actors.hiringManager, body: {} })).status,
    ).toBe(409);
    expect((await h.db('applications').where({ id: proposal.applicationId }).first())!.stage).toBe('submitted');
    const pending = await h.request('GET', '/api/v1/approvals?status=rejected', { actor: m.actors.hiringManager });
    expect(pending.body.data.map((a: { executionId: string }) => a.executionId)).toContain(approval.executionId);
  });
});

describe('decision log API', () => {
  const applications = new Map<Marketplace, Promise<string>>();
  async function aiDecision(m: Marketplace, body: Record<string, unknown> = {}) {
    if (!applications.has(m)) applications.set(m, createApplication(h.db, m, 'screening'));
    const applicationId = await applications.get(m)!;
    return h.request('POST', '/api/v1/decisions', {
      actor: m.actors.companyAdmin,
      body: {
        entityType: 'application',
        entityId: applicationId,
        decisionType: 'screening',
        outcome: 'advance',
        confidence: 0.82,
        reasoning: 'Strong match on required skills.',
        modelVersion: 'screener-2026-10',
        ...body,
      },
    });
  }

  it('records an AI decision, a human override beside it once, and lists them together', async () => {
    const m = await createMarketplace(h.db);
    const ai = await aiDecision(m);
    expect(ai.status).toBe(201);
    expect(ai.body).toMatchObject({
      source: 'ai',
      confidence: 0.82,
      outcome: 'advance',
      modelVersion: 'screener-2026-10',
      companyId: m.companyId,
      override: null,
    });
    const override = await h.request('POST', `/api/v1/decisions/${ai.body.id}/override`, {
      actor: m.actors.hiringManager,
      body: { outcome: 'reject', reason: 'Failed the reference check.' },
    });
    expect(override.status).toBe(201);
    expect(override.body.override).toMatchObject({
      source: 'human',
      outcome: 'reject',
      reasoning: 'Failed the reference check.',
      overridesDecisionId: ai.body.id,
      actorUserId: m.actors.hiringManager.userId,
    });
    // Who decided and for which company, by name (the log shows names, not ids).
    const company = (await h.db('companies').where({ id: m.companyId }).first())!.name;
    expect(override.body).toMatchObject({
      actorName: 'Admin',
      companyName: company,
      override: { actorName: 'Hiring Manager', companyName: company },
    });
    expect(
      (
        await h.request('POST', `/api/v1/decisions/${ai.body.id}/override`, {
          actor: m.actors.companyAdmin,
          body: { outcome: 'advance', reason: 'again' },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await h.request('POST', `/api/v1/decisions/${override.body.override.id}/override`, {
          actor: m.actors.companyAdmin,
          body: { outcome: 'x', reason: 'y' },
        })
      ).status,
    ).toBe(422);

    const list = await h.request('GET', '/api/v1/decisions?source=ai&minConfidence=0.8', { actor: m.actors.companyAdmin });
    expect(list.body.data).toMatchObject([{ id: ai.body.id, override: { outcome: 'reject' } }]);
    expect(
      (await h.request('GET', '/api/v1/decisions', { actor: m.actors.foreignAdmin })).body.data.map((d: { id: number }) => d.id),
    ).not.toContain(ai.body.id);
  });

  it('refuses bad decisions (confidence outside 0–1, unknown or foreign entity) and writes nothing', async () => {
    const m = await createMarketplace(h.db);
    const count = async () => Number((await h.db('decision_audit_log').count<{ n: string }[]>('* as n').first())!.n);
    const before = await count();
    expect((await aiDecision(m, { confidence: 1.5 })).status).toBe(400);
    expect((await aiDecision(m, { entityType: 'spaceship' })).status).toBe(400);
    expect((await aiDecision(m, { entityId: m.jobId, entityType: 'application' })).status).toBe(404);
    const foreign = await createMarketplace(h.db);
    expect((await aiDecision(m, { entityType: 'job', entityId: foreign.jobId })).status).toBe(404);
    const byRecruiter = await h.request('POST', '/api/v1/decisions', {
      actor: m.actors.recruiter,
      body: { entityType: 'job', entityId: m.jobId, decisionType: 'x', outcome: 'y', confidence: 0.5, reasoning: 'z', modelVersion: 'm' },
    });
    expect(byRecruiter.status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('exports the log as CSV (formula-safe) and as JSON', async () => {
    const m = await createMarketplace(h.db);
    const ai = await aiDecision(m, { reasoning: '=HYPERLINK("http://evil")', outcome: 'advance, then "offer"' });
    await h.request('POST', `/api/v1/decisions/${ai.body.id}/override`, {
      actor: m.actors.companyAdmin,
      body: { outcome: 'hold', reason: 'wait for references' },
    });

    const csv = await fetch(`${h.baseUrl}/api/v1/decisions/export?format=csv&entityId=${ai.body.entityId}`, {
      headers: { authorization: `Bearer ${await h.token(m.actors.companyAdmin)}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain('decision-log.csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,occurredAt,entityType,entityId,decisionType,outcome,source,confidence,reasoning,modelVersion,actorUserId,actorRole,companyId,overridesDecisionId,overrideOutcome,overrideReason,overrideBy,overrideAt',
    );
    const aiLine = lines.find((l) => l.startsWith(`${ai.body.id},`))!;
    expect(aiLine).toContain('"advance, then ""offer"""');
    expect(aiLine).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(aiLine).toContain('hold,wait for references');

    const json = await fetch(`${h.baseUrl}/api/v1/decisions/export?format=json&entityId=${ai.body.entityId}`, {
      headers: { authorization: `Bearer ${await h.token(m.actors.companyAdmin)}` },
    });
    const rows = (await json.json()) as { id: number; override: { outcome: string } | null }[];
    expect(rows.find((r) => r.id === ai.body.id)?.override?.outcome).toBe('hold');
    const forbidden = await fetch(`${h.baseUrl}/api/v1/decisions/export`, {
      headers: { authorization: `Bearer ${await h.token(m.actors.recruiter)}` },
    });
    expect(forbidden.status).toBe(403);
  });
});
