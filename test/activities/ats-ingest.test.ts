import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../lib/db.js';
import { type IngestContext, ingestApplications, ingestCandidates, ingestJobs, insertEvents } from '../../activities/ats/ingest.js';
import type { CanonicalApplication, CanonicalCandidate, CanonicalEvent } from '../../activities/ats/types.js';
import { testDb } from '../support/context.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db.destroy());

/** An integration row to hang mappings on (no workflow: these tests call the ingestion directly). */
async function integration(m: Marketplace) {
  const id = randomUUID();
  await db('integrations').insert({
    id,
    company_id: m.companyId,
    platform: 'greenhouse',
    name: 'test',
    credentials_sealed: 'x',
    credentials_key_id: 'k',
    webhook_secret_sealed: 'x',
    workflow_id: `ats-sync-${id}`,
    created_at: new Date(),
    updated_at: new Date(),
  });
  return id;
}

const inTrx = <T>(m: Marketplace, integrationId: string, fn: (ctx: IngestContext) => Promise<T>, runId = randomUUID()) =>
  db.transaction((trx) => fn({ trx, integrationId, platform: 'greenhouse', companyId: m.companyId, runId, now: new Date() }));

const candidate = (externalId: string, fullName = `Candidate ${externalId}`): CanonicalCandidate => ({
  externalId,
  fullName,
  email: `${externalId}@example.com`,
  updatedAt: null,
  deleted: false,
  raw: {},
});
const application = (externalId: string, stage: string, over: Partial<CanonicalApplication> = {}): CanonicalApplication => ({
  externalId,
  candidateExternalId: 'c1',
  jobExternalId: 'j1',
  stage,
  status: 'active',
  stageHistory: [],
  updatedAt: '2026-11-01T10:00:00.000Z',
  deleted: false,
  raw: {},
  ...over,
});

