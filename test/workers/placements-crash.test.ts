import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { exited, spawnWorkerProcess, useWorkerProcessServers } from '../support/worker-process.js';
import type { PayoutWorkflow } from '../../domain/payout.js';
import { createPlacement } from '../../testkit/harness/factories.js';

const PAYOUTS = 20;
const KILLS = 4;
const taskQueue = `placements-crash-${randomUUID()}`;
const servers = useWorkerProcessServers();

// Few transfers at a time, so the batch spans each worker's life and kills land inside it.
const startWorker = () =>
  spawnWorkerProcess('placements', { taskQueue, stripeUrl: servers.stripe.url, env: { WORKER_MAX_CONCURRENT_ACTIVITIES: '4' } });

describe('placements worker under kill -9', () => {
  it('pays every collaborator exactly once per tranche when the worker is killed at random points', async () => {
    const { db, stripe, client } = servers;
    const placements = await Promise.all(
      Array.from({ length: PAYOUTS }, () =>
        createPlacement(db, stripe, [
          { role: 'sourcer', splitBps: 4000 },
          { role: 'submitter', splitBps: 3000 },
          { role: 'closer', splitBps: 2000 },
          { role: 'support', splitBps: 1000 },
        ]),
      ),
    );
    // A realistic Stripe latency keeps transfers in flight when the worker dies.
    stripe.setLatency(150);
    const transferred = () => stripe.transfers().filter((t) => placements.some((p) => p.placementId === t.transfer_group)).length;

    let worker = startWorker();
    const handles = await Promise.all(
      placements.map((p) => {
        const payoutId = randomUUID();
        return client.workflow.start<PayoutWorkflow>(WORKFLOW_TYPES.payout, {
          workflowId: workflowIds.payout(payoutId),
          taskQueue,
          args: [
            {
              payoutId,
              placementId: p.placementId,
              companyId: p.marketplace.companyId,
              tranche: 'activation',
              amountCents: 1_234_567,
              currency: 'USD',
            },
          ],
        });
      }),
    );

    const paidAtKills: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Kill only once this worker is making transfers, at a random moment after that.
      const before = transferred();
      while (transferred() === before) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      paidAtKills.push(transferred());
      worker.kill('SIGKILL');
      await exited(worker);
      worker = startWorker();
    }
    const results = await Promise.all(handles.map((h) => h.result()));
    worker.kill('SIGTERM');
    await exited(worker);

    console.info(`[drill] ${KILLS} kill -9s; transfers made at each kill: ${paidAtKills.join(', ')} of ${PAYOUTS * 4}`);
    expect(results.every((r) => r.status === 'paid')).toBe(true);
    // Every kill hit the batch in the middle: some transfers made, others not yet.
    expect(
      paidAtKills.every((n) => n > 0 && n < PAYOUTS * 4),
      `transfers at each kill: ${paidAtKills}`,
    ).toBe(true);
    const placementIds = new Set(placements.map((p) => p.placementId));
    const transfers = stripe.transfers().filter((t) => placementIds.has(t.transfer_group!));
    const perSplit = new Map<string, number>();
    for (const t of transfers) perSplit.set(t.metadata.split_id!, (perSplit.get(t.metadata.split_id!) ?? 0) + 1);
    expect(perSplit.size).toBe(PAYOUTS * 4);
    expect([...perSplit.values()].every((n) => n === 1)).toBe(true);
    expect(transfers.reduce((sum, t) => sum + t.amount, 0)).toBe(PAYOUTS * 1_234_567);

    const payoutIds = results.map((r) => r.payoutId);
    const paidRows = await db('payout_audit_log').whereIn('payout_id', payoutIds).where({ event: 'split_paid' });
    expect(paidRows).toHaveLength(PAYOUTS * 4);
    const splits = await db('payout_splits').whereIn('payout_id', payoutIds);
    expect(splits.every((s) => s.status === 'paid' && s.stripe_transfer_id)).toBe(true);
  }, 180_000);
});
