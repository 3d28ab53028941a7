import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAshbyConnector } from '../../../activities/ats/ashby.js';
import { AtsAuthError, AtsRequestError, AtsResyncRequiredError, type AtsConnector, type CanonicalApplication } from '../../../activities/ats/types.js';
import { ASHBY_READ_ONLY_KEY, startAshbyFake, type AshbyFake } from '../../fakes/ats/ashby.js';

let ats: AshbyFake;
let ashby: AtsConnector;
beforeAll(async () => {
  ats = await startAshbyFake();
  ashby = createAshbyConnector(ats.config);
  ats.seedBulk({ jobs: 2, candidates: 90, applicationsPerCandidate: 1 });
});
afterAll(() => ats?.close());

async function run(checkpoint: string | null) {
  const items: CanonicalApplication[] = [];
  let cursor: string | null = null;
  let token: string | null | undefined;
  do {
    const page = await ashby.listApplications({ checkpoint, cursor, pageSize: 40 });
    items.push(...page.items);
    cursor = page.nextCursor;
    token = page.platformCheckpoint;
  } while (cursor);
  return { items, token };
}

describe('Ashby connector', () => {
  it('pages by nextCursor and hands out the syncToken only on the last page; the token brings only changes', async () => {
    const first = await ashby.listApplications({ checkpoint: null, cursor: null, pageSize: 40 });
    expect(first.platformCheckpoint).toBeUndefined();
    const full = await run(null);
    expect(full.items).toHaveLength(90);
    expect(new Set(full.items.map((a) => a.externalId)).size).toBe(90);
    expect(full.token).toEqual(expect.any(String));
    await new Promise((r) => setTimeout(r, 5));
    ats.moveApplication(full.items[4]!.externalId, 'Onsite');
    const delta = await run(full.token!);
    expect(delta.items.map((a) => [a.externalId, a.stage])).toEqual([[full.items[4]!.externalId, 'Onsite']]);
  });

  it('treats success:false with HTTP 200 as an error, and incremental_sync_too_large as "sync fully"', async () => {
    ats.refuseNextIncremental();
    await expect(ashby.listApplications({ checkpoint: 'dG9rZW4', cursor: null, pageSize: 10 })).rejects.toBeInstanceOf(AtsResyncRequiredError);
    ats.injectFailure({ path: '/job.list', status: 200, body: { success: false, errors: ['invalid_input'] } });
    const err = await ashby.listJobs({ checkpoint: null, cursor: null, pageSize: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtsRequestError);
  });

  it('reports a missing key (401) and a key without permission (403) as auth errors', async () => {
    await expect(createAshbyConnector({ ...ats.config, credentials: { apiKey: '' } }).testConnection()).rejects.toBeInstanceOf(AtsAuthError);
    await expect(createAshbyConnector({ ...ats.config, credentials: { apiKey: ASHBY_READ_ONLY_KEY } }).listCandidates({ checkpoint: null, cursor: null, pageSize: 1 }))
      .rejects.toMatchObject({ name: 'AtsAuthError', status: 403 });
  });

  it('verifies Ashby-Signature, reads a stage change, and pushes once per reference', async () => {
    const app = (await run(null)).items[0]!;
    const delivery = ats.stageChangeWebhook(app.externalId, { deliveryId: 'ab-1' });
    const verify = (headers: Record<string, string>) => ashby.verifyWebhook({ rawBody: Buffer.from(delivery.body), headers, secret: ats.webhookSecret, now: new Date() });
    expect(verify(delivery.headers)).toEqual({ ok: true });
    expect(verify(ats.signWebhook(delivery.body, { secret: 'y' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({})).toEqual({ ok: false, reason: 'missing_signature' });
    expect(ashby.parseWebhook(Buffer.from(delivery.body), delivery.headers)).toMatchObject([{ providerEventId: 'ab-1', applicationExternalId: app.externalId, stageTo: app.stage }]);
    const job = (await ashby.listJobs({ checkpoint: null, cursor: null, pageSize: 1 })).items[0]!;
    const input = { reference: 'prop-a', jobExternalId: job.externalId, candidate: { fullName: 'Annie Easley', email: 'annie@example.com' }, note: '' };
    expect(await ashby.pushApplication(input)).toEqual(await ashby.pushApplication(input));
    expect(ats.pushed()).toHaveLength(1);
  });
});

describe('Ashby connector checkpoints', () => {
  it('lists fully when the checkpoint is a time rather than a syncToken Ashby handed out', async () => {
    const page = await ashby.listApplications({ checkpoint: '2026-11-01T00:00:00.000Z', cursor: null, pageSize: 100 });
    expect(page.items.length).toBeGreaterThan(0);
    expect(ats.requests().at(-1)!.query.syncToken).toBeUndefined();
  });
});
