import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../testkit/fakes/resend.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness, type ApiResponse } from '../../testkit/harness/api-harness.js';
import { stuckWorkflows } from '../../testkit/harness/stuck-workflows.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Characters Postgres or the product cannot store or show, each inside otherwise ordinary text. */
const HOSTILE: [string, string][] = [
  ['a NUL', 'Strong\u0000fit'],
  ['an unpaired high surrogate', 'Strong \ud800fit'],
  ['an unpaired low surrogate', 'Strong \udc00fit'],
  ['a bell (C0 control)', 'Strong\u0007fit'],
  ['a C1 control', 'Strong\u0085fit'],
  ['a right-to-left override', 'Strong \u202Efit'],
  ['a bidi isolate', 'Strong \u2066fit'],
];

function expectTextRefused(res: ApiResponse, where: string, path: (string | number)[]) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe('validation_error');
  expect(res.body.error.details).toContainEqual(expect.objectContaining({ code: 'invalid_text', in: where, path }));
}

const noStuckWorkflow = async (m: Marketplace) => expect(await stuckWorkflows(h.temporal, `CompanyId = "${m.companyId}"`)).toEqual([]);

async function proposal(m: Marketplace) {
  const res = await h.request('POST', '/api/v1/proposals', {
    actor: m.actors.recruiter,
    body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Ten years of payments.' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; workflowId: string };
}

describe('hostile text at the edge', () => {
  it.each(HOSTILE)('refuses a proposal pitch with %s: 400 naming the pitch, no row, no workflow', async (_name, pitch) => {
    const m = await createMarketplace(h.db);
    const res = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch },
    });
    expectTextRefused(res, 'body', ['pitch']);
    expect(await h.db('candidate_role_assignments').where({ job_id: m.jobId })).toHaveLength(0);
    const started: string[] = [];
    for await (const wf of h.temporal.workflow.list({ query: `CompanyId = "${m.companyId}"` })) started.push(wf.workflowId);
    expect(started).toEqual([]);
  });

  it('accepts ordinary Unicode: emoji, right-to-left script, accents, tabs and CRLF line breaks', async () => {
    const m = await createMarketplace(h.db);
    const pitch = 'Great fit 🚀\r\nSpeaks العربية and עברית,\tled José\u2019s team (日本語 too).';
    const res = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.pitch).toBe(pitch);
  });

  it('refuses a decline reason with a NUL and leaves the proposal open and decidable', async () => {
    const m = await createMarketplace(h.db);
    const p = await proposal(m);
    const declined = await h.request('POST', `/api/v1/proposals/${p.id}/decline`, {
      actor: m.actors.companyAdmin,
      body: { reason: 'not\u0000now' },
    });
    expectTextRefused(declined, 'body', ['reason']);
    const row = await h.db('candidate_role_assignments').where({ id: p.id }).first();
    expect(row!.state).toBe('proposed');
    const accepted = await h.request('POST', `/api/v1/proposals/${p.id}/accept`, { actor: m.actors.companyAdmin, body: {} });
    expect(accepted.status, accepted.text).toBe(200);
    await noStuckWorkflow(m);
  });

  it('refuses hostile text nested in automation conditions, in object keys, and in the rule name', async () => {
    const m = await createMarketplace(h.db);
    const before = await h.db('automation_rules').where({ company_id: m.companyId });
    const rule = (over: Record<string, unknown>) =>
      h.request('POST', '/api/v1/automation/rules', {
        actor: m.actors.companyAdmin,
        body: {
          name: 'Screen',
          trigger: 'proposal.accepted',
          actions: [{ type: 'create_task', title: 'Call' }],
          requiresApproval: false,
          enabled: false,
          ...over,
        },
      });
    expectTextRefused(await rule({ conditions: { all: [{ field: 'stageTo', op: 'eq', value: 'inter\u0000view' }] } }), 'body', [
      'conditions',
      'all',
      0,
      'value',
    ]);
    expectTextRefused(await rule({ conditions: { 'all\u202E': [] } }), 'body', ['conditions', 'all\u202E']);
    expectTextRefused(await rule({ name: 'Screen \udfff' }), 'body', ['name']);
    expect(await h.db('automation_rules').where({ company_id: m.companyId })).toEqual(before);
  });

  it('refuses a decision override reason with a control character, writing no override', async () => {
    const m = await createMarketplace(h.db);
    const ai = await h.request('POST', '/api/v1/decisions', {
      actor: m.actors.companyAdmin,
      body: {
        entityType: 'job',
        entityId: m.jobId,
        decisionType: 'fit',
        outcome: 'advance',
        confidence: 0.7,
        reasoning: 'Good fit.',
        modelVersion: 'm-1',
      },
    });
    expect(ai.status, ai.text).toBe(201);
    // Counted for this company's admin only: other files write the log concurrently.
    const mine = () => h.db('decision_audit_log').where({ actor_user_id: m.actors.companyAdmin.userId! }).count('* as n').first();
    const rows = await mine();
    const override = await h.request('POST', `/api/v1/decisions/${ai.body.id}/override`, {
      actor: m.actors.companyAdmin,
      body: { outcome: 'reject', reason: 'bad\u001bref' },
    });
    expectTextRefused(override, 'body', ['reason']);
    expect(await mine()).toEqual(rows);
  });

  it('refuses outreach with a NUL in its subject before any e-mail is sent', async () => {
    const m = await createMarketplace(h.db);
    const sent = h.resend.emails().length;
    const res = await h.request('POST', `/api/v1/candidates/${m.candidateId}/outreach`, {
      actor: m.actors.recruiter,
      body: { subject: 'Hi\u0000', body: 'Hello' },
    });
    expectTextRefused(res, 'body', ['subject']);
    expect(await h.db('candidate_outreach').where({ candidate_id: m.candidateId })).toHaveLength(0);
    expect(h.resend.emails().length).toBe(sent);
  });

  it('refuses integration credentials holding an unpaired surrogate, connecting nothing', async () => {
    const m = await createMarketplace(h.db);
    const res = await h.request('POST', '/api/v1/integrations', {
      actor: m.actors.companyAdmin,
      body: { platform: 'lever', credentials: { apiKey: 'key\ud83d' } },
    });
    expectTextRefused(res, 'body', ['credentials', 'apiKey']);
    expect(await h.db('integrations').where({ company_id: m.companyId })).toHaveLength(0);
    await noStuckWorkflow(m);
  });

  it('refuses a signed Resend webhook whose payload holds a NUL, storing no event', async () => {
    const m = await createMarketplace(h.db);
    const sent = await h.request('POST', `/api/v1/candidates/${m.candidateId}/outreach`, {
      actor: m.actors.recruiter,
      body: { subject: 'Hi', body: 'Hello' },
    });
    expect(sent.status, sent.text).toBe(201);
    const emailId = (await h.db('candidate_outreach').where({ id: sent.body.id }).first())!.provider_message_id;
    const body = JSON.stringify({
      type: 'email.delivered',
      created_at: new Date().toISOString(),
      data: { email_id: emailId, subject: 'Hi\u0000' },
    });
    const res = await h.request('POST', '/api/v1/webhooks/resend', {
      rawBody: body,
      headers: { ...signWebhook(h.webhookSecret, body), 'content-type': 'application/json' },
    });
    expectTextRefused(res, 'body', ['data', 'subject']);
    expect(await h.db('candidate_outreach_events').where({ outreach_id: sent.body.id })).toHaveLength(0);
  });

  it('refuses hostile text in the query and the path', async () => {
    const m = await createMarketplace(h.db);
    expectTextRefused(await h.request('GET', '/api/v1/proposals?cursor=%00', { actor: m.actors.recruiter }), 'query', ['cursor']);
    expectTextRefused(await h.request('GET', '/api/v1/proposals/%E2%80%AE', { actor: m.actors.recruiter }), 'params', ['id']);
    // The streamed export is not registered through route(): it checks its query itself.
    expectTextRefused(await h.request('GET', '/api/v1/decisions/export?format=csv%00', { actor: m.actors.companyAdmin }), 'query', [
      'format',
    ]);
  });

  it.each([
    [
      'a proposal pitch',
      '/api/v1/proposals',
      (m: Marketplace) => ({ candidateId: m.candidateId, jobId: m.jobId, pitch: 'x'.repeat(1 << 20) }),
    ],
    ['an outreach body', '/api/v1/candidates/{candidate}/outreach', () => ({ subject: 'Hi', body: 'x'.repeat(1 << 20) })],
    ['a rule name', '/api/v1/automation/rules', () => ({ name: 'x'.repeat(1 << 20), trigger: 'proposal.accepted', actions: [] })],
  ])('answers a 1 MB string in %s with a 4xx, not a 5xx or a hang', async (_name, path, body) => {
    const m = await createMarketplace(h.db);
    const actor = path.includes('rules') ? m.actors.companyAdmin : m.actors.recruiter;
    const res = await h.request('POST', path.replace('{candidate}', m.candidateId), { actor, body: body(m) });
    expect(res.status).toBe(413);
    const query = await h.request('GET', `/api/v1/proposals?cursor=${'x'.repeat(1 << 20)}`, { actor });
    expect(query.status).toBeGreaterThanOrEqual(400);
    expect(query.status).toBeLessThan(500);
  });

  it('stores text in NFC: a decomposed and a precomposed name are the same name', async () => {
    const m = await createMarketplace(h.db);
    const res = await h.request('POST', '/api/v1/automation/rules', {
      actor: m.actors.companyAdmin,
      body: {
        name: 'Cafe\u0301 screening',
        trigger: 'proposal.accepted',
        actions: [{ type: 'create_task', title: 'Call' }],
        requiresApproval: false,
        enabled: false,
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe('Caf\u00e9 screening');
    expect((await h.db('automation_rules').where({ id: res.body.id }).first())!.name).toBe('Caf\u00e9 screening');
  });
});
