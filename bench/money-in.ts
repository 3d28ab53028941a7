/**
 * `node --import tsx bench/money-in.ts` (part of `npm run bench`): N placements through money in,
 * end to end. The placement workflow invoices its company (customer, invoice, item, finalize);
 * the company pays on the fake's hosted invoice page (`POST /_fake/invoices/:id/pay`); Stripe's
 * signed `invoice.paid` reaches the API's webhook route (the API runs in this process, with the
 * fake's endpoint pointed at it), which signals the workflow; the workflow re-reads the invoice and
 * its charge and pays the activation payout: one transfer per split with `source_transaction` =
 * that charge. Timed per placement from its start to its activation payout `paid` in Postgres.
 * Beside it, in the same run, the raw baseline: the same Stripe calls made directly with the SDK
 * (customer, invoice, item, finalize, pay, read the invoice, its payment intent and charge, the
 * transfers with `source_transaction`), no Temporal, no API, no Postgres.
 * BENCH_N placements (default 50), BENCH_CONCURRENCY (default 25), BENCH_COLLABORATORS (2–5, default 3).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type Stripe from 'stripe';
import { createApp } from '../api/app.js';
import { createDb, type Db } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { tranches } from '../domain/money.js';
import type { PlacementWorkflow } from '../domain/placement.js';
import { WORKFLOW_TYPES, workflowIds, type TaskQueues } from '../domain/temporal.js';
import { startFakeResend } from '../testkit/fakes/resend.js';
import { startFakeStripe, type FakeStripe } from '../testkit/fakes/stripe.js';
import { createCollaborators, type CollaboratorSpec } from '../testkit/harness/factories.js';
import { startTestInfra } from '../testkit/env/infra.js';
import { createPlacementsWorker } from '../workers/placements.js';
import { pool, printTable, saveReport } from './lib/measure.js';

const N = Number(process.env.BENCH_N ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 25);
const COLLABORATORS = Number(process.env.BENCH_COLLABORATORS ?? 3);
const FEE_CENTS = 2_500_000;
const SPLITS: Record<number, number[]> = {
  2: [6000, 4000],
  3: [5000, 3000, 2000],
  4: [4000, 3000, 2000, 1000],
  5: [3000, 2500, 2000, 1500, 1000],
};
const ROLES: CollaboratorSpec['role'][] = ['sourcer', 'submitter', 'closer', 'support', 'support'];
const WEBHOOK_SECRET = 'whsec_bench_money_in';
const JWT = { JWT_SECRET: 'bench-secret-that-is-at-least-32-characters', JWT_ISSUER: 'splits-bench' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The company pays on the hosted invoice page; a 400 means the invoice is not open yet (the activity is still finalizing it). */
async function payOnHostedPage(stripe: FakeStripe, invoiceId: string): Promise<boolean> {
  const res = await fetch(`${stripe.url}/_fake/invoices/${invoiceId}/pay`, {
    method: 'POST',
    body: new URLSearchParams({ outcome: 'succeed' }),
  });
  await res.arrayBuffer();
  if (res.status !== 200 && res.status !== 400) throw new Error(`paying ${invoiceId}: ${res.status}`);
  return res.status === 200;
}

/** Polls `probe` every `everyMs` until it answers something. */
async function until<T>(probe: () => Promise<T | undefined>, everyMs: number, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
    await sleep(everyMs);
  }
}