describe('ATS ingestion', () => {
  it('maps each external record once, writes unchanged content no second time, and updates what changed', async () => {
    const m = await createMarketplace(db);
    const id = await integration(m);
    const first = await inTrx(m, id, (ctx) => ingestCandidates(ctx, [candidate('c1'), candidate('c2'), candidate('c2')]));
    expect(first).toEqual({ received: 3, created: 2, updated: 0, deleted: 0, unchanged: 0 });
    const again = await inTrx(m, id, (ctx) => ingestCandidates(ctx, [candidate('c1'), candidate('c2', 'Renamed')]));
    expect(again).toEqual({ received: 2, created: 0, updated: 1, deleted: 0, unchanged: 1 });
    const map = await db('external_entity_map').where({ integration_id: id, entity_type: 'candidate' }).orderBy('external_id');
    expect(map.map((r) => r.external_id)).toEqual(['c1', 'c2']);
    expect((await db('candidates').where({ id: map[1]!.internal_id }).first())!.full_name).toBe('Renamed');
  });

  it('creates placeholders for a candidate and job an application names before they are synced, filled in later', async () => {
    const m = await createMarketplace(db);
    const id = await integration(m);
    const result = await inTrx(m, id, (ctx) => ingestApplications(ctx, [application('a1', 'Application Review')]));
    expect(result).toMatchObject({ created: 1, moves: [], skipped: 0 });
    const jobMap = await db('external_entity_map').where({ integration_id: id, entity_type: 'job', external_id: 'j1' }).first();
    expect((await db('jobs').where({ id: jobMap!.internal_id }).first())!.company_id).toBe(m.companyId);
    await inTrx(m, id, (ctx) =>
      ingestJobs(ctx, [{ externalId: 'j1', title: 'Platform Engineer', status: 'open', updatedAt: null, deleted: false, raw: {} }]),
    );
    expect((await db('jobs').where({ id: jobMap!.internal_id }).first())!.title).toBe('Platform Engineer');
    const skipped = await inTrx(m, id, (ctx) => ingestApplications(ctx, [application('a2', 'Review', { jobExternalId: null })]));
    expect(skipped).toMatchObject({ created: 0, skipped: 1 });
  });

  it('records a stage move once (history row and canonical event), and soft-deletes what the platform deleted', async () => {
    const m = await createMarketplace(db);
    const id = await integration(m);
    await inTrx(m, id, (ctx) => ingestApplications(ctx, [application('a1', 'Application Review')]));
    const moved = application('a1', 'Onsite', { updatedAt: '2026-11-02T10:00:00.000Z' });
    const result = await inTrx(m, id, (ctx) => ingestApplications(ctx, [moved]));
    expect(result.moves).toMatchObject([
      { stageFrom: 'submitted', stageTo: 'interview', labelFrom: 'Application Review', labelTo: 'Onsite', at: moved.updatedAt },
    ]);
    await inTrx(m, id, (ctx) => ingestApplications(ctx, [moved])); // the same page again (a retry)
    const appId = result.moves[0]!.applicationId;
    expect(await db('application_stage_history').where({ application_id: appId })).toHaveLength(1);
    expect(await db('ats_events').where({ integration_id: id, event_type: 'application.stage_changed' })).toHaveLength(1);
    const deleted = await inTrx(m, id, (ctx) => ingestApplications(ctx, [{ ...moved, deleted: true }]));
    expect(deleted.deleted).toBe(1);
    expect((await db('applications').where({ id: appId }).first())!.deleted_at).not.toBeNull();
  });

  it("never replaces a known stage by an unknown one, nor by one older than the last stage change (e.g. a webhook's)", async () => {
    const m = await createMarketplace(db);
    const id = await integration(m);
    await inTrx(m, id, (ctx) => ingestApplications(ctx, [application('a1', 'Application Review')]));
    const appId = (await db('external_entity_map').where({ integration_id: id, entity_type: 'application', external_id: 'a1' }).first())!
      .internal_id;
    // A webhook moved it to Onsite at 12:00 (what ingestWebhookEvents writes).
    // (It reached the interview stage at 10:00 as "Technical Interview"; the rename is the later change.)
    await db('applications')
      .where({ id: appId })
      .update({
        stage: 'interview',
        stage_label: 'Onsite',
        stage_changed_at: new Date('2026-11-01T10:00:00.000Z'),
        stage_label_changed_at: new Date('2026-11-01T12:00:00.000Z'),
      });
    const unknown = await inTrx(m, id, (ctx) =>
      ingestApplications(ctx, [application('a1', '', { updatedAt: '2026-11-01T13:00:00.000Z' })]),
    );
    const older = await inTrx(m, id, (ctx) =>
      ingestApplications(ctx, [application('a1', 'Recruiter Screen', { updatedAt: '2026-11-01T11:00:00.000Z' })]),
    );
    expect([...unknown.moves, ...older.moves]).toEqual([]);
    expect(await db('applications').where({ id: appId }).first()).toMatchObject({ stage: 'interview', stage_label: 'Onsite' });
    // An older name inside the same canonical stage does not put back the older label either.
    await inTrx(m, id, (ctx) =>
      ingestApplications(ctx, [application('a1', 'Technical Interview', { updatedAt: '2026-11-01T11:30:00.000Z' })]),
    );
    expect((await db('applications').where({ id: appId }).first())!.stage_label).toBe('Onsite');
    const newer = await inTrx(m, id, (ctx) =>
      ingestApplications(ctx, [application('a1', 'Offer', { updatedAt: '2026-11-01T14:00:00.000Z' })]),
    );
    expect(newer.moves).toMatchObject([{ stageFrom: 'interview', stageTo: 'offer', labelFrom: 'Onsite', labelTo: 'Offer' }]);
    const fresh = await inTrx(m, id, (ctx) => ingestApplications(ctx, [application('a2', '', { candidateExternalId: 'c2' })]));
    expect(fresh.created).toBe(1);
    const a2 = (await db('external_entity_map').where({ integration_id: id, entity_type: 'application', external_id: 'a2' }).first())!
      .internal_id;
    expect(await db('applications').where({ id: a2 }).first()).toMatchObject({ stage: 'submitted', stage_label: null });
  });

  it("keeps a canonical stage with the ATS's name as its label: history in canonical stages, the ATS event log in its names, a rename inside one stage no move", async () => {
    const m = await createMarketplace(db);
    const id = await integration(m);
    await inTrx(m, id, (ctx) => ingestApplications(ctx, [application('a1', 'Recruiter Screen')]));
    const [row] = await db('applications').where({
      job_id: (await db('external_entity_map').where({ integration_id: id, entity_type: 'job' }).first())!.internal_id,
    });
    expect(row).toMatchObject({ stage: 'screening', stage_label: 'Recruiter Screen' });
    const interview = (stage: string, day: string) =>
      inTrx(m, id, (ctx) => ingestApplications(ctx, [application('a1', stage, { updatedAt: `2026-11-${day}T10:00:00.000Z` })]));
    expect((await interview('Technical Interview', '02')).moves).toHaveLength(1);
    expect((await interview('Onsite', '03')).moves).toHaveLength(0); // still an interview: the label changes only
    expect(await db('applications').where({ id: row!.id }).first()).toMatchObject({ stage: 'interview', stage_label: 'Onsite' });
    expect(await db('application_stage_history').where({ application_id: row!.id }).select('from_stage', 'to_stage')).toEqual([
      { from_stage: 'screening', to_stage: 'interview' },
    ]);
    const [event] = await db('ats_events').where({ integration_id: id, event_type: 'application.stage_changed' });
    expect(event).toMatchObject({
      stage_from: 'Recruiter Screen',
      stage_to: 'Technical Interview',
      metadata: { stageFrom: 'screening', stageTo: 'interview' },
    });
  });

  it('stores a canonical event once per provider event id', async () => {
    const m = await createMarketplace(db);
    const id = await integration(m);
    const event: CanonicalEvent = {
      eventType: 'application.stage_changed',
      providerEventId: 'gh-1',
      provider: 'greenhouse',
      candidateExternalId: 'c1',
      applicationExternalId: 'a1',
      jobExternalId: 'j1',
      stageFrom: 'A',
      stageTo: 'B',
      actor: 'someone',
      timestamp: '2026-11-02T10:00:00.000Z',
      metadata: {},
    };
    const first = await inTrx(m, id, (ctx) => insertEvents(ctx, [event, event], new Date()));
    const second = await inTrx(m, id, (ctx) => insertEvents(ctx, [event], new Date()));
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
  });
});
