import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeverConnector } from '../../../activities/ats/lever.js';
import type { AtsRateLimitError } from '../../../activities/ats/types.js';
import { AtsAuthError, type AtsConnector, type CanonicalApplication } from '../../../activities/ats/types.js';
import { startLeverFake } from '../../../testkit/fakes/ats/lever.js';
import type { FakeAts } from '../../../testkit/fakes/ats/types.js';

let ats: FakeAts;
let lever: AtsConnector;
beforeAll(async () => {
  ats = await startLeverFake();
  lever = createLeverConnector(ats.config);
  ats.seedBulk({ jobs: 3, candidates: 150, applicationsPerCandidate: 1 });
});
afterAll(() => ats?.close());

async function applications(checkpoint: string | null) {
  const items: CanonicalApplication[] = [];
  let cursor: string | null = null;
  do {
    const page = await lever.listApplications({ checkpoint, cursor, pageSize: 60 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

describe('Lever connector', () => {
  it('pages opportunities by offset, each exactly once, then the deleted ones', async () => {
    const all = await applications(null);
    expect(all).toHaveLength(150);
    expect(new Set(all.map((a) => a.externalId)).size).toBe(150);
    ats.deleteApplication(all[3]!.externalId);
    const after = await applications(null);
    expect(after.filter((a) => a.deleted).map((a) => a.externalId)).toEqual([all[3]!.externalId]);
  });

  it('filters changes by updated_at_start in epoch milliseconds', async () => {
    const checkpoint = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const [first] = await applications(null);
    ats.moveApplication(first!.externalId, 'Offer');
    const changed = (await applications(checkpoint)).filter((a) => !a.deleted);
    expect(changed.map((a) => [a.externalId, a.stage])).toEqual([[first!.externalId, 'Offer']]);
    const sent = ats
      .requests()
      .filter((r) => r.path === '/v1/opportunities')
      .at(-1)!.query.updated_at_start;
    expect(sent).toBe(String(new Date(checkpoint).getTime()));
  });

  it('classifies a wrong key and throttling', async () => {
    await expect(createLeverConnector({ ...ats.config, credentials: { apiKey: 'wrong' } }).testConnection()).rejects.toBeInstanceOf(
      AtsAuthError,
    );
    ats.injectFailure({ path: '/v1/postings', status: 429, headers: { 'Retry-After': '3' } });
    const err = await lever.listJobs({ checkpoint: null, cursor: null, pageSize: 10 }).catch((e: unknown) => e);
    expect((err as AtsRateLimitError).retryAfterMs).toBe(3000);
  });

  it('verifies webhooks signed over token + triggeredAt: valid, forged, stale', async () => {
    const [app] = await applications(null);
    const delivery = ats.stageChangeWebhook(app!.externalId, { deliveryId: 'tok-1' });
    const now = new Date();
    const verify = (body: string, at = now) =>
      lever.verifyWebhook({ rawBody: Buffer.from(body), headers: {}, secret: ats.webhookSecret, now: at });
    expect(verify(delivery.body)).toEqual({ ok: true });
    const forged = JSON.stringify({ ...JSON.parse(delivery.body), triggeredAt: Date.now() + 1 });
    expect(verify(forged)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(delivery.body, new Date(now.getTime() + 10 * 60_000))).toEqual({ ok: false, reason: 'stale' });
    expect(verify('{}')).toEqual({ ok: false, reason: 'missing_signature' });
    expect(lever.parseWebhook(Buffer.from(delivery.body), {})).toMatchObject([
      { eventType: 'application.stage_changed', providerEventId: 'tok-1', applicationExternalId: app!.externalId },
    ]);
  });

  it("verifies each webhook event type with its own signature token, and refuses one signed with another type's", async () => {
    const [, app] = await applications(null);
    const moved = ats.stageChangeWebhook(app!.externalId, { deliveryId: 'tok-move' });
    const deleted = ats.deletionWebhook!(app!.externalId, { deliveryId: 'tok-del' });
    const verify = (body: string) =>
      lever.verifyWebhook({ rawBody: Buffer.from(body), headers: {}, secret: ats.webhookSecret, now: new Date() });
    expect([verify(moved.body), verify(deleted.body)]).toEqual([{ ok: true }, { ok: true }]);
    const swapped = JSON.stringify({ ...JSON.parse(deleted.body), event: 'candidateStageChange' });
    expect(verify(swapped)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(lever.parseWebhook(Buffer.from(deleted.body), {})).toMatchObject([
      { eventType: 'application.deleted', applicationExternalId: app!.externalId },
    ]);
  });

  it("names the stage ids its webhooks carry through the account's stages", async () => {
    const [app] = await applications(null);
    const [event] = lever.parseWebhook(Buffer.from(ats.stageChangeWebhook(app!.externalId).body), {});
    const id = event!.metadata.toStageId as string;
    expect(await lever.stageNames!([id, 'no-such-stage'])).toEqual({ [id]: app!.stage });
  });

  it('pushes an opportunity once per reference', async () => {
    const jobs = await lever.listJobs({ checkpoint: null, cursor: null, pageSize: 10 });
    const input = {
      reference: 'prop-1',
      jobExternalId: jobs.items[0]!.externalId,
      candidate: { fullName: 'Mae Jemison', email: 'mae@example.com' },
      note: '',
    };
    expect(await lever.pushApplication(input)).toEqual(await lever.pushApplication(input));
    expect(ats.pushed()).toHaveLength(1);
  });
});