async function startApi(db: Db, temporal: Client, taskQueues: TaskQueues): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp({
    temporal,
    db,
    config: { ...JWT, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
    logger: createLogger('bench-api', 'silent'),
    taskQueues,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/webhooks/stripe`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function main() {
  const bps = SPLITS[COLLABORATORS];
  if (!bps) throw new Error(`BENCH_COLLABORATORS must be 2 to 5, not ${COLLABORATORS}`);
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const infra = await startTestInfra();
  const [stripe, resend] = await Promise.all([startFakeStripe(), startFakeResend()]);
  const db = createDb(infra.databaseUrl, { max: 20 });
  const [connection, nativeConnection] = await Promise.all([
    Connection.connect({ address: infra.temporalAddress }),
    NativeConnection.connect({ address: infra.temporalAddress }),
  ]);
  const client = new Client({ connection });
  const id = randomUUID().slice(0, 8);
  const queues: TaskQueues = {
    proposals: `bench-proposals-${id}`,
    placements: `bench-placements-${id}`,
    ownership: `bench-ownership-${id}`,
    automation: `bench-automation-${id}`,
    atsSync: `bench-ats-sync-${id}`,
  };
  const worker = await createPlacementsWorker({
    connection: nativeConnection,
    namespace: 'default',
    temporal: client,
    automationTaskQueue: queues.automation,
    db,
    stripe: stripe.client({ maxNetworkRetries: 2 }),
    resend: resend.client(),
    emailFrom: 'bench@splits.test',
    appUrl: 'http://bench',
    workflowBundle: { codePath: infra.workflowBundlePath },
    taskQueue: queues.placements,
  });
  const api = await startApi(db, client, queues);

  const specs: CollaboratorSpec[] = bps.map((splitBps, k) => ({ role: ROLES[k]!, splitBps }));
  const teams: Awaited<ReturnType<typeof createCollaborators>>[] = [];
  for (let i = 0; i < N; i++) teams.push(await createCollaborators(db, stripe, specs));
  const sdk = stripe.client({ maxNetworkRetries: 2 });
  // The workflow's split amounts: the activation tranche, less the platform fee, shared by bps (close enough for the baseline).
  const activation = tranches(FEE_CENTS, 2000).activationCents;

  // Baseline: the same Stripe calls, straight through the SDK (no webhooks: nobody listens).
  stripe.setWebhookEndpoint(null);
  const baseline = await pool(N, CONCURRENCY, async (i) => {
    const key = (step: string) => ({ idempotencyKey: `baseline-${i}-${step}` });
    const customer = await sdk.customers.create({ name: `Baseline company ${i}` }, key('customer'));
    const draft = await sdk.invoices.create(
      {
        customer: customer.id,
        collection_method: 'send_invoice',
        days_until_due: 30,
        currency: 'usd',
        metadata: { placement_id: `baseline-${i}` },
      },
      key('invoice'),
    );
    await sdk.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: FEE_CENTS, currency: 'usd' }, key('item'));
    await sdk.invoices.finalizeInvoice(draft.id, {}, key('finalize'));
    if (!(await payOnHostedPage(stripe, draft.id))) throw new Error(`baseline invoice ${draft.id} not payable`);
    const paid = await sdk.invoices.retrieve(draft.id, { expand: ['payments'] });
    const intent = paid.payments?.data.find((p) => p.status === 'paid')?.payment.payment_intent;
    const pi = await sdk.paymentIntents.retrieve(typeof intent === 'string' ? intent : intent!.id);
    const charge = await sdk.charges.retrieve(pi.latest_charge as string);
    await Promise.all(
      teams[i]!.recruiters.map((r, k) =>
        sdk.transfers.create(
          {
            amount: Math.floor((activation * r.spec.splitBps) / 10_000),
            currency: 'usd',
            destination: r.stripeAccountId!,
            transfer_group: `baseline-${i}`,
            source_transaction: charge.id,
          },
          key(`transfer-${k}`),
        ),
      ),
    );
  });

  // The product's path: workflow → invoice → hosted page → webhook → API → signal → payout with source_transaction.
  stripe.setWebhookEndpoint(api.url, WEBHOOK_SECRET);
  const today = new Date().toISOString().slice(0, 10);
  const placementIds: string[] = [];
  const workflows = await worker.runUntil(() =>
    pool(N, CONCURRENCY, async (i) => {
      const placementId = randomUUID();
      placementIds.push(placementId);
      const { marketplace: m, recruiters } = teams[i]!;
      await client.workflow.start<PlacementWorkflow>(WORKFLOW_TYPES.placement, {
        workflowId: workflowIds.placement(placementId),
        taskQueue: queues.placements,
        args: [
          {
            placementId,
            companyId: m.companyId,
            jobId: m.jobId,
            candidateId: m.candidateId,
            feeCents: FEE_CENTS,
            currency: 'USD',
            startDate: today,
            collaborators: recruiters.map((r) => ({ recruiterId: r.recruiterId, role: r.spec.role, splitBps: r.spec.splitBps })),
            actor: m.actors.companyAdmin,
          },
        ],
      });
      const invoiceId = await until(
        async () =>
          (await db('placement_payments').where({ placement_id: placementId, state: 'open' }).first('stripe_invoice_id'))
            ?.stripe_invoice_id as string | undefined,
        50,
        `placement ${placementId}'s open invoice`,
      );
      await until(async () => ((await payOnHostedPage(stripe, invoiceId)) ? true : undefined), 50, `paying ${invoiceId}`);
      await until(
        async () => ((await db('payout_schedules').where({ placement_id: placementId, status: 'paid' }).first('id')) ? true : undefined),
        50,
        `placement ${placementId}'s activation payout`,
      );
    }),
  );
  await stripe.webhooksSettled();

  // The transfers the workflows made: one per split, each funded by its placement's charge.
  const charges = new Map<string, string | null>(
    (await db('placement_payments').whereIn('placement_id', placementIds).select('placement_id', 'stripe_charge_id')).map(
      (r: { placement_id: string; stripe_charge_id: string | null }) => [r.placement_id, r.stripe_charge_id],
    ),
  );
  const ours = new Set(placementIds);
  const transfers = stripe.transfers().filter((t) => t.transfer_group && ours.has(t.transfer_group));
  const source = (t: Stripe.Transfer) =>
    typeof t.source_transaction === 'string' ? t.source_transaction : (t.source_transaction?.id ?? null);
  const funded = transfers.filter((t) => source(t) !== null && source(t) === charges.get(t.transfer_group!)).length;
  const invoices = stripe.requests['POST /v1/invoices'] ?? 0;

  printTable(
    `Money in: ${N} placements × ${COLLABORATORS} collaborators (concurrency ${CONCURRENCY}); per second = placements invoiced, paid and paid out`,
    [
      ['Stripe SDK calls, no Temporal / API (baseline)', baseline],
      ['placement workflows (invoice → pay → webhook → API → signal → funded transfers)', workflows],
    ],
  );
  const ratio = workflows.perSecond / baseline.perSecond;
  console.log(
    `ratio (workflow / raw SDK placements per second): ${ratio.toFixed(2)}; transfers: ${transfers.length}/${N * COLLABORATORS}, funded by their placement's charge: ${funded}; invoices created: ${invoices} (${N} baseline + ${N} workflow)`,
  );
  await saveReport('money-in', {
    n: N,
    collaborators: COLLABORATORS,
    concurrency: CONCURRENCY,
    baseline,
    placementWorkflows: workflows,
    ratio,
    transfers: transfers.length,
    fundedTransfers: funded,
    invoicesCreated: invoices,
  });

  await api.close();
  await Promise.all([connection.close(), stripe.close(), resend.close(), db.destroy()]);
  await nativeConnection.close();
  await infra.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
