import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Db } from '../../lib/db.js';
import type { AtsConnector, AtsPlatform, CanonicalEvent } from '../../activities/ats/types.js';
import { canonicalStage } from '../../domain/ats-stages.js';
import {
  disconnectUpdate,
  fullResyncSignal,
  pauseSyncUpdate,
  resumeSyncUpdate,
  syncNowSignal,
  syncStatusQuery,
  webhookEventsSignal,
} from '../../domain/ats.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import type { FakeAts } from '../../testkit/fakes/ats/types.js';
import { startTimeSkippingEnv, testDb } from '../support/context.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { eventually } from '../../testkit/harness/api-harness.js';
import { FAKES, atsTestWorker, connect, mappedCounts, seedSmall, syncRunsFinished } from '../../testkit/harness/ats-harness.js';
import { startAshbyFake } from '../../testkit/fakes/ats/ashby.js';

let env: TestWorkflowEnvironment;
let db: Db;
let resend: FakeResend;
let worker: Worker;
let taskQueue: string;
let running: Promise<void>;
const fakes: FakeAts[] = [];

beforeAll(async () => {
  resend = await startFakeResend();
  db = testDb();
});
afterAll(async () => {
  await Promise.all([resend?.close(), db?.destroy(), ...fakes.map((f) => f.close())]);
});
// A fresh time-skipping server per test (its time-lock accounting breaks across many update-driven runs).
/** Set by a test before its worker starts: how the real connectors are altered (e.g. to crash mid-run). */
let wrap: ((c: AtsConnector) => AtsConnector) | undefined;
beforeEach(async () => {
  env = await startTimeSkippingEnv();
  ({ worker, taskQueue } = await atsTestWorker(env, db, resend, (c) => (wrap ? wrap(c) : c)));
  running = worker.run();
});
afterEach(async () => {
  wrap = undefined;
  worker?.shutdown();
  await running;
  await env?.teardown();
});

async function fake(platform: AtsPlatform) {
  const f = await FAKES[platform]();
  fakes.push(f);
  return f;
}

