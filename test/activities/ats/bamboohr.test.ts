import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBambooHrConnector } from '../../../activities/ats/bamboohr.js';
import { AtsAuthError, AtsRateLimitError, type AtsConnector, type CanonicalApplication } from '../../../activities/ats/types.js';
import { startBambooHrFake } from '../../fakes/ats/bamboohr.js';
import type { FakeAts } from '../../fakes/ats/types.js';

let ats: FakeAts;
let bamboo: AtsConnector;
beforeAll(async () => {
  ats = await startBambooHrFake();
  bamboo = createBambooHrConnector(ats.config);
  ats.seedBulk({ jobs: 2, candidates: 120, applicationsPerCandidate: 1 });
});
afterAll(() => ats?.close());

async function everything() {
  const items: CanonicalApplication[] = [];
  let cursor: string | null = null;
  do {
    const page = await bamboo.listApplications({ checkpoint: '2026-01-01T00:00:00.000Z', cursor, pageSize: 100 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

describe('BambooHR connector', () => {
  it('lists every application page by page on every run (no updated filter), so a deleted one is simply absent', async () => {
    expect(bamboo.capabilities.incremental.applications).toBe('full_scan');
    const all = await everything();
    expect(all).toHaveLength(120);
    expect(ats.requests().every((r) => !('newSince' in r.query) && !('updated_after' in r.query))).toBe(true);
    ats.deleteApplication(all[0]!.externalId);
    expect((await everything()).map((a) => a.externalId)).not.toContain(all[0]!.externalId);
  });

  it('treats 503 and 429 + Retry-After as throttling, and a wrong key as an auth error', async () => {
    ats.injectFailure({ path: '/api/gateway.php/acme/v1/applicant_tracking/jobs', status: 503 });
    expect(await bamboo.testConnection().catch((e: unknown) => e)).toBeInstanceOf(AtsRateLimitError);
    ats.injectFailure({ path: '/api/gateway.php/acme/v1/applicant_tracking/jobs', status: 429, headers: { 'Retry-After': '9' } });
    expect(((await bamboo.testConnection().catch((e: unknown) => e)) as AtsRateLimitError).retryAfterMs).toBe(9000);
    await expect(createBambooHrConnector({ ...ats.config, credentials: { companyDomain: 'acme', apiKey: 'nope' } }).testConnection()).rejects.toBeInstanceOf(AtsAuthError);
  });

  it('verifies signed (employee) webhooks over body + timestamp, refusing forged and stale ones, and reads no ATS events from them', () => {
    const body = JSON.stringify({ employees: [{ id: '1', changedFields: ['department'] }] });
    const now = new Date();
    const verify = (headers: Record<string, string>, at = now) => bamboo.verifyWebhook({ rawBody: Buffer.from(body), headers, secret: ats.webhookSecret, now: at });
    expect(verify(ats.signWebhook(body))).toEqual({ ok: true });
    expect(verify(ats.signWebhook(body, { secret: 'z' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(ats.signWebhook(body, { at: new Date(now.getTime() - 10 * 60_000) }))).toEqual({ ok: false, reason: 'stale' });
    expect(verify({})).toEqual({ ok: false, reason: 'missing_signature' });
    expect(bamboo.parseWebhook(Buffer.from(body), {})).toEqual([]);
  });

  it('pushes a multipart application once per reference', async () => {
    const job = (await bamboo.listJobs({ checkpoint: null, cursor: null, pageSize: 10 })).items[0]!;
    const input = { reference: 'prop-b', jobExternalId: job.externalId, candidate: { fullName: 'Gladys West', email: 'gw@example.com' }, note: 'pitch' };
    expect(await bamboo.pushApplication(input)).toEqual(await bamboo.pushApplication(input));
    expect(ats.pushed()).toMatchObject([{ reference: 'prop-b', jobExternalId: job.externalId }]);
  });
});
