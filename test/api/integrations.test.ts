import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncStatusQuery, webhookEventsSignal } from '../../domain/ats.js';
import type { CanonicalEvent } from '../../activities/ats/types.js';
import { canonicalStage } from '../../domain/ats-stages.js';
import type { FakeAts } from '../../testkit/fakes/ats/types.js';
import { startGreenhouseFake } from '../../testkit/fakes/ats/greenhouse.js';
import { startLeverFake } from '../../testkit/fakes/ats/lever.js';
import { startWorkableFake } from '../../testkit/fakes/ats/workable.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, TEST_KEY_RING, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { seedSmall } from '../../testkit/harness/ats-harness.js';

let h: ApiHarness;
const fakes: FakeAts[] = [];
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
  await Promise.all(fakes.map((f) => f.close()));
});

async function greenhouse() {
  const f = await startGreenhouseFake();
  fakes.push(f);
  return f;
}

const connect = (m: Marketplace, ats: FakeAts, body: Record<string, unknown> = {}) =>
  h.request('POST', '/api/v1/integrations', {
    actor: m.actors.companyAdmin,
    body: {
      platform: ats.platform,
      credentials: ats.config.credentials,
      baseUrl: ats.config.baseUrl,
      ...(ats.config.authUrl && { authUrl: ats.config.authUrl }),
      webhookSecret: ats.webhookSecret,
      ...body,
    },
  });

async function synced(m: Marketplace, id: string) {
  return eventually(async () => {
    const res = await h.request('GET', `/api/v1/integrations/${id}`, { actor: m.actors.companyAdmin });
    return res.body.live?.runs >= 1 && !res.body.live.syncing ? res.body : undefined;
  }, 30_000);
}

/** A seeded Greenhouse, connected by a new company and synced once. */
async function syncedGreenhouse(body: Record<string, unknown> = {}) {
  const ats = await greenhouse();
  const { applications } = seedSmall(ats);
  const m = await createMarketplace(h.db);
  const integration = (await connect(m, ats, body)).body;
  await synced(m, integration.id);
  return { ats, applications, m, integration };
}

describe('integrations API: webhooks signed with platform credentials', () => {
  const post = (id: string, delivery: { body: string; headers: Record<string, string> }) =>
    h.request('POST', `/api/v1/integrations/${id}/webhooks`, {
      rawBody: delivery.body,
      headers: { ...delivery.headers, 'content-type': 'application/json' },
    });

  it('stores one Lever signature token per event type with the sealed credentials, and accepts each type signed with its own', async () => {
    const ats = await startLeverFake();
    fakes.push(ats);
    const { applications } = seedSmall(ats);
    const m = await createMarketplace(h.db);
    const created = await connect(m, ats);
    expect(created.status).toBe(201);
    const token = ats.config.credentials['signatureToken.candidateDeleted']!;
    expect(JSON.stringify(created.body)).not.toContain(token);
    expect((await h.db('integrations').where({ id: created.body.id }).first())!.credentials_sealed).not.toContain(token);
    await synced(m, created.body.id);
    const moved = ats.stageChangeWebhook(applications[0]!, { deliveryId: 'lever-move' });
    const deleted = ats.deletionWebhook!(applications[1]!, { deliveryId: 'lever-delete' });
    expect((await post(created.body.id, moved)).status).toBe(200);
    expect((await post(created.body.id, deleted)).status).toBe(200);
    const swapped = { ...deleted, body: JSON.stringify({ ...JSON.parse(deleted.body), event: 'candidateStageChange' }) };
    expect((await post(created.body.id, swapped)).status).toBe(401);
    const bad = await h.request('PATCH', `/api/v1/integrations/${created.body.id}`, {
      actor: m.actors.companyAdmin,
      body: { credentials: { apiKey: 'k', 'signatureToken.noSuchEvent': 'x' } },
    });
    expect(bad.status).toBe(400);
  });

  it('verifies Workable webhooks with the account token, not a secret of ours, and subscribes the webhook URL on connect', async () => {
    const ats = await startWorkableFake();
    fakes.push(ats);
    const { applications } = seedSmall(ats);
    const m = await createMarketplace(h.db);
    const created = await connect(m, ats);
    await synced(m, created.body.id);
    expect(ats.subscriptions().map((s) => s.target)).toEqual(
      ['candidate_created', 'candidate_moved'].map((e) => `http://app.test/api/v1/integrations/${created.body.id}/webhooks?event=${e}`),
    );
    ats.moveApplication(applications[0]!, ats.stages[2]!);
    const delivery = ats.stageChangeWebhook(applications[0]!, { deliveryId: 'workable-move' });
    // Delivered where the subscription points (its ?event= included).
    const target = new URL(ats.subscriptions().find((s) => s.event === 'candidate_moved')!.target);
    const delivered = await h.request('POST', `${target.pathname}${target.search}`, {
      rawBody: delivery.body,
      headers: { ...delivery.headers, 'content-type': 'application/json' },
    });
    expect(delivered.status).toBe(200);
    const map = await h
      .db('external_entity_map')
      .where({ integration_id: created.body.id, entity_type: 'application', external_id: applications[0] })
      .first();
    await eventually(async () => (await h.db('applications').where({ id: map!.internal_id }).first())!.stage === ats.stages[2]);
    expect(
      (await post(created.body.id, { ...delivery, headers: ats.signWebhook(delivery.body, { secret: ats.webhookSecret }) })).status,
    ).toBe(401);
    await h.request('DELETE', `/api/v1/integrations/${created.body.id}`, { actor: m.actors.companyAdmin });
    await eventually(async () => ats.subscriptions().length === 0);
  });
});

