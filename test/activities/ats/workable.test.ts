import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkableConnector } from '../../../activities/ats/workable.js';
import { AtsAuthError, AtsRateLimitError, type AtsConnector } from '../../../activities/ats/types.js';
import { startWorkableFake, type WorkableFake } from '../../../testkit/fakes/ats/workable.js';
import type { FakeAts } from '../../../testkit/fakes/ats/types.js';

let ats: WorkableFake;
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
    expect(
      ats
        .requests()
        .filter((r) => r.path === '/spi/v3/candidates')
        .some((r) => r.query.since_id),
    ).toBe(true);

    const checkpoint = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    ats.moveApplication(ids[5]!, 'Interview');
    const changed = await workable.listApplications({ checkpoint, cursor: null, pageSize: 100 });
    expect(changed.items.map((a) => [a.externalId, a.stage])).toEqual([[ids[5], 'Interview']]);
  });

  it('refuses to follow a next page on another host', async () => {
    await expect(workable.listCandidates({ checkpoint: null, cursor: 'http://169.254.169.254/latest', pageSize: 10 })).rejects.toThrow(
      /outside/,
    );
  });

  it('waits as long as X-Rate-Limit-Reset says after the tenth request in ten seconds, and reports a bad token', async () => {
    const limited = createWorkableConnector(throttled.config);
    let err: unknown;
    for (let i = 0; i < 12 && !err; i++)
      err = await limited.testConnection().then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AtsRateLimitError);
    expect((err as AtsRateLimitError).retryAfterMs).toBeGreaterThan(0);
    expect((err as AtsRateLimitError).retryAfterMs).toBeLessThanOrEqual(11_000);
    await expect(
      createWorkableConnector({ ...ats.config, credentials: { subdomain: 'acme', token: 'bad' } }).testConnection(),
    ).rejects.toBeInstanceOf(AtsAuthError);
  });

  it('verifies X-Workable-Signature keyed by the account token (not a secret of ours) and pushes once per reference', async () => {
    const app = (await workable.listApplications({ checkpoint: null, cursor: null, pageSize: 1 })).items[0]!;
    ats.moveApplication(app.externalId, 'Offer');
    const delivery = ats.stageChangeWebhook(app.externalId, { deliveryId: 'w-1' });
    const verify = (headers: Record<string, string>) =>
      workable.verifyWebhook({ rawBody: Buffer.from(delivery.body), headers, secret: ats.webhookSecret, now: new Date() });
    expect(verify(delivery.headers)).toEqual({ ok: true });
    expect(verify(ats.signWebhook(delivery.body, { secret: ats.webhookSecret }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(ats.signWebhook(delivery.body, { secret: 'x' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({})).toEqual({ ok: false, reason: 'missing_signature' });
    expect(workable.parseWebhook(Buffer.from(delivery.body), delivery.headers)).toMatchObject([
      { eventType: 'application.stage_changed', providerEventId: 'w-1', stageTo: 'Offer' },
    ]);
    const job = (await workable.listJobs({ checkpoint: null, cursor: null, pageSize: 1 })).items[0]!;
    const input = {
      reference: 'prop-w',
      jobExternalId: job.externalId,
      candidate: { fullName: 'Evelyn Boyd', email: 'eb@example.com' },
      note: 'pitch',
    };
    expect(await workable.pushApplication(input)).toEqual(await workable.pushApplication(input));
    expect(ats.pushed()).toHaveLength(1);
  });

  it('registers one subscription per event (POST /subscriptions), again without duplicates on a retry, and removes them', async () => {
    const target = 'https://api.splits.test/api/v1/integrations/i-1/webhooks';
    const ids = await workable.subscribeWebhooks!(target);
    expect(await workable.subscribeWebhooks!(target)).toEqual(ids);
    expect(ats.subscriptions().map((sub) => [sub.event, sub.target])).toEqual([
      ['candidate_created', `${target}?event=candidate_created`],
      ['candidate_moved', `${target}?event=candidate_moved`],
    ]);
    await workable.unsubscribeWebhooks!(ids);
    await workable.unsubscribeWebhooks!(ids); // already gone: fine
    expect(ats.subscriptions()).toEqual([]);
  });
});

describe('Workable connector (as the published docs leave it open)', () => {
  const started: FakeAts[] = [];
  afterAll(() => Promise.all(started.map((f) => f.close())));
  const start = async (opts: Parameters<typeof startWorkableFake>[0]) => {
    const f = await startWorkableFake(opts);
    started.push(f);
    return f;
  };

  it('follows paging.next on the account form of the API host (www.workable.com/spi/v3/accounts/<subdomain>/…)', async () => {
    const f = await start({ pagingHost: 'account' });
    f.seedBulk({ jobs: 1, candidates: 120, applicationsPerCandidate: 1 });
    const connector = createWorkableConnector(f.config);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await connector.listApplications({ checkpoint: null, cursor, pageSize: 50 });
      ids.push(...page.items.map((a) => a.externalId));
      cursor = page.nextCursor;
      if (cursor) expect(cursor).toMatch(/^https:\/\/www\.workable\.com\/spi\/v3\/accounts\/acme\/candidates\?/);
    } while (cursor);
    expect(new Set(ids).size).toBe(120);
    for (const elsewhere of [
      'https://www.workable.com/spi/v3/accounts/other/candidates',
      'https://acme.workable.com.evil.test/spi/v3/candidates',
      'https://www.workable.com/admin',
    ]) {
      await expect(connector.listCandidates({ checkpoint: null, cursor: elsewhere, pageSize: 10 })).rejects.toThrow(/outside/);
    }
  });

  it('reads X-Rate-Limit-Reset in epoch milliseconds as well as seconds', async () => {
    for (const resetUnit of ['seconds', 'ms'] as const) {
      const limited = createWorkableConnector((await start({ rateLimit: true, resetUnit })).config);
      let err: unknown;
      for (let i = 0; i < 12 && !err; i++)
        err = await limited.testConnection().then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((err as AtsRateLimitError).retryAfterMs).toBeGreaterThanOrEqual(0);
      expect((err as AtsRateLimitError).retryAfterMs).toBeLessThanOrEqual(11_000);
    }
  });

  it("verifies webhooks with the OAuth app's secret when the integration has one", async () => {
    const f = await start({ clientSecret: 'app-secret' });
    const app = f.addApplication({
      candidateExternalId: f.addCandidate({ fullName: 'Ann Lee' }),
      jobExternalId: f.addJob({ title: 'Dev' }),
    });
    const delivery = f.stageChangeWebhook(app);
    const verify = (credentials: Record<string, string>) =>
      createWorkableConnector({ ...f.config, credentials }).verifyWebhook({
        rawBody: Buffer.from(delivery.body),
        headers: delivery.headers,
        secret: f.webhookSecret,
        now: new Date(),
      });
    expect(verify(f.config.credentials)).toEqual({ ok: true });
    expect(verify({ subdomain: 'acme', token: 'workable-token' })).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