describe.each(Object.keys(FAKES) as AtsPlatform[])('ats sync workflow on %s', (platform) => {
  it('syncs everything at once when connected, then only what changed, mapping each record once', async () => {
    const ats = await fake(platform);
    const seeded = seedSmall(ats);
    const m = await createMarketplace(db);
    const { integrationId, handle } = await connect(env, taskQueue, m, ats);
    const first = await syncRunsFinished(handle, 1);
    expect(first).toMatchObject({ state: 'active', lastError: null, consecutiveFailures: 0 });
    // Workable keeps one candidate record per job applied to: 4 candidacies of 3 people.
    const people = platform === 'workable' ? 4 : 3;
    expect(await mappedCounts(db, integrationId)).toEqual({ job: 2, candidate: people, application: 4 });
    const checkpoints = await db('sync_checkpoints').where({ integration_id: integrationId });
    expect(checkpoints.every((c) => c.run_id === null && c.last_success_at !== null)).toBe(true);

    // One application moves, one candidate is new: an incremental run stores just that.
    const stage = ats.stages[2] ?? ats.stages[1]!;
    ats.moveApplication(seeded.applications[1]!, stage, 'recruiter@ats');
    const newcomer = ats.addCandidate({ fullName: 'Katherine Johnson', email: 'kj@example.com' });
    ats.addApplication({ candidateExternalId: newcomer, jobExternalId: seeded.jobs[0]! });
    await handle.signal(syncNowSignal);
    const second = await syncRunsFinished(handle, 2);
    expect(second.lastError).toBeNull();
    expect(await mappedCounts(db, integrationId)).toEqual({ job: 2, candidate: people + 1, application: 5 });
    const moved = await db('external_entity_map')
      .where({ integration_id: integrationId, entity_type: 'application', external_id: seeded.applications[1] })
      .first();
    expect(await db('applications').where({ id: moved!.internal_id }).first()).toMatchObject({
      stage: canonicalStage(stage),
      stage_label: stage,
    });
    expect(await db('application_stage_history').where({ application_id: moved!.internal_id, source: 'ats' })).toHaveLength(1);
    expect(await db('ats_events').where({ integration_id: integrationId, event_type: 'application.stage_changed' })).toHaveLength(1);
    const logs = await db('sync_logs').where({ integration_id: integrationId, entity: 'applications' }).orderBy('id');
    expect(logs.at(-1)).toMatchObject({ status: 'ok' });
    // The same content is not written twice: the second run created only the newcomer's rows.
    const secondRun = logs.filter((l) => l.run_id.endsWith(':run-2:applications'));
    expect(secondRun.reduce((n, l) => n + l.created, 0)).toBe(1);
    expect(secondRun.reduce((n, l) => n + l.updated, 0)).toBe(1);

    // A deleted application disappears (soft) after a full re-sync, or a plain run for full-scan platforms.
    ats.deleteApplication(seeded.applications[3]!);
    await handle.signal(fullResyncSignal);
    await syncRunsFinished(handle, 3);
    const gone = await db('external_entity_map')
      .where({ integration_id: integrationId, entity_type: 'application', external_id: seeded.applications[3] })
      .first();
    expect(gone!.deleted_at).not.toBeNull();
    expect((await db('applications').where({ id: gone!.internal_id }).first())!.deleted_at).not.toBeNull();
    await handle.executeUpdate(disconnectUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    expect((await handle.result()).state).toBe('deleted');
  });
});

describe('ats sync workflow, webhook events the database refuses', () => {
  it('keeps the integration running, records the refusal and stores the next batch', async () => {
    const ats = await fake('greenhouse');
    seedSmall(ats);
    const m = await createMarketplace(db);
    const { integrationId, handle } = await connect(env, taskQueue, m, ats);
    await syncRunsFinished(handle, 1);
    const event = (id: string, note: string): CanonicalEvent => ({
      eventType: 'candidate.updated',
      providerEventId: id,
      provider: 'greenhouse',
      candidateExternalId: null,
      applicationExternalId: null,
      jobExternalId: null,
      stageFrom: null,
      stageTo: null,
      actor: null,
      timestamp: new Date().toISOString(),
      metadata: { note },
    });
    await handle.signal(webhookEventsSignal, [event('bad-1', 'a\u0000b')]);
    const refused = await eventually(
      async () => {
        const status = await handle.query(syncStatusQuery);
        return status.lastError?.includes('not stored') ? status : undefined;
      },
      20_000,
      100,
    );
    expect(refused).toMatchObject({ state: 'active', webhookEvents: { received: 1, stored: 0 } });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.signal(webhookEventsSignal, [event('good-1', 'fine')]);
    expect(await eventually(async () => (await handle.query(syncStatusQuery)).webhookEvents.stored === 1, 20_000, 100)).toBe(true);
    expect(await db('ats_events').where({ integration_id: integrationId }).pluck('provider_event_id')).toEqual(['good-1']);
    await handle.executeUpdate(disconnectUpdate, { args: [{ actor: m.actors.companyAdmin }] });
  });
});

describe('ats sync workflow (ashby)', () => {
  it('starts over as a full listing when the platform refuses an incremental run midway, and finishes it', async () => {
    const ats = await startAshbyFake({ incrementalPageLimit: 1 });
    fakes.push(ats);
    ats.seedBulk({ jobs: 2, candidates: 300, applicationsPerCandidate: 1, ageMs: 3_600_000 });
    const m = await createMarketplace(db);
    const { integrationId, handle } = await connect(env, taskQueue, m, ats);
    expect((await syncRunsFinished(handle, 1)).lastError).toBeNull();
    ats.touch(1); // every application changed: the incremental run needs more pages than Ashby allows
    await handle.signal(syncNowSignal);
    const second = await syncRunsFinished(handle, 2);
    expect(second.lastError).toBeNull();
    expect(await mappedCounts(db, integrationId)).toEqual({ job: 2, candidate: 300, application: 300 });
    const moved = await db('ats_events').where({ integration_id: integrationId, event_type: 'application.stage_changed' });
    expect(moved).toHaveLength(300);
  });
});

describe('ats sync workflow (greenhouse)', () => {
  it('resumes a sync that crashed mid-pagination from its stored cursor, without duplicates', async () => {
    const ats = await fake('greenhouse');
    ats.seedBulk({ jobs: 3, candidates: 700, applicationsPerCandidate: 1 });
    // The activity dies while fetching page 3 of applications (as a killed worker would); the retry must start there.
    const cursorsAsked: (string | null)[] = [];
    let crashed = false;
    wrap = (c) => ({
      ...c,
      capabilities: c.capabilities,
      platform: c.platform,
      listJobs: c.listJobs.bind(c),
      listCandidates: c.listCandidates.bind(c),
      testConnection: c.testConnection.bind(c),
      pushApplication: c.pushApplication.bind(c),
      verifyWebhook: c.verifyWebhook.bind(c),
      parseWebhook: c.parseWebhook.bind(c),
      async listApplications(req) {
        cursorsAsked.push(req.cursor);
        if (cursorsAsked.length === 3 && !crashed) {
          crashed = true;
          throw new Error('worker crashed mid-page');
        }
        return c.listApplications(req);
      },
    });
    const m = await createMarketplace(db);
    const { integrationId, handle } = await connect(env, taskQueue, m, ats);
    const status = await syncRunsFinished(handle, 1);
    expect(status.lastError).toBeNull();
    expect(crashed).toBe(true);
    expect(cursorsAsked.filter((c) => c === null)).toHaveLength(1); // page 1 was never fetched again
    expect(cursorsAsked[3]).toBe(cursorsAsked[2]); // the retry asked for the page that failed
    expect(await mappedCounts(db, integrationId)).toEqual({ job: 3, candidate: 700, application: 700 });
    const logs = await db('sync_logs').where({ integration_id: integrationId, entity: 'applications', status: 'ok' });
    expect(new Set(logs.map((l) => l.page)).size).toBe(logs.length);
  });

  it('pauses on an auth failure, tells the company admin, and syncs again once resumed', async () => {
    const ats = await fake('greenhouse');
    seedSmall(ats);
    ats.injectFailure({ path: '/token', status: 401, times: 2 }); // the connector renews once; both refused
    const m = await createMarketplace(db);
    const { integrationId, handle } = await connect(env, taskQueue, m, ats);
    const failed = await syncRunsFinished(handle, 1);
    expect(failed.state).toBe('auth_failed');
    expect((await db('integrations').where({ id: integrationId }).first())!.state).toBe('auth_failed');
    const told = () => resend.emails().some((e) => e.to.includes(m.emails.companyAdmin) && e.subject.includes('sync paused'));
    for (let i = 0; i < 100 && !told(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(told()).toBe(true);
    const tokenCalls = ats.requests().filter((r) => r.path === '/token').length;
    await new Promise((r) => setTimeout(r, 500));
    expect(ats.requests().filter((r) => r.path === '/token').length).toBe(tokenCalls); // no retry loop

    await handle.executeUpdate(resumeSyncUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    const resumed = await syncRunsFinished(handle, 2);
    expect(resumed).toMatchObject({ state: 'active', lastError: null });
    expect(await mappedCounts(db, integrationId)).toMatchObject({ application: 4 });
    await handle.executeUpdate(pauseSyncUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    await expect(handle.executeUpdate(pauseSyncUpdate, { args: [{ actor: m.actors.companyAdmin }] })).rejects.toThrow();
    await expect(handle.executeUpdate(pauseSyncUpdate, { args: [{ actor: m.actors.foreignAdmin }] })).rejects.toThrow();
  });

  it('retries a throttled page after the time the platform asked for', async () => {
    const ats = await fake('greenhouse');
    seedSmall(ats);
    ats.injectFailure({ method: 'GET', path: '/v3/candidates', status: 429, headers: { 'Retry-After': '120' }, times: 1 });
    const m = await createMarketplace(db);
    const { integrationId, handle } = await connect(env, taskQueue, m, ats);
    for (let i = 0; i < 100 && !ats.requests().some((r) => r.path.startsWith('/v3/candidates')); i++)
      await new Promise((r) => setTimeout(r, 50));
    // A fixed backoff would have retried within seconds; the platform asked for 120.
    await env.sleep(60_000);
    expect((await mappedCounts(db, integrationId)).candidate).toBeUndefined();
    await env.sleep(70_000);
    const status = await syncRunsFinished(handle, 1);
    expect(status.lastError).toBeNull();
    expect(await mappedCounts(db, integrationId)).toMatchObject({ candidate: 3 });
  });
});
