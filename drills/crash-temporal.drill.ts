/**
 * crash-temporal: "Restart the Temporal dev server (persistent SQLite file) in the middle of
 * running proposals, placements and syncs: everything resumes and completes."
 *
 * A private dev server on a SQLite file, the real worker processes (proposals, placements,
 * automation, ats-sync) and the API against it. Work: DRILL_PROPOSALS (30) proposals through
 * the API (two in three accepted), DRILL_PAYOUTS (40) placements activated at once (payout
 * per placement, one blocked split in DRILL_BLOCK_EVERY (10) redirected by an admin; each
 * payout waits for its fee invoice, which the company pays on the fake's hosted page, every
 * DRILL_DECLINE_EVERY-th (10) after a declined card: Stripe's webhook → the API → the workflow), and a
 * first ATS sync of a Greenhouse fake with DRILL_ATS_CANDIDATES (8000) candidates × 2
 * applications. Mid-run the server is stopped — first with SIGTERM (inside the sync's run if
 * possible), then (harder) SIGKILL among the transfers —
 * left down DRILL_TEMPORAL_DOWN_MS (3 s) and started again on the same port and file. Workers,
 * the API's client and the drill's client reconnect on their own; requests that fail while
 * it is down are retried. Then: proposals decided with their rows, payouts paid exactly once,
 * sync checkpoints advanced with every record mapped once.
 */
import { startGreenhouseFake } from '../testkit/fakes/ats/greenhouse.js';
import { envInt, sleep, startApi, startWorkers, waitReady } from './lib/crash-stack.js';
import {
  crashDrill,
  atsProgress,
  checkAts,
  checkEmails,
  checkPayments,
  checkPayouts,
  checkProposals,
  guarded,
  planTransfers,
  runProposals,
  seedWork,
  startAtsSync,
  startBlockedSplitResolver,
  startInvoicePayer,
  startPlacements,
  waitAtsSynced,
  waitExecutionsDone,
  waitPayoutsPaid,
  waitProposalsDone,
} from './lib/crash-scenarios.js';

const TIMEOUT_MS = 6 * 60_000;

const drill = crashDrill(
  'crash-temporal',
  TIMEOUT_MS,
  async ({ dir, pg, server, bundlePath, stripe, resend, db, temporal, queues, ctx, deadline, log, teardown, f }) => {
    const ATS_CANDIDATES = envInt('DRILL_ATS_CANDIDATES', 8000);
    const DOWN_MS = envInt('DRILL_TEMPORAL_DOWN_MS', 3000);
    const ats = await startGreenhouseFake();
    teardown.add('ats fake', () => ats.close());

    const { sizes, plan, proposalPlan } = await seedWork(db, stripe, { payouts: 40, collaborators: 3, blockEvery: 10, proposals: 30 });
    const workers = startWorkers(
      ['proposals', 'placements', 'automation', 'ats-sync'],
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
    log('workers ready; starting the ATS sync, placements and proposals');

    const started = Date.now();
    const atsRun = await startAtsSync(ctx, ats, { jobs: 50, candidates: ATS_CANDIDATES, applicationsPerCandidate: 2 }, deadline);
    const atsTotal = atsRun.expected.jobs + atsRun.expected.candidates + atsRun.expected.applications;
    const resolver = startBlockedSplitResolver(ctx, plan);
    teardown.add('resolver', () => resolver.stop());
    // The companies pay their fee invoices (the payouts wait for that), through Stripe's webhook to the API.
    const payer = startInvoicePayer(ctx, plan, { declineEvery: envInt('DRILL_DECLINE_EVERY', 10) });
    teardown.add('invoice payer', () => payer.stop());
    const placementsStarted = startPlacements(ctx, plan, deadline, 10);
    const proposalsDone = runProposals(ctx, api, proposalPlan, deadline, 4);

    // Restart in the middle: once transfers have begun and the sync has stored pages.
    const restarts: { signal: string; atSecond: number; transfers: number; atsMapped: number; downSeconds: number }[] = [];
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const before = planTransfers(stripe, plan).length;
      const waitUntil = Date.now() + 60_000;
      // The first restart lands inside the ATS sync's run if it can; the second among the transfers.
      const midSync = async () => {
        if (signal !== 'SIGTERM') return false;
        const n = await atsProgress(ctx, atsRun).catch(() => 0);
        return n > 0 && n < atsTotal;
      };
      while (Date.now() < waitUntil && planTransfers(stripe, plan).length < before + Math.max(3, sizes.payouts / 4) && !(await midSync()))
        await sleep(200);
      const mapped = await atsProgress(ctx, atsRun).catch(() => -1);
      const transfers = planTransfers(stripe, plan).length;
      log(`stopping temporal (${signal}) with ${transfers} transfers made, ${mapped} ATS records mapped`);
      const down = Date.now();
      await server.stop(signal);
      await sleep(DOWN_MS);
      await server.start();
      const downSeconds = Math.round((Date.now() - down) / 100) / 10;
      restarts.push({ signal, atSecond: Math.round((down - started) / 100) / 10, transfers, atsMapped: mapped, downSeconds });
      log(`temporal back after ${downSeconds}s`);
    }

    await placementsStarted;
    const outcomes = await proposalsDone;
    const [paid, syncStatus] = await Promise.all([waitPayoutsPaid(ctx, plan, deadline), waitAtsSynced(ctx, atsRun, deadline)]);
    await waitProposalsDone(ctx, outcomes, deadline);
    await waitExecutionsDone(ctx, deadline);
    await resolver.stop();
    await payer.stop();
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    log(`work done in ${seconds}s (payouts all paid: ${paid}); checking`);

    f.check(
      `Temporal dev server restarted ${restarts.length}× mid-run on the same SQLite file and port (${restarts.map((r) => r.signal).join(', then ')}); workers, API and clients reconnected`,
    );
    const mid = restarts.filter((r) => r.transfers > 0 && r.transfers < sizes.payouts * sizes.collaborators).length;
    if (mid === 0) f.fail('no restart landed while payouts were in flight');
    await guarded(f, 'payout checks', () => checkPayouts(ctx, plan, f));
    await guarded(f, 'money-in checks', () => checkPayments(ctx, plan, f));
    await guarded(f, 'proposal checks', () => checkProposals(ctx, proposalPlan, outcomes, f));
    await guarded(f, 'ATS checks', () => checkAts(ctx, atsRun, syncStatus, f));
    await guarded(f, 'e-mail checks', () => checkEmails(ctx, f));
    f.details.restarts = restarts;
    f.details.unexpectedWorkerExits = workers.flatMap((w) => w.unexpectedExits);
    f.details.retriedCalls = ctx.retries.retries;
    f.details.invoicePayer = payer.stats;
    f.details.blockedSplitsResolved = resolver.stats.resolved;
    f.details.workSeconds = seconds;
    f.details.sizes = { ...sizes, atsCandidates: ATS_CANDIDATES };
  },
);

export default drill;
