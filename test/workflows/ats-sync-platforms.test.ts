import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Db } from '../../lib/db.js';
import { connectorFor } from '../../activities/ats/index.js';
import type { AtsPlatform } from '../../activities/ats/types.js';
import { disconnectUpdate, syncNowSignal, syncStatusQuery, webhookEventsSignal } from '../../domain/ats.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import type { FakeAts } from '../../testkit/fakes/ats/types.js';
import { startAshbyFake } from '../../testkit/fakes/ats/ashby.js';
import { startBambooHrFake } from '../../testkit/fakes/ats/bamboohr.js';
import { startGreenhouseFake } from '../../testkit/fakes/ats/greenhouse.js';
import { startLeverFake } from '../../testkit/fakes/ats/lever.js';
import { startWorkableFake, type WorkableFake } from '../../testkit/fakes/ats/workable.js';
import { startTimeSkippingEnv, testDb } from '../support/context.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { eventually } from '../../testkit/harness/api-harness.js';
import { atsTestWorker, connect, seedSmall, syncRunsFinished } from '../../testkit/harness/ats-harness.js';

// A real-shaped account per platform, synced end to end through the sync workflow against the
// doc-faithful fakes: stage names as the platform shows them, a move seen incrementally and by
// webhook, a deletion by webhook (where the platform sends one), and a 429 honoured.

/** Each platform's fake, in the form the published docs leave open where it matters (Greenhouse: stage ids only). */
const PLATFORMS: Record<AtsPlatform, { start: () => Promise<FakeAts>; listPath: RegExp; throttle: () => Record<string, string> }> = {
  greenhouse: {
    start: () => startGreenhouseFake({ stageForm: 'id_only' }),
    listPath: /^\/v3\/applications$/,
    throttle: () => ({ 'Retry-After': '30' }),
  },
  lever: { start: () => startLeverFake(), listPath: /^\/v1\/opportunities$/, throttle: () => ({ 'Retry-After': '30' }) },
  // Workable's reset header in epoch milliseconds, the form that used to mean a 10^15 ms wait.
  workable: {
    start: () => startWorkableFake(),
    listPath: /^\/spi\/v3\/candidates$/,
    throttle: () => ({ 'X-Rate-Limit-Reset': String(Date.now() + 30_000) }),
  },
  ashby: { start: () => startAshbyFake(), listPath: /^\/application\.list$/, throttle: () => ({ 'Retry-After': '30' }) },
  bamboohr: {
    start: () => startBambooHrFake(),
    listPath: /\/applicant_tracking\/applications$/,
    throttle: () => ({ 'Retry-After': '30' }),
  },
};

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
beforeEach(async () => {
  env = await startTimeSkippingEnv();
  ({ worker, taskQueue } = await atsTestWorker(env, db, resend));
  running = worker.run();
});
afterEach(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe.each(Object.keys(PLATFORMS) as AtsPlatform[])('a %s account synced end to end', (platform) => {
  it('syncs jobs, candidates and applications with their stage names, sees moves incrementally and by webhook, a webhook deletion, and honours a 429', async () => {
    const { start, listPath, throttle } = PLATFORMS[platform];
    const ats = await start();
    fakes.push(ats);
    const seeded = seedSmall(ats);
    ats.moveApplication(seeded.applications[2]!, ats.stages[1]!);
    const m = await createMarketplace(db);
    const { integrationId, handle } = await connect(env, taskQueue, m, ats);
    expect((await syncRunsFinished(handle, 1)).lastError).toBeNull();

    const mapped = (type: 'job' | 'candidate' | 'application', externalId: string) =>
      db('external_entity_map').where({ integration_id: integrationId, entity_type: type, external_id: externalId }).first();
    // The ATS's own stage name is kept as the application's label beside our canonical stage.
    const stageOf = async (externalId: string) =>
      (await db('applications')
        .where({ id: (await mapped('application', externalId))!.internal_id })
        .first())!.stage_label;
    expect(await Promise.all(seeded.applications.map(stageOf))).toEqual([ats.stages[0], ats.stages[0], ats.stages[1], ats.stages[0]]);
    if (platform === 'workable')
      expect((ats as WorkableFake).subscriptions().map((s) => s.event)).toEqual(['candidate_created', 'candidate_moved']);

    // A move seen by the next incremental run.
    ats.moveApplication(seeded.applications[1]!, ats.stages[2]!);
    await handle.signal(syncNowSignal);
    expect((await syncRunsFinished(handle, 2)).lastError).toBeNull();
    expect(await stageOf(seeded.applications[1]!)).toBe(ats.stages[2]);

    // Webhooks, verified and read as the API does (with the integration's credentials), then handed to the workflow.
    const connector = connectorFor(platform, ats.config);
    const deliver = async (delivery: { body: string; headers: Record<string, string> }) => {
      const rawBody = Buffer.from(delivery.body);
      expect(connector.verifyWebhook({ rawBody, headers: delivery.headers, secret: ats.webhookSecret, now: new Date() })).toEqual({
        ok: true,
      });
      await handle.signal(webhookEventsSignal, connector.parseWebhook(rawBody, delivery.headers));
    };
    if (platform !== 'bamboohr') {
      // BambooHR sends no applicant-tracking webhooks
      ats.moveApplication(seeded.applications[0]!, ats.stages[3]!);
      await deliver(ats.stageChangeWebhook(seeded.applications[0]!, { deliveryId: `${platform}-move` }));
      await eventually(
        async () => (await db('ats_events').where({ integration_id: integrationId, provider_event_id: `${platform}-move` })).length === 1,
      );
      // Lever names the stage by id only: the ingestion names it through the platform's stages.
      await eventually(async () => (await stageOf(seeded.applications[0]!)) === ats.stages[3]);
      await handle.signal(syncNowSignal);
      expect((await syncRunsFinished(handle, 3)).lastError).toBeNull();
      expect(await stageOf(seeded.applications[0]!)).toBe(ats.stages[3]);
    }
    if (ats.deletionWebhook) {
      await deliver(ats.deletionWebhook(seeded.applications[3]!, { deliveryId: `${platform}-delete` }));
      const gone = await eventually(async () => {
        const row = await mapped('application', seeded.applications[3]!);
        return row!.deleted_at ? row : undefined;
      });
      expect((await db('applications').where({ id: gone!.internal_id }).first())!.deleted_at).not.toBeNull();
      // Greenhouse and Ashby delete the person (applications 0 and 3 are theirs) with their applications; Lever one opportunity.
      expect((await mapped('candidate', seeded.candidates[0]!))!.deleted_at !== null).toBe(platform !== 'lever');
      if (platform !== 'lever') expect((await mapped('application', seeded.applications[0]!))!.deleted_at).not.toBeNull();
    }

    // A 429 with a wait: nothing is asked again before it, and the run then finishes.
    const runs = (await handle.query(syncStatusQuery)).runs;
    const listed = () => ats.requests().filter((r) => listPath.test(r.path)).length;
    const before = listed();
    ats.injectFailure({ path: listPath, status: 429, headers: throttle(), times: 1 });
    await handle.signal(syncNowSignal);
    await eventually(async () => listed() > before);
    await env.sleep(10_000);
    expect(listed()).toBe(before + 1);
    await env.sleep(30_000);
    const after = await syncRunsFinished(handle, runs + 1);
    expect(after.lastError).toBeNull();
    expect(listed()).toBeGreaterThan(before + 1);

    await handle.executeUpdate(disconnectUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    expect((await handle.result()).state).toBe('deleted');
    if (platform === 'workable') expect((ats as WorkableFake).subscriptions()).toEqual([]);
  }, 180_000);
});
