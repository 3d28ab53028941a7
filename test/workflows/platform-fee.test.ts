import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../lib/db.js';
import { workflowIds } from '../../domain/temporal.js';
import { placementWorkflow } from '../../workflows/placement.js';
import { placementRecordedUpdate, type PlacementInput } from '../../domain/placement.js';
import type { FakeStripe } from '../../testkit/fakes/stripe.js';
import { startPlacementHarness, type PlacementHarness } from '../../testkit/harness/placement-harness.js';
import { createCollaborators, type CollaboratorSpec } from '../../testkit/harness/factories.js';

let h: PlacementHarness;
let env: TestWorkflowEnvironment;
let db: Db;
let stripe: FakeStripe;
let taskQueue: string;

beforeAll(async () => {
  h = await startPlacementHarness();
  ({ env, db, stripe, taskQueue } = h);
});
afterAll(() => h?.stop());

const TEAM: CollaboratorSpec[] = [
  { role: 'sourcer', splitBps: 5000 },
  { role: 'closer', splitBps: 3000 },
  { role: 'support', splitBps: 2000 },
];

/** A hire of `feeCents`, for a company whose own platform fee is `platformFeeBps` (null: the marketplace default, 0), run to its end. */
async function hireAndComplete(feeCents: number, platformFeeBps: number | null) {
  const { marketplace: m, recruiters } = await createCollaborators(db, stripe, TEAM);
  if (platformFeeBps !== null)
    await db('company_settings')
      .insert({ company_id: m.companyId, platform_fee_bps: platformFeeBps })
      .onConflict('company_id')
      .merge(['platform_fee_bps']);
  const input: PlacementInput = {
    placementId: randomUUID(),
    companyId: m.companyId,
    jobId: m.jobId,
    candidateId: m.candidateId,
    feeCents,
    currency: 'USD',
    startDate: new Date(await env.currentTimeMs()).toISOString().slice(0, 10),
    collaborators: recruiters.map((r) => ({ recruiterId: r.recruiterId, role: r.spec.role, splitBps: r.spec.splitBps })),
    actor: m.actors.companyAdmin,
  };
  const handle = await env.client.workflow.start(placementWorkflow, {
    workflowId: workflowIds.placement(input.placementId),
    taskQueue,
    args: [input],
  });
  await handle.executeUpdate(placementRecordedUpdate);
  expect(await handle.result()).toMatchObject({ state: 'completed', escrowStatus: 'released' });
  const transfers = stripe.transfers().filter((t) => t.transfer_group === input.placementId);
  const paid = (tranche: string) =>
    recruiters.map((r) =>
      transfers.filter((t) => t.metadata.tranche === tranche && t.destination === r.stripeAccountId).reduce((s, t) => s + t.amount, 0),
    );
  const payouts = await db('payout_schedules').where({ placement_id: input.placementId }).orderBy('created_at');
  const placement = await db('placements').where({ id: input.placementId }).first();
  return { paid, payouts, placement: placement!, transfers };
}

describe('platform fee in the placement and payout workflows (product §3.3)', () => {
  it('with a 10 % company fee, each tranche keeps 10 % (floored) for the platform and pays each collaborator their share of the rest', async () => {
    // 2 000 001 cents, holdback 20 %: activation 1 600 001 → fee 160 000 (160 000.1 floored), 1 440 001 shared 50/30/20;
    // holdback 400 000 → fee 40 000, 360 000 shared.
    const { paid, payouts, placement, transfers } = await hireAndComplete(2_000_001, 1000);
    expect(placement.platform_fee_bps).toBe(1000);
    expect(paid('activation')).toEqual([720_001, 432_000, 288_000]);
    expect(paid('holdback')).toEqual([180_000, 108_000, 72_000]);
    expect(payouts.map((p) => [p.tranche, p.amount_cents, p.platform_fee_cents, p.status])).toEqual([
      ['activation', 1_600_001, 160_000, 'paid'],
      ['holdback', 400_000, 40_000, 'paid'],
    ]);
    // The platform's cut is never transferred: what left the platform is the fee minus it.
    expect(transfers.reduce((s, t) => s + t.amount, 0)).toBe(2_000_001 - 200_000);
  });

  it('with no fee (the marketplace default of 0), the collaborators share the whole fee as before', async () => {
    const { paid, payouts, placement, transfers } = await hireAndComplete(2_000_001, null);
    expect(placement.platform_fee_bps).toBe(0);
    expect(paid('activation')).toEqual([800_001, 480_000, 320_000]);
    expect(paid('holdback')).toEqual([200_000, 120_000, 80_000]);
    expect(payouts.map((p) => p.platform_fee_cents)).toEqual([0, 0]);
    expect(transfers.reduce((s, t) => s + t.amount, 0)).toBe(2_000_001);
  });

  it('a running placement keeps the fee it was recorded with when the company fee changes later', async () => {
    const { marketplace: m, recruiters } = await createCollaborators(db, stripe, TEAM);
    await db('company_settings')
      .insert({ company_id: m.companyId, platform_fee_bps: 500 })
      .onConflict('company_id')
      .merge(['platform_fee_bps']);
    const input: PlacementInput = {
      placementId: randomUUID(),
      companyId: m.companyId,
      jobId: m.jobId,
      candidateId: m.candidateId,
      feeCents: 1_000_000,
      currency: 'USD',
      // Starts in 10 days: nothing is paid before the fee changes.
      startDate: new Date((await env.currentTimeMs()) + 10 * 86_400_000).toISOString().slice(0, 10),
      collaborators: recruiters.map((r) => ({ recruiterId: r.recruiterId, role: r.spec.role, splitBps: r.spec.splitBps })),
      actor: m.actors.companyAdmin,
    };
    const handle = await env.client.workflow.start(placementWorkflow, {
      workflowId: workflowIds.placement(input.placementId),
      taskQueue,
      args: [input],
    });
    await handle.executeUpdate(placementRecordedUpdate);
    await db('company_settings').where({ company_id: m.companyId }).update({ platform_fee_bps: 5000 });
    await handle.result();
    const payouts = await db('payout_schedules').where({ placement_id: input.placementId }).orderBy('created_at');
    // 5 %, not 50 %: activation 800 000 → 40 000, holdback 200 000 → 10 000.
    expect(payouts.map((p) => p.platform_fee_cents)).toEqual([40_000, 10_000]);
  });
});
