/**
 * crash-workers: "Kill -9 each worker at random points during 200 concurrent payouts,
 * restart: 0 duplicate and 0 missing transfers, 0 missing audit rows."
 *
 * The real worker processes (workers/placements.ts, automation.ts, proposals.ts) on private
 * task queues, against a private Postgres and Temporal dev server. DRILL_PAYOUTS placements
 * (default 200) × DRILL_COLLABORATORS (4) are started and activate at once (activation
 * payout → one Stripe transfer per split, fake Stripe with latency); every
 * DRILL_BLOCK_EVERY-th (20) has a collaborator whose account Stripe refuses, so its split
 * blocks, raises `payout.blocked` (→ automation: task + e-mail) and an admin redirects it.
 * Money in first: each placement invoices its company (activity invoiceFee) and pays out only
 * once that invoice is paid; the companies pay on the fake's hosted invoice page (every
 * DRILL_DECLINE_EVERY-th (10) after a declined card), and Stripe's signed webhook goes to the
 * API, which signals the placement workflow (deliveries that failed are sent again, as Stripe does).
 * DRILL_REFUNDS (5) placements fail once their payout is paid: the company admin reports the
 * failure and chooses the refund (workflow updates, during the kills) → paid splits reversed,
 * escrow refunded, the company refunded by a credit note.
 * Meanwhile DRILL_PROPOSALS (30) proposals go through the API (accept / decline → automation).
 * 2–5 s (DRILL_KILL_MIN_MS / DRILL_KILL_MAX_MS) after every worker is up, a random worker process
 * gets SIGKILL and is restarted (one down at a time; a restart takes seconds on a small machine), until the payouts and refunds are done or DRILL_KILL_PHASE_MS (420 s: invoicing, payments, transfers and refunds all take kills) passed.
 * Then: every payout paid, exactly one Stripe transfer per split, every audit row once; exactly
 * one Stripe invoice per placement, paid, projected paid in placement_payments, every transfer
 * funded by that invoice's charge (`source_transaction`) within its amount, no payment change twice;
 * exactly one credit note and one Stripe refund per refunded placement, each of its transfers reversed once.
 */
import { envInt, randomBetween, sleep, startApi, startWorkers, waitReady, type WorkerKind } from './lib/crash-stack.js';
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
  startRefunds,
  waitExecutionsDone,
  waitPayoutsPaid,
  waitProposalsDone,
  waitRefundsDone,
} from './lib/crash-scenarios.js';

// 200 payouts through four worker processes killed over and over take minutes on a small machine.
const TIMEOUT_MS = 15 * 60_000;

