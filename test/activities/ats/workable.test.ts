import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkableConnector } from '../../../activities/ats/workable.js';
import { AtsAuthError, AtsRateLimitError, type AtsConnector } from '../../../activities/ats/types.js';
import { startWorkableFake } from '../../fakes/ats/workable.js';
import type { FakeAts } from '../../fakes/ats/types.js';

let ats: FakeAts;
let throttled: FakeAts;
let workable: AtsConnector;
beforeAll(async () => {
  [ats, throttled] = await Promise.all([startWorkableFake(), startWorkableFake({ rateLimit: true })]);
  workable = createWorkableConnector(ats.config);
  ats.seedBulk({ jobs: 2, candidates: 130, applicationsPerCandidate: 1 });
});
afterAll(async () => {
  await Promise.all([ats?.close(), throttled?.close()]);
});

describe('Workable connector', () => {
  it('follows paging.next (since_id) to list each candidacy once, and filters by updated_after', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await workable.listApplications({ checkpoint: null, cursor, pageSize: 50 });
      ids.push(...page.items.map((a) => a.externalId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(130);
    expect(new Set(ids).size).toBe(130);
    expect(ats.requests().filter((r) => r.path === '/spi/v3/candidates').some((r) => r.query.since_id)).toBe(true);

    const checkpoint = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    ats.moveApplication(ids[5]!, 'Interview');
    const changed = await workable.listApplications({ checkpoint, cursor: null, pageSize: 100 });
    expect(changed.items.map((a) => [a.externalId, a.stage])).toEqual([[ids[5], 'Interview']]);
  });

  it('refuses to follow a next page on another host', async () => {
    await expect(workable.listCandidates({ checkpoint: null, cursor: 'http://169.254.169.254/latest', pageSize: 10 })).rejects.toThrow(/outside/);
  });

  it('waits as long as X-Rate-Limit-Reset says after the tenth request in ten seconds, and reports a bad token', async () => {
    const limited = createWorkableConnector(throttled.config);
    let err: unknown;
    for (let i = 0; i < 12 && !err; i++) err = await limited.testConnection().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AtsRateLimitError);
    expect((err as AtsRateLimitError).retryAfterMs).toBeGreaterThan(0);
    expect((err as AtsRateLimitError).retryAfterMs).toBeLessThanOrEqual(11_000);
    await expect(createWorkableConnector({ ...ats.config, credentials: { subdomain: 'acme', token: 'bad' } }).testConnection()).rejects.toBeInstanceOf(AtsAuthError);
  });

  it('verifies X-Workable-Signature and pushes once per reference', async () => {
    const app = (await workable.listApplications({ checkpoint: null, cursor: null, pageSize: 1 })).items[0]!;
    ats.moveApplication(app.externalId, 'Offer');
    const delivery = ats.stageChangeWebhook(app.externalId, { deliveryId: 'w-1' });
    const verify = (headers: Record<string, string>) => workable.verifyWebhook({ rawBody: Buffer.from(delivery.body), headers, secret: ats.webhookSecret, now: new Date() });
    expect(verify(delivery.headers)).toEqual({ ok: true });
    expect(verify(ats.signWebhook(delivery.body, { secret: 'x' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({})).toEqual({ ok: false, reason: 'missing_signature' });
    expect(workable.parseWebhook(Buffer.from(delivery.body), delivery.headers)).toMatchObject([{ eventType: 'application.stage_changed', providerEventId: 'w-1', stageTo: 'Offer' }]);
    const job = (await workable.listJobs({ checkpoint: null, cursor: null, pageSize: 1 })).items[0]!;
    const input = { reference: 'prop-w', jobExternalId: job.externalId, candidate: { fullName: 'Evelyn Boyd', email: 'eb@example.com' }, note: 'pitch' };
    expect(await workable.pushApplication(input)).toEqual(await workable.pushApplication(input));
    expect(ats.pushed()).toHaveLength(1);
  });
});
