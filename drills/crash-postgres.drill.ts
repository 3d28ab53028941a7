/**
 * crash-postgres: "Restart Postgres mid-run: activities retry; nothing lost, nothing written twice."
 *
 * A private embedded Postgres (migrated) and Temporal dev server, the real worker processes
 * (proposals, placements, automation) and the API against them. Work: DRILL_PROPOSALS (30)
 * proposals through the API (two in three accepted → application, automation) and
 * DRILL_PAYOUTS (40) placements activated at once (payout per placement, one blocked split
 * in DRILL_BLOCK_EVERY (10) redirected by an admin; each payout waits for its fee invoice,
 * which the company pays on the fake's hosted page, every DRILL_DECLINE_EVERY-th (10) after a
 * declined card, Stripe's webhook → the API → the placement workflow). Mid-run Postgres is stopped (fast
 * shutdown: connections cut, open transactions aborted) for DRILL_PG_DOWN_MS (5 s) and
 * started again on the same data directory and port, DRILL_PG_RESTARTS (2) times. Activities
 * fail and retry; API requests that fail are retried by the client (with Idempotency-Key).
 * Then: every process completed; no duplicate rows (proposals, applications per proposal,
 * payouts and splits, Stripe transfers, e-mails by idempotency key, domain events) and
 * nothing missing. Worker processes that die on the outage are restarted and reported.
 */
import { createDb } from '../lib/db.js';
import { envInt, sleep, startApi, startWorkers, waitReady } from './lib/crash-stack.js';
import {
  crashDrill,
  checkEmails,
  checkPayments,
  checkPayouts,
  checkProposals,
  guarded,
  planTransfers,
  runProposals,
  seedWork,
  startBlockedSplitResolver,
  startInvoicePayer,
  startPlacements,
  waitExecutionsDone,
  waitPayoutsPaid,
  waitProposalsDone,
} from './lib/crash-scenarios.js';

const TIMEOUT_MS = 6 * 60_000;

const drill = crashDrill(
  'crash-postgres',
  TIMEOUT_MS,
  async ({ dir, pg, server, bundlePath, stripe, resend, db, temporal, queues, ctx, deadline, log, teardown, f }) => {
    const DOWN_MS = envInt('DRILL_PG_DOWN_MS', 5000);
    const RESTARTS = envInt('DRILL_PG_RESTARTS', 2);

    const { sizes, plan, proposalPlan } = await seedWork(db, stripe, { payouts: 40, collaborators: 3, blockEvery: 10, proposals: 30 });
    const workers = startWorkers(
      ['proposals', 'placements', 'automation'],
      {
        databaseUrl: pg.databaseUrl,
        temporalAddress: server.address,
        bundlePath,
        queues,
        stripeUrl: stripe.url,
        resendUrl: resend.url,
        logDir: dir,
        maxConcurrentActivities: { placements: 6 },
      },
      teardown,
    );
    await waitReady(workers);
    const api = await startApi({ db, temporal, queues, stripe }, teardown);
    stripe.setLatency(100);
    log('workers ready; starting placements and proposals');

    const started = Date.now();
    const resolver = startBlockedSplitResolver(ctx, plan);
    teardown.add('resolver', () => resolver.stop());
    // The companies pay their fee invoices (the payouts wait for that), through Stripe's webhook to the API.
    const payer = startInvoicePayer(ctx, plan, { declineEvery: envInt('DRILL_DECLINE_EVERY', 10) });
    teardown.add('invoice payer', () => payer.stop());
    const placementsStarted = startPlacements(ctx, plan, deadline, 10);
    const proposalsDone = runProposals(ctx, api, proposalPlan, deadline, 4);

    const outages: { atSecond: number; transfers: number; downSeconds: number }[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      const before = planTransfers(stripe, plan).length;
      const waitUntil = Date.now() + 60_000;
      while (Date.now() < waitUntil && planTransfers(stripe, plan).length < before + Math.max(3, sizes.payouts / 4)) await sleep(200);
      const transfers = planTransfers(stripe, plan).length;
      log(`stopping postgres with ${transfers} transfers made`);
      const down = Date.now();
      await pg.stop();
      await sleep(DOWN_MS);
      await pg.start();
      const downSeconds = Math.round((Date.now() - down) / 100) / 10;
      outages.push({ atSecond: Math.round((down - started) / 100) / 10, transfers, downSeconds });
      log(`postgres back after ${downSeconds}s`);
    }

    await placementsStarted;
    const outcomes = await proposalsDone;
    const paid = await waitPayoutsPaid(ctx, plan, deadline);
    await waitProposalsDone(ctx, outcomes, deadline);
    await waitExecutionsDone(ctx, deadline);
    await resolver.stop();
    await payer.stop();
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    log(`work done in ${seconds}s (payouts all paid: ${paid}); checking`);

    // Check through a fresh pool: nothing the outage left behind in the old one.
    await ctx.db.destroy();
    ctx.db = createDb(pg.databaseUrl, { max: 5 });
    f.check(
      `Postgres stopped ${outages.length}× mid-run for ~${DOWN_MS / 1000}s (fast shutdown) and started again on the same data directory and port`,
    );
    if (!outages.some((o) => o.transfers > 0 && o.transfers < sizes.payouts * sizes.collaborators))
      f.fail('no outage landed while payouts were in flight');
    await guarded(f, 'payout checks', () => checkPayouts(ctx, plan, f));
    await guarded(f, 'money-in checks', () => checkPayments(ctx, plan, f));
    await guarded(f, 'proposal checks', () => checkProposals(ctx, proposalPlan, outcomes, f));
    await guarded(f, 'e-mail checks', () => checkEmails(ctx, f));
    const exits = workers.flatMap((w) => w.unexpectedExits);
    f.check('worker processes survive the outage (an exit is restarted, as an orchestrator would, and reported)');
    if (exits.length) f.fail(`${exits.length} worker process(es) died during the Postgres outage: ${exits.join('; ')}`);
    f.details.outages = outages;
    f.details.unexpectedWorkerExits = exits;
    f.details.retriedCalls = ctx.retries.retries;
    f.details.invoicePayer = payer.stats;
    f.details.blockedSplitsResolved = resolver.stats.resolved;
    f.details.workSeconds = seconds;
    f.details.sizes = sizes;
  },
);

export default drill;
