import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCandidate, createMarketplace, connectAccount, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

// The marketplace default stays 0 here (other files rely on it): each test sets a company's own fee.
const setCompanyFee = (m: Marketplace, platformFeeBps: number | null) =>
  h.request('PATCH', `/api/v1/companies/${m.companyId}/terms`, { actor: m.actors.platformAdmin, body: { platformFeeBps } });
const calculate = (m: Marketplace, body: Record<string, unknown>, actor = m.actors.platformAdmin) =>
  h.request('POST', '/api/v1/placements/calculate-splits', {
    actor,
    body: { feeCents: 1_000_000, collaborators: [{ role: 'sourcer' }, { role: 'closer' }], ...body },
  });
const hire = async (m: Marketplace) =>
  (await h.request('POST', '/api/v1/placements', {
    actor: m.actors.companyAdmin,
    body: placementBody(m, { candidateId: await createCandidate(h.db) }),
  })) as { status: number; body: { id: string; platformFeeBps: number } };

describe('platform fee in the split preview', () => {
  it("takes the job's company's fee off each tranche and shares the rest by the splits, summing to the fee", async () => {
    const m = await createMarketplace(h.db);
    expect((await setCompanyFee(m, 1000)).status).toBe(200);
    const res = await calculate(m, { jobId: m.jobId });
    expect(res.status).toBe(200);
    // 1 000 000: activation 800 000 → fee 80 000, 720 000 shared 66.67/33.33; holdback 200 000 → 20 000, 180 000 shared.
    expect(res.body).toMatchObject({
      platformFeeBps: 1000,
      platformFee: { activationCents: 80_000, holdbackCents: 20_000, totalCents: 100_000 },
      activationCents: 800_000,
      holdbackCents: 200_000,
    });
    expect(res.body.collaborators.map((c: any) => [c.activationCents, c.holdbackCents])).toEqual([
      [480_024, 120_006],
      [239_976, 59_994],
    ]);
    // The company's own users get their company's fee without naming a job.
    const mine = await calculate(m, {}, m.actors.hiringManager);
    expect(mine.body).toMatchObject({ platformFeeBps: 1000, platformFee: { totalCents: 100_000 } });
  });

  it('shows no fee where none is set, and refuses a job of another company (404) or a job and a placement at once (400)', async () => {
    const m = await createMarketplace(h.db);
    const none = await calculate(m, { jobId: m.jobId });
    expect(none.body).toMatchObject({ platformFeeBps: 0, platformFee: { activationCents: 0, holdbackCents: 0, totalCents: 0 } });
    expect((await calculate(m, { jobId: m.jobId }, m.actors.foreignAdmin)).status).toBe(404);
    const both = await calculate(m, { jobId: m.jobId, placementId: m.jobId });
    expect(both.status).toBe(400);
    expect(both.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toContain('placementId');
  });
});

describe('platform fee on placements and payouts', () => {
  it('a company override changes new placements only; the placement, its preview and its payouts show the fee', async () => {
    const m = await createMarketplace(h.db);
    await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
    const before = await hire(m);
    expect(before.status).toBe(201);
    expect(before.body.platformFeeBps).toBe(0);

    expect((await setCompanyFee(m, 1000)).status).toBe(200);
    const after = await hire(m);
    expect(after.status).toBe(201);
    expect(after.body.platformFeeBps).toBe(1000);
    // The earlier placement keeps the fee it was recorded with, in its detail and in its preview.
    const earlier = await h.request('GET', `/api/v1/placements/${before.body.id}`, { actor: m.actors.companyAdmin });
    expect(earlier.body.platformFeeBps).toBe(0);
    expect((await calculate(m, { placementId: before.body.id })).body).toMatchObject({ platformFeeBps: 0 });
    expect((await calculate(m, { placementId: after.body.id })).body).toMatchObject({ platformFeeBps: 1000 });
    expect((await calculate(m, { placementId: after.body.id }, m.actors.foreignAdmin)).status).toBe(404);

    // Activated: 2 500 000, activation 2 000 000 → the platform keeps 200 000, 1 800 000 shared 57.14/42.86.
    expect(
      (await h.request('POST', `/api/v1/placements/${after.body.id}/activate`, { actor: m.actors.companyAdmin, body: {} })).status,
    ).toBe(200);
    const paid = await eventually(async () => {
      const { body } = await h.request('GET', `/api/v1/placements/${after.body.id}`, { actor: m.actors.companyAdmin });
      return body.payouts[0]?.status === 'paid' ? body : undefined;
    });
    expect(paid.payouts[0]).toMatchObject({ tranche: 'activation', amountCents: 2_000_000, platformFeeCents: 200_000 });
    expect(paid.payouts[0].splits.map((s: any) => s.amountCents)).toEqual([1_028_520, 771_480]);
    const listed = await h.request('GET', `/api/v1/payouts?placementId=${after.body.id}`, { actor: m.actors.recruiter });
    expect(listed.body.data.map((p: any) => [p.amountCents, p.platformFeeCents])).toEqual([[2_000_000, 200_000]]);
    const transferred = h.stripe.transfers().filter((t) => t.transfer_group === after.body.id);
    expect(transferred.reduce((s, t) => s + t.amount, 0)).toBe(1_800_000);
  });
});
