/**
 * `npm run bench:payouts`: N payouts × 5 collaborators through the payout workflow and the
 * fake Stripe (transfers per second, end to end to every split `paid` in Postgres) beside the
 * same number of transfers made directly with the Stripe SDK against the same fake, with
 * idempotency keys, no Temporal: the raw baseline of the same run.
 * BENCH_N payouts (default 100), BENCH_CONCURRENCY (default 50).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDb } from '../lib/db.js';
import { WORKFLOW_TYPES, workflowIds } from '../domain/temporal.js';
import { startFakeResend } from '../testkit/fakes/resend.js';
import { startFakeStripe } from '../testkit/fakes/stripe.js';
import { createPlacement, type CollaboratorSpec, type PlacementFixture } from '../testkit/harness/factories.js';
import { startTestInfra } from '../testkit/env/infra.js';
import { createPlacementsWorker } from '../workers/placements.js';
import { pool, printTable, saveReport } from './lib/measure.js';
import type { PayoutWorkflow } from '../domain/payout.js';

const N = Number(process.env.BENCH_N ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const TEAM: CollaboratorSpec[] = [
  { role: 'sourcer', splitBps: 3000 },
  { role: 'submitter', splitBps: 2500 },
  { role: 'closer', splitBps: 2000 },
  { role: 'support', splitBps: 1500 },
  { role: 'support', splitBps: 1000 },
];

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const infra = await startTestInfra();
  const [stripe, resend] = await Promise.all([startFakeStripe(), startFakeResend()]);
  const db = createDb(infra.databaseUrl, { max: 20 });
  const [connection, nativeConnection] = await Promise.all([
    Connection.connect({ address: infra.temporalAddress }),
    NativeConnection.connect({ address: infra.temporalAddress }),
  ]);
  const client = new Client({ connection });
  const taskQueue = `bench-placements-${randomUUID()}`;
  const worker = await createPlacementsWorker({
    connection: nativeConnection,
    namespace: 'default',
    temporal: client,
    automationTaskQueue: `bench-automation-${randomUUID()}`,
    db,
    stripe: stripe.client({ maxNetworkRetries: 2 }),
    resend: resend.client(),
    emailFrom: 'bench@splits.test',
    appUrl: 'http://bench',
    workflowBundle: { codePath: infra.workflowBundlePath },
    taskQueue,
  });

  const placements: PlacementFixture[] = [];
  for (let i = 0; i < N; i++) placements.push(await createPlacement(db, stripe, TEAM));
  const sdk = stripe.client({ maxNetworkRetries: 2 });
  const destinations = placements.flatMap((p) => p.collaborators.map((c) => c.stripeAccountId!));

  // Baseline: the same transfers, straight through the SDK.
  const baseline = await pool(destinations.length, CONCURRENCY, async (i) => {
    await sdk.transfers.create(
      { amount: 1000, currency: 'usd', destination: destinations[i]!, transfer_group: 'baseline' },
      { idempotencyKey: `baseline-${i}` },
    );
  });

  const workflows = await worker.runUntil(() =>
    pool(N, CONCURRENCY, async (i) => {
      const payoutId = randomUUID();
      const p = placements[i]!;
      const view = await client.workflow.execute<PayoutWorkflow>(WORKFLOW_TYPES.payout, {
        workflowId: workflowIds.payout(payoutId),
        taskQueue,
        args: [
          {
            payoutId,
            placementId: p.placementId,
            companyId: p.marketplace.companyId,
            tranche: 'activation',
            amountCents: 5_000_000,
            currency: 'USD',
          },
        ],
      });
      if (view.status !== 'paid') throw new Error(`payout ${payoutId} ended ${view.status}`);
    }),
  );
  const transfersPerSecond = { ...workflows, perSecond: (N * TEAM.length) / workflows.seconds };
  const paidSplits = Number((await db('payout_splits').where({ status: 'paid' }).count<{ count: string }[]>('* as count'))[0]!.count);

  printTable(
    `Split payouts: ${N} payouts × ${TEAM.length} collaborators = ${N * TEAM.length} transfers (concurrency ${CONCURRENCY}); per second = transfers`,
    [
      ['Stripe SDK transfers, no Temporal (baseline)', baseline],
      ['payout workflows (transfers, end to end)', transfersPerSecond],
    ],
  );
  const ratio = transfersPerSecond.perSecond / baseline.perSecond;
  console.log(
    `ratio (workflow transfers / raw SDK transfers per second): ${ratio.toFixed(2)}; paid splits: ${paidSplits}/${N * TEAM.length}`,
  );
  await saveReport('payouts', {
    n: N,
    collaborators: TEAM.length,
    concurrency: CONCURRENCY,
    baseline,
    payoutWorkflows: transfersPerSecond,
    ratio,
    paidSplits,
  });

  await Promise.all([connection.close(), stripe.close(), resend.close(), db.destroy()]);
  await nativeConnection.close();
  await infra.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