const drill = crashDrill(
  'crash-workers',
  TIMEOUT_MS,
  async ({ dir, pg, server: temporalServer, bundlePath, stripe, resend, db, temporal, queues, ctx, deadline, log, teardown, f }) => {
    const KILL_MIN = envInt('DRILL_KILL_MIN_MS', 2000);
    const KILL_MAX = envInt('DRILL_KILL_MAX_MS', 5000);
    const KILL_PHASE = envInt('DRILL_KILL_PHASE_MS', 420_000);

    const { sizes, plan, proposalPlan } = await seedWork(db, stripe, { payouts: 200, collaborators: 4, blockEvery: 20, proposals: 30 });
    log(`seeded ${sizes.payouts} placements × ${sizes.collaborators} collaborators, ${sizes.proposals} candidates`);

    // Few activities at a time per process, so each process's life holds transfers in flight.
    const kinds: WorkerKind[] = ['placements', 'placements', 'automation', 'proposals'];
    const workers = startWorkers(
      kinds,
      {
        databaseUrl: pg.databaseUrl,
        temporalAddress: temporalServer.address,
        bundlePath,
        queues,
        stripeUrl: stripe.url,
        resendUrl: resend.url,
        logDir: dir,
        maxConcurrentActivities: { placements: 8, automation: 4, proposals: 4 },
      },
      teardown,
    );
    await waitReady(workers);
    const api = await startApi({ db, temporal, queues, stripe }, teardown);
    stripe.setLatency(120);
    log('workers ready; starting placements and proposals');

    const resolver = startBlockedSplitResolver(ctx, plan);
    teardown.add('resolver', () => resolver.stop());
    // The companies pay their fee invoices (the payouts wait for that), through Stripe's webhook to the API.
    const payer = startInvoicePayer(ctx, plan, { declineEvery: envInt('DRILL_DECLINE_EVERY', 10) });
    teardown.add('invoice payer', () => payer.stop());
    const started = Date.now();
    const placementsStarted = startPlacements(ctx, plan, deadline);
    const proposalsDone = runProposals(ctx, api, proposalPlan, deadline);
    let allPaid = false;
    const payoutsPaid = waitPayoutsPaid(ctx, plan, deadline).then((ok) => (allPaid = ok));
    // A few placements fail and are refunded while the kills go on.
    let refundsDone = false;
    const refunds = startRefunds(ctx, plan, envInt('DRILL_REFUNDS', 5), deadline)
      .then(() => waitRefundsDone(ctx, plan, deadline))
      .finally(() => (refundsDone = true));

    // The chaos: a random worker process, kill -9, at a random moment, then a new one.
    const kills: { worker: string; atSecond: number; transfers: number; unpaidInvoices: number; refundsDone: boolean }[] = [];
    const done = () => allPaid && refundsDone;
    while (!done() && Date.now() - started < KILL_PHASE) {
      // One process down at a time: the next kill comes a few seconds after the last one's replacement polls again.
      while (!done() && !workers.every((w) => w.ready)) await sleep(100);
      await sleep(randomBetween(KILL_MIN, KILL_MAX));
      if (done() || Date.now() - started >= KILL_PHASE) break;
      const victim = workers[randomBetween(0, workers.length - 1)]!;
      const transfers = planTransfers(stripe, plan).length;
      const unpaidInvoices = payer.unpaid;
      kills.push({ worker: victim.name, atSecond: Math.round((Date.now() - started) / 100) / 10, transfers, unpaidInvoices, refundsDone });
      log(`kill -9 ${victim.name} (pid ${victim.child?.pid}) with ${transfers} transfers made, ${unpaidInvoices} invoices unpaid`);
      await victim.killAndRestart();
    }
    log(`${kills.length} kills; waiting for the work to finish`);
    await placementsStarted;
    const outcomes = await proposalsDone;
    await payoutsPaid;
    if (!allPaid) allPaid = await waitPayoutsPaid(ctx, plan, deadline);
    await refunds;
    await waitProposalsDone(ctx, outcomes, deadline);
    await waitExecutionsDone(ctx, deadline);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    await resolver.stop();
    await payer.stop();
    log(`work done in ${seconds}s; checking`);

    f.check(`${kills.length} kill -9s of random worker processes (placements ×2, automation, proposals), each restarted`);
    const killsInside = kills.filter((k) => k.transfers > 0 && k.transfers < sizes.payouts * sizes.collaborators).length;
    if (kills.length === 0) f.fail('no worker was killed: the work finished before the first kill');
    await guarded(f, 'payout checks', () => checkPayouts(ctx, plan, f));
    await guarded(f, 'money-in checks', () => checkPayments(ctx, plan, f));
    await guarded(f, 'proposal checks', () => checkProposals(ctx, proposalPlan, outcomes, f));
    await guarded(f, 'e-mail checks', () => checkEmails(ctx, f));
    f.details.kills = kills.length;
    f.details.killsWhileTransfersInFlight = killsInside;
    f.details.killsWhileInvoicesUnpaid = kills.filter((k) => k.unpaidInvoices > 0).length;
    f.details.killsBeforeRefundsDone = kills.filter((k) => k.transfers > 0 && !k.refundsDone).length;
    f.details.killsPerWorker = Object.fromEntries(workers.map((w) => [w.name, w.kills]));
    f.details.killLog = kills;
    f.details.unexpectedWorkerExits = workers.flatMap((w) => w.unexpectedExits);
    f.details.blockedSplitsResolved = resolver.stats.resolved;
    f.details.retriedCalls = ctx.retries.retries;
    f.details.invoicePayer = payer.stats;
    f.details.refundedPlacements = plan.refunded.size;
    f.details.workSeconds = seconds;
    f.details.sizes = sizes;
  },
);

export default drill;