describe('integrations API', () => {
  it('connects an ATS, syncs it at once, and never returns the credentials', async () => {
    const ats = await greenhouse();
    seedSmall(ats);
    const m = await createMarketplace(h.db);
    const res = await connect(m, ats);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      platform: 'greenhouse',
      state: 'active',
      companyId: m.companyId,
      workflowId: `ats-sync-${res.body.id}`,
      webhookSecret: ats.webhookSecret,
    });
    expect(JSON.stringify(res.body)).not.toContain(ats.config.credentials.clientSecret);
    const row = await h.db('integrations').where({ id: res.body.id }).first();
    expect(row!.credentials_sealed).not.toContain(ats.config.credentials.clientSecret!);
    const detail = await synced(m, res.body.id);
    expect(JSON.stringify(detail)).not.toContain(ats.config.credentials.clientSecret);
    expect(detail).not.toHaveProperty('webhookSecret');
    expect(detail.sync.applications).toMatchObject({ runInProgress: false, lastError: null });
    const logs = await h.request('GET', `/api/v1/integrations/${res.body.id}/sync-logs?entity=applications`, {
      actor: m.actors.companyAdmin,
    });
    expect(logs.body.data[0]).toMatchObject({ entity: 'applications', status: 'ok', received: 4, created: 4 });
    // Found in the Web UI by platform and company.
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.temporal.workflow.list({ query: `IntegrationPlatform = "greenhouse" AND CompanyId = "${m.companyId}"` }))
        ids.push(wf.workflowId);
      return ids.length ? ids : undefined;
    });
    expect(found).toEqual([res.body.workflowId]);
    // The pipeline of a synced job.
    const job = await h.db('jobs').where({ source_integration_id: res.body.id, title: 'Platform Engineer' }).first();
    const pipeline = await h.request('GET', `/api/v1/jobs/${job!.id}/pipeline`, { actor: m.actors.hiringManager });
    // Canonical stages in pipeline order; the ATS's own name of each candidate's stage is its label.
    expect(pipeline.body.stages.map((s: { stage: string; count: number }) => [s.stage, s.count])).toEqual([
      ['submitted', 2],
      ['screening', 0],
      ['interview', 0],
      ['offer', 0],
      ['hired', 0],
      ['rejected', 0],
      ['left', 0],
    ]);
    expect(pipeline.body.candidates.map((c: { stage: string; stageLabel: string }) => [c.stage, c.stageLabel])).toEqual([
      ['submitted', ats.stages[0]],
      ['submitted', ats.stages[0]],
    ]);
    expect((await h.request('GET', `/api/v1/jobs/${job!.id}/pipeline`, { actor: m.actors.foreignAdmin })).status).toBe(404);
  });

  it('refuses bad connections with 4xx and starts nothing', async () => {
    const ats = await greenhouse();
    const m = await createMarketplace(h.db);
    const before = Number((await h.db('integrations').count<{ n: string }[]>('* as n').first())!.n);
    const missing = await connect(m, ats, { credentials: { clientId: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toEqual(
      expect.arrayContaining(['credentials.clientSecret', 'credentials.userId']),
    );
    expect((await connect(m, ats, { platform: 'taleo' })).status).toBe(400);
    expect((await connect(m, ats, { intervalMinutes: 0 })).status).toBe(400);
    expect(
      (
        await h.request('POST', '/api/v1/integrations', {
          actor: m.actors.recruiter,
          body: { platform: 'lever', credentials: { apiKey: 'k' } },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await h.request('POST', '/api/v1/integrations', {
          actor: m.actors.hiringManager,
          body: { platform: 'lever', credentials: { apiKey: 'k' } },
        })
      ).status,
    ).toBe(403);
    expect(Number((await h.db('integrations').count<{ n: string }[]>('* as n').first())!.n)).toBe(before);
    expect((await connect(m, ats)).status).toBe(201);
    expect((await connect(m, ats)).status).toBe(409); // one live integration per platform
  });

  it('accepts a signed webhook once, drops its duplicates, and refuses forged or unsigned ones', async () => {
    const { ats, applications, integration } = await syncedGreenhouse();
    const url = `/api/v1/integrations/${integration.id}/webhooks`;
    ats.moveApplication(applications[0]!, ats.stages[1]!);
    const delivery = ats.stageChangeWebhook(applications[0]!, { deliveryId: 'delivery-1' });

    const forged = await h.request('POST', url, {
      rawBody: delivery.body,
      headers: {
        ...ats.signWebhook(delivery.body, { secret: 'not-the-secret', deliveryId: 'delivery-1' }),
        'content-type': 'application/json',
      },
    });
    expect(forged.status).toBe(401);
    const unsigned = await h.request('POST', url, { rawBody: delivery.body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);

    const results = [];
    for (let i = 0; i < 3; i++)
      results.push(
        await h.request('POST', url, { rawBody: delivery.body, headers: { ...delivery.headers, 'content-type': 'application/json' } }),
      );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const stored = await eventually(async () => {
      const rows = await h.db('ats_events').where({ integration_id: integration.id, provider_event_id: 'delivery-1' });
      return rows.length ? rows : undefined;
    });
    expect(stored).toHaveLength(1);
    const app = await h
      .db('external_entity_map')
      .where({ integration_id: integration.id, entity_type: 'application', external_id: applications[0] })
      .first();
    await eventually(async () => (await h.db('applications').where({ id: app!.internal_id }).first())!.stage_label === ats.stages[1]);
    const handle = h.temporal.workflow.getHandle(integration.workflowId);
    const status = await eventually(async () => {
      const s = await handle.query(syncStatusQuery);
      return s.webhookEvents.stored + s.webhookEvents.duplicates >= 1 ? s : undefined;
    });
    expect(status!.webhookEvents.stored).toBe(1);
    expect(
      (
        await h.request('POST', `/api/v1/integrations/${crypto.randomUUID()}/webhooks`, {
          rawBody: delivery.body,
          headers: delivery.headers,
        })
      ).status,
    ).toBe(404);
  });

  it('never moves an application back for a stage change older than the one it applied; the late delivery stays on record', async () => {
    const { ats, applications, integration } = await syncedGreenhouse();
    const url = `/api/v1/integrations/${integration.id}/webhooks`;
    const deliver = async (delivery: { body: string; headers: Record<string, string> }) =>
      expect(
        (await h.request('POST', url, { rawBody: delivery.body, headers: { ...delivery.headers, 'content-type': 'application/json' } }))
          .status,
      ).toBe(200);
    const moves = [];
    for (const i of [1, 2, 3]) {
      await new Promise((resolve) => setTimeout(resolve, 5)); // each move at its own millisecond
      ats.moveApplication(applications[0]!, ats.stages[i]!);
      moves.push(ats.stageChangeWebhook(applications[0]!, { deliveryId: `ooo-${i}` }));
    }
    const map = await h
      .db('external_entity_map')
      .where({ integration_id: integration.id, entity_type: 'application', external_id: applications[0] })
      .first();
    const stage = async () => (await h.db('applications').where({ id: map!.internal_id }).first())!.stage_label;
    // The newest change arrives first and is applied; the two older ones arrive after it.
    await deliver(moves[2]!);
    await eventually(async () => (await stage()) === ats.stages[3]);
    for (const delivery of [moves[0]!, moves[1]!]) await deliver(delivery);
    await eventually(
      async () =>
        (await h.db('ats_events').where({ integration_id: integration.id }).whereIn('provider_event_id', ['ooo-1', 'ooo-2', 'ooo-3']))
          .length === 3,
    );
    expect(await stage()).toBe(ats.stages[3]);
    const moved = await h.db('application_stage_history').where({ application_id: map!.internal_id }).orderBy('id');
    expect(moved.map((r) => r.to_stage)).toEqual([canonicalStage(ats.stages[3]!)]);
  });

  it('applies stage changes that reach the workflow in one batch in the order they happened', async () => {
    const { ats, applications, integration } = await syncedGreenhouse();
    const now = Date.now();
    const change = (i: number): CanonicalEvent => ({
      eventType: 'application.stage_changed',
      providerEventId: `together-${i}`,
      provider: 'greenhouse',
      candidateExternalId: null,
      applicationExternalId: applications[0]!,
      jobExternalId: null,
      stageFrom: null,
      stageTo: ats.stages[i]!,
      actor: null,
      timestamp: new Date(now + i * 1000).toISOString(),
      metadata: {},
    });
    // Three stages of three canonical stages (Recruiter Screen, Technical Interview, Offer), so each is a move.
    await h.temporal.workflow.getHandle(integration.workflowId).signal(webhookEventsSignal, [change(4), change(1), change(2)]);
    const map = await h
      .db('external_entity_map')
      .where({ integration_id: integration.id, entity_type: 'application', external_id: applications[0] })
      .first();
    const moved = await eventually(async () => {
      const rows = await h.db('application_stage_history').where({ application_id: map!.internal_id, source: 'ats' }).orderBy('id');
      return rows.length === 3 ? rows : undefined;
    });
    expect(moved!.map((r) => [r.from_stage, r.to_stage])).toEqual([
      ['submitted', 'screening'],
      ['screening', 'interview'],
      ['interview', 'offer'],
    ]);
    expect(await h.db('applications').where({ id: map!.internal_id }).first()).toMatchObject({
      stage: 'offer',
      stage_label: ats.stages[4],
    });
  });

  it('pushes an accepted proposal for a synced job to the ATS exactly once', async () => {
    const { ats, m, integration } = await syncedGreenhouse({ pushApplications: true });
    const job = await h.db('jobs').where({ source_integration_id: integration.id, title: 'Platform Engineer' }).first();
    const proposal = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: job!.id, pitch: 'Built three ATS integrations.' },
    });
    expect(proposal.status).toBe(201);
    expect(
      (await h.request('POST', `/api/v1/proposals/${proposal.body.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status,
    ).toBe(200);
    const pushed = await eventually(async () => (ats.pushed().length ? ats.pushed() : undefined), 20_000);
    expect(pushed).toMatchObject([{ reference: proposal.body.id }]);
    // A repeated publish (a retried activity) signals again; the push is not repeated.
    const { createEventPublisher } = await import('../../activities/events.js');
    const publisher = createEventPublisher({ db: h.db, temporal: h.temporal, taskQueue: h.taskQueues.automation });
    await publisher.publishDomainEvent({
      key: `proposal-${proposal.body.id}:accepted`,
      type: 'proposal.accepted',
      companyId: m.companyId,
      entityType: 'proposal',
      entityId: proposal.body.id,
      occurredAt: new Date().toISOString(),
      data: {},
    });
    await eventually(async () => (await h.temporal.workflow.getHandle(integration.workflowId).query(syncStatusQuery)).pushes.done >= 1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(ats.pushed()).toHaveLength(1);
    const mapped = await h
      .db('external_entity_map')
      .where({ integration_id: integration.id, entity_type: 'application', external_id: pushed![0]!.applicationExternalId })
      .first();
    expect(mapped!.internal_id).toBe(
      proposal.body.applicationId ?? (await h.db('applications').where({ source_proposal_id: proposal.body.id }).first())!.id,
    );
  });

  it('recovers from refused credentials: auth_failed, new credentials (still never returned), resume, synced', async () => {
    const ats = await greenhouse();
    seedSmall(ats);
    const m = await createMarketplace(h.db);
    const integration = (await connect(m, ats, { credentials: { ...ats.config.credentials, clientSecret: 'revoked-secret' } })).body;
    const url = `/api/v1/integrations/${integration.id}`;
    const failed = await eventually(async () => {
      const res = await h.request('GET', url, { actor: m.actors.companyAdmin });
      return res.body.state === 'auth_failed' ? res.body : undefined;
    }, 30_000);
    expect(failed.lastError).toContain('401');
    const bad = await h.request('PATCH', url, { actor: m.actors.companyAdmin, body: { credentials: { apiKey: 'x' } } });
    expect(bad.status).toBe(400);
    const fixed = await h.request('PATCH', url, { actor: m.actors.companyAdmin, body: { credentials: ats.config.credentials } });
    expect(fixed.status).toBe(200);
    expect(JSON.stringify(fixed.body)).not.toContain(ats.config.credentials.clientSecret);
    expect((await h.request('POST', `${url}/resume`, { actor: m.actors.companyAdmin })).body.state).toBe('active');
    const synced = await eventually(async () => {
      const res = await h.request('GET', url, { actor: m.actors.companyAdmin });
      return res.body.live?.runs >= 2 && !res.body.live.syncing ? res.body : undefined;
    }, 30_000);
    expect(synced).toMatchObject({ state: 'active', lastError: null });
    expect(synced.sync.applications.lastError).toBeNull();
  });

  it('keeps verifying webhooks after the credential keys rotated and the credentials were re-sealed under the new key', async () => {
    const { ats, applications, m, integration } = await syncedGreenhouse();
    const previous = TEST_KEY_RING.currentId;
    // Deploy a rotated ring (new key first, old ones kept) to the API and the worker: they share this one.
    TEST_KEY_RING.keys.set('k3', Buffer.alloc(32, 3));
    TEST_KEY_RING.currentId = 'k3';
    try {
      const patched = await h.request('PATCH', `/api/v1/integrations/${integration.id}`, {
        actor: m.actors.companyAdmin,
        body: { credentials: ats.config.credentials },
      });
      expect(patched.status).toBe(200);
      expect((await h.db('integrations').where({ id: integration.id }).first())!.credentials_key_id).toBe('k3');
      ats.moveApplication(applications[0]!, ats.stages[1]!);
      const delivery = ats.stageChangeWebhook(applications[0]!, { deliveryId: 'after-rotation' });
      const res = await h.request('POST', `/api/v1/integrations/${integration.id}/webhooks`, {
        rawBody: delivery.body,
        headers: { ...delivery.headers, 'content-type': 'application/json' },
      });
      expect(res.status).toBe(200);
    } finally {
      TEST_KEY_RING.currentId = previous;
      TEST_KEY_RING.keys.delete('k3');
    }
  });

  it('pauses, resumes, changes settings and disconnects through the workflow; other companies see nothing', async () => {
    const ats = await startLeverFake();
    fakes.push(ats);
    seedSmall(ats);
    const m = await createMarketplace(h.db);
    const integration = (await connect(m, ats)).body;
    const url = `/api/v1/integrations/${integration.id}`;
    expect((await h.request('GET', url, { actor: m.actors.foreignAdmin })).status).toBe(404);
    expect((await h.request('POST', `${url}/pause`, { actor: m.actors.companyAdmin })).body.state).toBe('paused');
    expect((await h.request('POST', `${url}/pause`, { actor: m.actors.companyAdmin })).status).toBe(409);
    expect((await h.request('POST', `${url}/resume`, { actor: m.actors.companyAdmin })).body.state).toBe('active');
    const changed = await h.request('PATCH', url, {
      actor: m.actors.companyAdmin,
      body: { intervalMinutes: 30, entities: { jobs: false } },
    });
    expect(changed.body).toMatchObject({ intervalMinutes: 30, entities: { jobs: false, candidates: true, applications: true } });
    expect((await h.request('PATCH', url, { actor: m.actors.companyAdmin, body: { intervalMinutes: 5000 } })).status).toBe(400);
    expect((await h.request('POST', `${url}/test`, { actor: m.actors.companyAdmin })).body).toEqual({ ok: true, error: null });
    expect((await h.request('POST', `${url}/sync`, { actor: m.actors.companyAdmin, body: { mode: 'full' } })).status).toBe(202);
    const logs = async () => (await h.request('GET', `${url}/sync-logs`, { actor: m.actors.companyAdmin })).body.data as unknown[];
    const logged = await eventually(async () => {
      const l = await logs();
      return l.length ? l : undefined;
    });
    expect((await h.request('DELETE', url, { actor: m.actors.companyAdmin })).status).toBe(200);
    expect((await h.request('GET', url, { actor: m.actors.companyAdmin })).status).toBe(404);
    // The sync log stays on record for its company, and only for it.
    expect((await logs()).length).toBeGreaterThanOrEqual(logged!.length);
    expect((await h.request('GET', `${url}/sync-logs`, { actor: m.actors.foreignAdmin })).status).toBe(404);
  });
});
