/**
 * The work the crash drills run while something dies (placements → split payouts with a few
 * blocked splits an admin redirects, proposals through the API, an ATS sync) and the checks
 * afterwards: every process finished, every side effect (Stripe transfer, e-mail, row)
 * exactly once. A check adds what is missing or duplicated to `lost`, and explains it.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Db } from '../../lib/db.js';
import { seal, parseKeyRing } from '../../lib/sealed.js';
import { integrationRecordedUpdate, syncStatusQuery, type SyncStatus } from '../../domain/ats.js';
import { type TaskQueues, WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { tranches } from '../../domain/money.js';
import { changeSplitAccountUpdate, type PayoutView } from '../../domain/payout.js';
import { chooseRefundUpdate, placementStateQuery, reportFailureUpdate } from '../../domain/placement.js';
import type { ProposalView } from '../../domain/proposal.js';
import type { Actor } from '../../domain/actors.js';
import type { Drill } from './report.js';
import { createDb } from '../../lib/db.js';
import {
  buildWorkflowBundle,
  deadlineAfter,
  DRILL_ATS_KEYS,
  drillLog,
  envInt,
  ownPostgres,
  ownTemporal,
  privateQueues,
  retryUntil,
  sleep,
  temporalClient,
  tempDir,
  Teardown,
  type DrillApi,
} from './crash-stack.js';
import type { AtsSyncWorkflow } from '../../domain/ats.js';
import type { PlacementWorkflow } from '../../domain/placement.js';
import type { FakeStripe } from '../../testkit/fakes/stripe.js';
import type { FakeResend } from '../../testkit/fakes/resend.js';
import type { FakeAts } from '../../testkit/fakes/ats/types.js';
import {
  createCandidate,
  createCollaborators,
  createMarketplace,
  type CollaboratorSpec,
  type Marketplace,
} from '../../testkit/harness/factories.js';
import { startFakeResend } from '../../testkit/fakes/resend.js';
import { startFakeStripe } from '../../testkit/fakes/stripe.js';

export interface Ctx {
  db: Db;
  temporal: Client;
  stripe: FakeStripe;
  resend: FakeResend;
  queues: TaskQueues;
  log: (line: string) => void;
  /** Client calls and API requests retried because something was down. */
  retries: { retries: number };
}

/**
 * What every crash drill starts with, all torn down by `teardown`: its own Postgres and
 * Temporal dev server (restartable), the workflow bundle, the Stripe and Resend fakes, a
 * pool, a client, private task queues, and the scenarios' context.
 */
export type CrashStack = Awaited<ReturnType<typeof openCrashStack>>;

/** What a crash drill's body gets: its own stack, a deadline, a log, the teardown and the findings to fill. */
export type CrashDrillEnv = CrashStack & { deadline: number; log: (line: string) => void; teardown: Teardown; f: Findings };

/**
 * A crash drill: opens its stack, runs `body` before the deadline (45 s kept for the checks'
 * margin), always tears everything down, and reports the findings.
 */
export function crashDrill(name: string, timeoutMs: number, body: (env: CrashDrillEnv) => Promise<void>): Drill {
  return {
    name,
    timeoutMs,
    async run() {
      const deadline = deadlineAfter(timeoutMs - 45_000);
      const log = drillLog(name);
      const teardown = new Teardown();
      const f = new Findings();
      try {
        await body({ ...(await openCrashStack(name, teardown, log)), deadline, log, teardown, f });
      } finally {
        await teardown.run(log);
      }
      return { checked: f.checked, lost: f.lost, failures: f.failures, details: f.details };
    },
  };
}

export async function openCrashStack(name: string, teardown: Teardown, log: (line: string) => void) {
  const dir = await tempDir(`drill-${name}`, teardown);
  const [pg, server, bundlePath, stripe, resend] = await Promise.all([
    ownPostgres(dir, teardown),
    ownTemporal(dir, teardown),
    buildWorkflowBundle(dir),
    startFakeStripe(),
    startFakeResend(),
  ]);
  teardown.add('fakes', () => Promise.all([stripe.close(), resend.close()]));
  log(`postgres :${pg.port}, temporal ${server.address} (${server.dbFile}), files in ${dir}`);
  const db = createDb(pg.databaseUrl, { max: 10 });
  teardown.add('db', () => ctx.db.destroy());
  const temporal = await temporalClient(server.address, teardown);
  const queues = privateQueues();
  const ctx: Ctx = { db, temporal, stripe, resend, queues, log, retries: { retries: 0 } };
  return { dir, pg, server, bundlePath, stripe, resend, db, temporal, queues, ctx };
}

/** What a check found: lines checked, what is missing or duplicated (`lost`), and why. */
export class Findings {
  checked: string[] = [];
  failures: string[] = [];
  lost = 0;
  details: Record<string, unknown> = {};
  check(what: string) {
    this.checked.push(what);
  }
  /** `n` things missing or written twice (counted in `lost`). */
  loss(n: number, message: string) {
    if (n <= 0) return;
    this.lost += n;
    this.failures.push(message);
  }
  fail(message: string) {
    this.failures.push(message);
  }
}

/** Runs a group of checks; one that throws is a failure, and the others still run. */
export async function guarded(f: Findings, what: string, checks: () => Promise<void>) {
  try {
    await checks();
  } catch (err) {
    f.fail(`${what} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

const FEE_CENTS = 2_500_000;
const SPLITS: Record<number, number[]> = {
  2: [6000, 4000],
  3: [5000, 3000, 2000],
  4: [4000, 3000, 2000, 1000],
  5: [3000, 2500, 2000, 1500, 1000],
};
const ROLES: CollaboratorSpec['role'][] = ['sourcer', 'submitter', 'closer', 'support', 'support'];
const TERMINAL_EXECUTION = ['succeeded', 'failed', 'skipped', 'rejected', 'expired'];
const list = (ids: string[], max = 8) => `${ids.slice(0, max).join(', ')}${ids.length > max ? ` … (+${ids.length - max})` : ''}`;

/** Runs `fn` over 0..n-1, `concurrency` at a time. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Marketplace-wide rules (the drill's database is private): each blocked payout and each accepted proposal gets a task and an e-mail. */
export async function installRules(db: Db) {
  const now = new Date();
  const actions = [
    { type: 'create_task', title: 'Drill follow-up', dueInDays: 2 },
    { type: 'send_email', template: 'follow_up', to: 'recruiter' },
  ];
  await db('automation_rules').insert(
    ['payout.blocked', 'proposal.accepted'].map((trigger) => ({
      id: randomUUID(),
      company_id: null,
      name: `Drill: ${trigger}`,
      trigger_event: trigger,
      conditions: null,
      actions: JSON.stringify(actions),
      requires_approval: false,
      enabled: true,
      created_at: now,
      updated_at: now,
    })),
  );
}

// ---------------------------------------------------------------- payouts

export interface PlannedPlacement {
  placementId: string;
  marketplace: Marketplace;
  collaborators: { recruiterId: string; role: CollaboratorSpec['role']; splitBps: number; disabled: boolean }[];
}

export interface PayoutPlan {
  placements: PlannedPlacement[];
  collaborators: number;
  platformAdmin: Actor;
  /** Placements the drill fails inside the guarantee and refunds (startRefunds): checked as failed, reversed and refunded. */
  refunded: Set<string>;
}

/**
 * `n` hired-to-be placements, each with its own company and `collaborators` recruiters with
 * working connected accounts, except every `blockEvery`-th placement, whose second
 * collaborator's account cannot take transfers (that split blocks and raises `payout.blocked`).
 */
/** How much work a crash drill puts through its fault: DRILL_* variables, else the drill's defaults. */
export interface WorkSizes {
  payouts: number;
  collaborators: number;
  blockEvery: number;
  proposals: number;
}

/** Installs the automation rules and seeds the payouts and proposals a crash drill runs through its fault. */
export async function seedWork(db: Db, stripe: FakeStripe, defaults: WorkSizes) {
  const sizes: WorkSizes = {
    payouts: envInt('DRILL_PAYOUTS', defaults.payouts),
    collaborators: envInt('DRILL_COLLABORATORS', defaults.collaborators),
    blockEvery: envInt('DRILL_BLOCK_EVERY', defaults.blockEvery),
    proposals: envInt('DRILL_PROPOSALS', defaults.proposals),
  };
  await installRules(db);
  const [plan, proposalPlan] = await Promise.all([
    seedPayouts(db, stripe, sizes.payouts, { collaborators: sizes.collaborators, blockEvery: sizes.blockEvery }),
    seedProposals(db, sizes.proposals),
  ]);
  return { sizes, plan, proposalPlan };
}

export async function seedPayouts(
  db: Db,
  stripe: FakeStripe,
  n: number,
  opts: { collaborators: number; blockEvery: number },
): Promise<PayoutPlan> {
  const bps = SPLITS[opts.collaborators];
  if (!bps) throw new Error(`collaborators must be 2 to 5, not ${opts.collaborators}`);
  const placements: PlannedPlacement[] = new Array(n);
  await pool(n, 8, async (i) => {
    const blocked = opts.blockEvery > 0 && i % opts.blockEvery === opts.blockEvery - 1;
    const specs: CollaboratorSpec[] = bps.map((splitBps, k) => ({
      role: ROLES[k]!,
      splitBps,
      account: blocked && k === 1 ? 'disabled' : 'enabled',
    }));
    const { marketplace, recruiters } = await createCollaborators(db, stripe, specs);
    placements[i] = {
      placementId: randomUUID(),
      marketplace,
      collaborators: recruiters.map((r) => ({
        recruiterId: r.recruiterId,
        role: r.spec.role,
        splitBps: r.spec.splitBps,
        disabled: r.spec.account === 'disabled',
      })),
    };
  });
  return {
    placements,
    collaborators: opts.collaborators,
    platformAdmin: placements[0]!.marketplace.actors.platformAdmin,
    refunded: new Set(),
  };
}

/** Starts each placement's workflow with today's start date: it records the hire, activates at once and pays the activation tranche. */
export async function startPlacements(ctx: Ctx, plan: PayoutPlan, deadline: number, concurrency = 20) {
  const today = new Date().toISOString().slice(0, 10);
  await pool(plan.placements.length, concurrency, async (i) => {
    const p = plan.placements[i]!;
    const m = p.marketplace;
    await retryUntil(
      `start placement ${p.placementId}`,
      async () => {
        try {
          await ctx.temporal.workflow.start<PlacementWorkflow>(WORKFLOW_TYPES.placement, {
            workflowId: workflowIds.placement(p.placementId),
            taskQueue: ctx.queues.placements,
            args: [
              {
                placementId: p.placementId,
                companyId: m.companyId,
                jobId: m.jobId,
                candidateId: m.candidateId,
                feeCents: FEE_CENTS,
                currency: 'USD',
                startDate: today,
                collaborators: p.collaborators.map(({ recruiterId, role, splitBps }) => ({ recruiterId, role, splitBps })),
                actor: m.actors.companyAdmin,
              },
            ],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        return true;
      },
      deadline,
      ctx.retries,
    );
  });
}

/**
 * A platform admin on call: each split Stripe refused (blocked) is pointed at a working
 * connected account through the payout workflow's `changeSplitAccount` update.
 */
export function startBlockedSplitResolver(ctx: Ctx, plan: PayoutPlan) {
  const placementIds = plan.placements.map((p) => p.placementId);
  const inFlight = new Set<string>();
  const stats = { resolved: 0, refused: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(500);
      let rows: { id: string; payout_id: string }[] = [];
      try {
        rows = await ctx
          .db('payout_splits')
          .join('payout_schedules', 'payout_schedules.id', 'payout_splits.payout_id')
          .whereIn('payout_schedules.placement_id', placementIds)
          .where('payout_splits.status', 'blocked')
          .select('payout_splits.id', 'payout_splits.payout_id');
      } catch {
        continue; // the database is down: try again
      }
      for (const row of rows) {
        if (inFlight.has(row.id)) continue;
        inFlight.add(row.id);
        void (async () => {
          try {
            const account = ctx.stripe.createAccount();
            await ctx.temporal.workflow.getHandle(workflowIds.payout(row.payout_id)).executeUpdate(changeSplitAccountUpdate, {
              args: [
                {
                  splitId: row.id,
                  actor: plan.platformAdmin,
                  stripeAccountId: account.id,
                  updateRecruiterAccount: false,
                  reason: 'drill: pay to a working account',
                },
              ],
            });
            stats.resolved++;
          } catch {
            stats.refused++; // not blocked in the workflow yet, or something is down: next round
            await sleep(1000);
          } finally {
            inFlight.delete(row.id);
          }
        })();
      }
    }
  })();
  return {
    stats,
    async stop() {
      stopped = true;
      await loop;
      while (inFlight.size) await sleep(100);
    },
  };
}

/** Transfers the fake Stripe made for the plan's placements. */
export function planTransfers(stripe: FakeStripe, plan: PayoutPlan) {
  const ids = new Set(plan.placements.map((p) => p.placementId));
  return stripe.transfers().filter((t) => t.transfer_group && ids.has(t.transfer_group));
}

/** Polls until every placement's activation payout is `paid` in Postgres (or the deadline). */
export async function waitPayoutsPaid(ctx: Ctx, plan: PayoutPlan, deadline: number): Promise<boolean> {
  const ids = plan.placements.map((p) => p.placementId);
  let last = -1;
  while (Date.now() < deadline) {
    try {
      const rows = await ctx.db('payout_schedules').whereIn('placement_id', ids).where({ status: 'paid' }).count<{ n: string }[]>('* as n');
      const n = Number(rows[0]?.n ?? 0);
      if (n !== last) {
        last = n;
        ctx.log(`payouts paid: ${last}/${ids.length}; transfers: ${planTransfers(ctx.stripe, plan).length}`);
      }
      if (last === ids.length) {
        // Paid in Postgres; the workflows close right after (completePayout is their last step).
        const payoutIds: string[] = (await ctx.db('payout_schedules').whereIn('placement_id', ids).select('id')).map(
          (r: { id: string }) => r.id,
        );
        const open = new Set(payoutIds);
        while (open.size && Date.now() < deadline) {
          for (const id of [...open]) {
            const { status } = await ctx.temporal.workflow
              .getHandle(workflowIds.payout(id))
              .describe()
              .catch(() => ({ status: { name: 'RUNNING' } }));
            if (status.name !== 'RUNNING') open.delete(id);
          }
          if (open.size) await sleep(500);
        }
        return open.size === 0;
      }
    } catch {
      // down: poll again
    }
    await sleep(1000);
  }
  return false;
}

/** The workflow's result if it completed, else its status (no long poll left behind). */
async function finished<T>(ctx: Ctx, workflowId: string): Promise<T | string> {
  const handle = ctx.temporal.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  return status.name === 'COMPLETED' ? ((await handle.result()) as T) : status.name.toLowerCase();
}

export async function checkPayouts(ctx: Ctx, plan: PayoutPlan, f: Findings) {
  const { db, stripe } = ctx;
  const placementIds = plan.placements.map((p) => p.placementId);
  const payouts: { id: string; placement_id: string; status: string; amount_cents: number; platform_fee_cents: number; tranche: string }[] =
    await db('payout_schedules').whereIn('placement_id', placementIds);
  const payoutIds = payouts.map((p) => p.id);
  const splits: {
    id: string;
    payout_id: string;
    collaborator_id: string;
    recruiter_id: string;
    amount_cents: number;
    stripe_account_id: string | null;
    status: string;
    stripe_transfer_id: string | null;
  }[] = payoutIds.length ? await db('payout_splits').whereIn('payout_id', payoutIds) : [];
  const audit: { payout_id: string; split_id: string | null; event: string }[] = payoutIds.length
    ? await db('payout_audit_log').whereIn('payout_id', payoutIds)
    : [];
  const states: { placement_id: string; new_state: string; transition_key: string }[] = await db('placement_states').whereIn(
    'placement_id',
    placementIds,
  );
  const escrows: { placement_id: string; status: string; amount_cents: number }[] = await db('escrow_holds').whereIn(
    'placement_id',
    placementIds,
  );
  const transfers = planTransfers(stripe, plan);

  // Payouts: one activation payout per placement, paid, its workflow completed with `paid`.
  f.check(`${plan.placements.length} placements → one activation payout each, status paid, payout workflow completed with "paid"`);
  const payoutOf = new Map<string, typeof payouts>();
  for (const p of payouts) payoutOf.set(p.placement_id, [...(payoutOf.get(p.placement_id) ?? []), p]);
  const noPayout = placementIds.filter((id) => !payoutOf.has(id));
  f.loss(noPayout.length, `${noPayout.length} placements have no payout: ${list(noPayout)}`);
  const extraPayouts = [...payoutOf.entries()].filter(([, ps]) => ps.length > 1);
  f.loss(
    extraPayouts.reduce((s, [, ps]) => s + ps.length - 1, 0),
    `placements with more than one payout: ${list(extraPayouts.map(([id]) => id))}`,
  );
  const unpaid = payouts.filter((p) => p.status !== 'paid');
  if (unpaid.length) f.fail(`${unpaid.length} payouts not paid: ${list(unpaid.map((p) => `${p.id} (${p.status})`))}`);
  const results = await Promise.all(
    payouts.map(async (p) => {
      try {
        const r = await finished<PayoutView>(ctx, workflowIds.payout(p.id));
        return typeof r === 'string' ? `${p.id}: ${r}` : r.status === 'paid' ? null : `${p.id}: ended ${r.status}`;
      } catch (err) {
        return `${p.id}: ${String(err)}`;
      }
    }),
  );
  const badResults = results.filter((r): r is string => r !== null);
  if (badResults.length) f.fail(`${badResults.length} payout workflows did not complete with "paid": ${list(badResults, 5)}`);

  // Splits vs. Stripe: exactly one transfer per split, the one the split records, for its cents.
  f.check(
    `${plan.placements.length * plan.collaborators} splits (${plan.collaborators} per payout) → exactly one fake-Stripe transfer each (by metadata.split_id), matching the split's transfer id, amount and destination; splits sum to the tranche`,
  );
  const splitsOf = new Map<string, typeof splits>();
  for (const s of splits) splitsOf.set(s.payout_id, [...(splitsOf.get(s.payout_id) ?? []), s]);
  const shortPayouts = payouts.filter((p) => (splitsOf.get(p.id)?.length ?? 0) !== plan.collaborators);
  f.loss(
    shortPayouts.reduce((s, p) => s + Math.abs(plan.collaborators - (splitsOf.get(p.id)?.length ?? 0)), 0),
    `payouts without exactly ${plan.collaborators} splits: ${list(shortPayouts.map((p) => p.id))}`,
  );
  for (const p of payouts) {
    // The splits share what the platform fee leaves (product §3.3): splits + platform fee = the tranche.
    const sum = (splitsOf.get(p.id) ?? []).reduce((s, x) => s + x.amount_cents, 0);
    const expected = tranches(FEE_CENTS, 2000).activationCents;
    if (sum + p.platform_fee_cents !== p.amount_cents || p.amount_cents !== expected)
      f.fail(`payout ${p.id}: splits sum to ${sum} + platform fee ${p.platform_fee_cents}, payout ${p.amount_cents}, expected ${expected}`);
  }
  const transfersOf = new Map<string, typeof transfers>();
  for (const t of transfers) transfersOf.set(t.metadata.split_id ?? '?', [...(transfersOf.get(t.metadata.split_id ?? '?') ?? []), t]);
  const splitIds = new Set(splits.map((s) => s.id));
  const missing = splits.filter((s) => !transfersOf.has(s.id));
  f.loss(
    missing.length,
    `${missing.length} splits without a Stripe transfer: ${list(missing.map((s) => `${s.id} (payout ${s.payout_id}, ${s.status})`))}`,
  );
  const doubled = splits.filter((s) => (transfersOf.get(s.id)?.length ?? 0) > 1);
  f.loss(
    doubled.reduce((n, s) => n + transfersOf.get(s.id)!.length - 1, 0),
    `${doubled.length} splits paid more than once: ${list(
      doubled.map(
        (s) =>
          `${s.id} (payout ${s.payout_id}): ${transfersOf
            .get(s.id)!
            .map((t) => `${t.id} key-attempt ${t.metadata.collaborator_id}`)
            .join(', ')}`,
      ),
      5,
    )}`,
  );
  const orphans = transfers.filter((t) => !splitIds.has(t.metadata.split_id ?? ''));
  f.loss(orphans.length, `${orphans.length} Stripe transfers for no split of ours: ${list(orphans.map((t) => t.id))}`);
  // A refunded placement's paid splits are reversed (status `reversed`, its transfer kept).
  const placementOfPayout = new Map(payouts.map((p) => [p.id, p.placement_id]));
  const refundedSplit = (s: (typeof splits)[number]) => plan.refunded.has(placementOfPayout.get(s.payout_id) ?? '');
  const unpaidSplits = splits.filter((s) => s.status !== (refundedSplit(s) ? 'reversed' : 'paid') || !s.stripe_transfer_id);
  if (unpaidSplits.length)
    f.fail(`${unpaidSplits.length} splits not paid in Postgres: ${list(unpaidSplits.map((s) => `${s.id} (${s.status})`))}`);
  const mismatched = splits.filter((s) => {
    const ts = transfersOf.get(s.id);
    return (
      ts?.length === 1 &&
      (ts[0]!.id !== s.stripe_transfer_id || ts[0]!.amount !== s.amount_cents || ts[0]!.destination !== s.stripe_account_id)
    );
  });
  if (mismatched.length)
    f.fail(
      `${mismatched.length} splits whose transfer differs from the row (id, amount or destination): ${list(mismatched.map((s) => s.id))}`,
    );

  // Payout history (payout_audit_log): created, one split_paid per split, paid; blocked splits: blocked + change_account.
  f.check(
    'payout_audit_log: payout_created and payout_paid once per payout, split_paid once per split, split_blocked + split_change_account for each blocked split, split_reversed once per split of a refunded placement',
  );
  const count = (pred: (a: (typeof audit)[number]) => boolean) => audit.filter(pred).length;
  let auditMissing = 0;
  const auditProblems: string[] = [];
  for (const p of payouts) {
    for (const event of ['payout_created', 'payout_paid']) {
      const n = count((a) => a.payout_id === p.id && a.event === event);
      if (n !== 1) {
        auditMissing += Math.abs(1 - n);
        auditProblems.push(`${p.id} ${event} ×${n}`);
      }
    }
  }
  const disabledRecruiters = new Set(plan.placements.flatMap((p) => p.collaborators.filter((c) => c.disabled).map((c) => c.recruiterId)));
  const blockedSplits = splits.filter((s) => disabledRecruiters.has(s.recruiter_id));
  for (const s of splits) {
    const n = count((a) => a.split_id === s.id && a.event === 'split_paid');
    if (n !== 1) {
      auditMissing += Math.abs(1 - n);
      auditProblems.push(`${s.id} split_paid ×${n}`);
    }
  }
  for (const s of splits.filter(refundedSplit)) {
    const n = count((a) => a.split_id === s.id && a.event === 'split_reversed');
    if (n !== 1) {
      auditMissing += Math.abs(1 - n);
      auditProblems.push(`${s.id} split_reversed ×${n}`);
    }
  }
  for (const s of blockedSplits) {
    for (const event of ['split_blocked', 'split_change_account']) {
      const n = count((a) => a.split_id === s.id && a.event === event);
      if (n !== 1) {
        auditMissing += Math.abs(1 - n);
        auditProblems.push(`${s.id} ${event} ×${n}`);
      }
    }
  }
  f.loss(auditMissing, `payout_audit_log rows missing or extra: ${list(auditProblems)}`);

  // Placement history and escrow.
  f.check(
    'placement_states: exactly hired + active per placement (transition keys <id>:hired, <id>:1:active), + one failure-reported, escrow-refunded and failed step each for a refunded one; escrow_holds: one holdback each, held (refunded for a refunded placement)',
  );
  const statesOf = new Map<string, string[]>();
  for (const s of states) statesOf.set(s.placement_id, [...(statesOf.get(s.placement_id) ?? []), s.transition_key]);
  let stateLoss = 0;
  const stateProblems: string[] = [];
  for (const id of placementIds) {
    const keys = statesOf.get(id) ?? [];
    const want = [`${id}:hired`, `${id}:1:active`];
    // A refunded placement's later steps are numbered by the workflow: one of each kind.
    const steps = plan.refunded.has(id) ? [':failure-reported', ':escrow-refunded', ':failed'] : [];
    const stepKeys = keys.filter((k) => !want.includes(k));
    const missingKeys = [...want.filter((k) => !keys.includes(k)), ...steps.filter((e) => !stepKeys.some((k) => k.endsWith(e)))];
    // Anything else, or a second step of a kind.
    const extra = stepKeys.filter((k, i) => {
      const kind = steps.find((e) => k.endsWith(e));
      return kind === undefined || stepKeys.findIndex((x) => x.endsWith(kind)) !== i;
    });
    if (missingKeys.length || extra.length) {
      stateLoss += missingKeys.length + extra.length;
      stateProblems.push(`${id}: missing ${missingKeys.join(' ') || '-'}, extra ${extra.join(' ') || '-'}`);
    }
  }
  f.loss(stateLoss, `placement_states rows missing or extra: ${list(stateProblems, 5)}`);
  const escrowOf = new Map(escrows.map((e) => [e.placement_id, e]));
  const badEscrow = placementIds.filter(
    (id) =>
      escrowOf.get(id)?.status !== (plan.refunded.has(id) ? 'refunded' : 'held') ||
      escrowOf.get(id)?.amount_cents !== tranches(FEE_CENTS, 2000).holdbackCents,
  );
  f.loss(
    badEscrow.filter((id) => !escrowOf.has(id)).length,
    `placements without an escrow hold: ${list(badEscrow.filter((id) => !escrowOf.has(id)))}`,
  );
  if (badEscrow.some((id) => escrowOf.has(id)))
    f.fail(`escrow holds not held (refunded) for the holdback: ${list(badEscrow.filter((id) => escrowOf.has(id)))}`);

  // Domain events of blocked splits and the automation they trigger.
  f.check(
    `domain_events: one payout.blocked per blocked split (${blockedSplits.length}), each with one succeeded automation execution, one recruiter task and one e-mail`,
  );
  type BlockedEvent = { id: string; type: string; entity_id: string; data: { recruiterId?: string } };
  const events: BlockedEvent[] = payoutIds.length
    ? await db<BlockedEvent>('domain_events').where({ type: 'payout.blocked' }).whereIn('entity_id', payoutIds)
    : [];
  const eventsPer = new Map<string, number>();
  for (const e of events)
    eventsPer.set(`${e.entity_id}:${e.data.recruiterId}`, (eventsPer.get(`${e.entity_id}:${e.data.recruiterId}`) ?? 0) + 1);
  const noEvent = blockedSplits.filter((s) => !eventsPer.has(`${s.payout_id}:${s.recruiter_id}`));
  f.loss(noEvent.length, `blocked splits without a payout.blocked event: ${list(noEvent.map((s) => s.id))}`);
  const extraEvents =
    [...eventsPer.values()].reduce((n, c) => n + c - 1, 0) +
    events.filter((e) => !blockedSplits.some((s) => s.payout_id === e.entity_id && s.recruiter_id === e.data.recruiterId)).length;
  f.loss(extraEvents, `${extraEvents} payout.blocked events more than blocked splits`);
  await checkExecutions(
    ctx,
    events.map((e) => e.id),
    f,
    'payout.blocked',
  );
  f.details.payouts = {
    placements: plan.placements.length,
    payouts: payouts.length,
    paid: payouts.length - unpaid.length,
    splits: splits.length,
    transfers: transfers.length,
    blockedSplits: blockedSplits.length,
  };
}

/** One succeeded execution per event (one rule per trigger), one task and one e-mail per execution. */
async function checkExecutions(ctx: Ctx, eventIds: string[], f: Findings, what: string) {
  if (eventIds.length === 0) return;
  const executions: { id: string; event_id: string; status: string; error: string | null }[] = await ctx
    .db('automation_executions')
    .whereIn('event_id', eventIds);
  const perEvent = new Map<string, number>();
  for (const e of executions) perEvent.set(e.event_id, (perEvent.get(e.event_id) ?? 0) + 1);
  const without = eventIds.filter((id) => !perEvent.has(id));
  f.loss(without.length, `${what} events without an automation execution: ${list(without)}`);
  f.loss(
    [...perEvent.values()].reduce((n, c) => n + c - 1, 0),
    `${what} events with more than one execution of the rule`,
  );
  const notDone = executions.filter((e) => e.status !== 'succeeded');
  if (notDone.length)
    f.fail(
      `${notDone.length} ${what} executions not succeeded: ${list(
        notDone.map((e) => `${e.id} (${e.status}${e.error ? `: ${e.error}` : ''})`),
        4,
      )}`,
    );
  const execIds = executions.map((e) => e.id);
  // whereIn on execution_id: every row has one.
  const tasks: { execution_id: string; task_key: string }[] = await ctx
    .db<{ execution_id: string; task_key: string }>('recruiter_tasks')
    .whereIn('execution_id', execIds);
  const taskPer = new Map<string, number>();
  for (const t of tasks) taskPer.set(t.execution_id, (taskPer.get(t.execution_id) ?? 0) + 1);
  f.loss(
    execIds.filter((id) => !taskPer.has(id)).length,
    `${what} executions without their recruiter task: ${list(execIds.filter((id) => !taskPer.has(id)))}`,
  );
  f.loss(
    [...taskPer.values()].reduce((n, c) => n + c - 1, 0),
    `${what} executions with more than one task`,
  );
  const keys = execIds.map((id) => `automation-${id}:1`);
  const logged = new Set(
    (await ctx.db('email_log').whereIn('idempotency_key', keys).select('idempotency_key')).map(
      (r: { idempotency_key: string }) => r.idempotency_key,
    ),
  );
  const unlogged = keys.filter((k) => !logged.has(k));
  f.loss(unlogged.length, `${what} automation e-mails missing from email_log: ${list(unlogged)}`);
}

// ---------------------------------------------------------------- proposals

export interface ProposalPlan {
  m: Marketplace;
  candidates: string[];
}

export interface ProposalOutcome {
  proposalId: string;
  candidateId: string;
  decision: 'accepted' | 'declined';
}

export async function seedProposals(db: Db, n: number): Promise<ProposalPlan> {
  const m = await createMarketplace(db);
  const candidates: string[] = [];
  for (let i = 0; i < n; i++) candidates.push(await createCandidate(db));
  return { m, candidates };
}

/**
 * Through the API, as the web app would: the recruiter proposes each candidate (with an
 * Idempotency-Key, so a request retried after a lost answer attaches to the same proposal),
 * the company admin accepts two in three and declines the rest. Requests that fail because
 * something is down are retried until the deadline.
 */
export async function runProposals(
  ctx: Ctx,
  api: DrillApi,
  plan: ProposalPlan,
  deadline: number,
  concurrency = 8,
): Promise<ProposalOutcome[]> {
  const { m } = plan;
  const outcomes: ProposalOutcome[] = new Array(plan.candidates.length);
  await pool(plan.candidates.length, concurrency, async (i) => {
    const candidateId = plan.candidates[i]!;
    const created = await retryUntil(
      `propose ${candidateId}`,
      async () => {
        const res = await api.call<{ id: string }>('POST', '/proposals', {
          actor: m.actors.recruiter,
          body: { candidateId, jobId: m.jobId, pitch: 'drill' },
          headers: { 'idempotency-key': `drill-${candidateId}` },
        });
        if (res.status === 201 || res.status === 200) return res.body.id;
        if (res.status >= 400 && res.status < 500 && res.status !== 409 && res.status !== 429)
          throw new Error(`POST /proposals: ${res.status} ${JSON.stringify(res.body)}`);
        return undefined;
      },
      deadline,
      ctx.retries,
    );
    const decision = i % 3 === 2 ? 'declined' : 'accepted';
    const command = decision === 'accepted' ? 'accept' : 'decline';
    await retryUntil(
      `${command} ${created}`,
      async () => {
        const res = await api.call('POST', `/proposals/${created}/${command}`, {
          actor: m.actors.companyAdmin,
          body: decision === 'declined' ? { reason: 'drill: not a fit' } : {},
        });
        if (res.status === 200) return true;
        if (res.status === 409) {
          // An earlier attempt may have applied it before its answer was lost.
          const now = await api.call<{ state: string }>('GET', `/proposals/${created}`, { actor: m.actors.companyAdmin });
          if (now.status === 200 && now.body.state === decision) return true;
        }
        return undefined;
      },
      deadline,
      ctx.retries,
    );
    outcomes[i] = { proposalId: created, candidateId, decision };
  });
  return outcomes;
}

/** Waits for every proposal workflow to finish and every automation execution of the drill to end. */
export async function waitProposalsDone(ctx: Ctx, outcomes: ProposalOutcome[], deadline: number) {
  const pending = new Set(outcomes.map((o) => o.proposalId));
  await retryUntil(
    'proposal workflows',
    async () => {
      for (const id of [...pending]) {
        const { status } = await ctx.temporal.workflow.getHandle(workflowIds.proposal(id)).describe();
        if (status.name !== 'RUNNING') pending.delete(id);
      }
      return pending.size === 0 ? true : undefined;
    },
    deadline,
  ).catch(async (err: unknown) => {
    ctx.log(String(err));
    // Say why: the activity each one still waits on (attempt, last failure, next retry).
    for (const id of pending) {
      const d = await ctx.temporal.workflow
        .getHandle(workflowIds.proposal(id))
        .describe()
        .catch(() => undefined);
      const raw = d?.raw.pendingActivities ?? [];
      ctx.log(
        `proposal ${id} still running; pending: ${raw.map((a) => `${a.activityType?.name} attempt ${a.attempt} (${a.lastFailure?.message ?? 'no failure'}; next ${a.nextAttemptScheduleTime?.seconds ?? '-'})`).join('; ') || 'none'}`,
      );
    }
  });
}

export async function waitExecutionsDone(ctx: Ctx, deadline: number) {
  await retryUntil(
    'automation executions',
    async () => {
      const open = await ctx.db('automation_executions').whereNotIn('status', TERMINAL_EXECUTION).count<{ n: string }[]>('* as n');
      return Number(open[0]!.n) === 0 ? true : undefined;
    },
    deadline,
  ).catch((err: unknown) => ctx.log(String(err)));
}

export async function checkProposals(ctx: Ctx, plan: ProposalPlan, outcomes: ProposalOutcome[], f: Findings) {
  const { db } = ctx;
  const ids = outcomes.map((o) => o.proposalId);
  const accepted = outcomes.filter((o) => o.decision === 'accepted');
  f.check(
    `${outcomes.length} proposals via the API (${accepted.length} accepted, ${outcomes.length - accepted.length} declined): one row each in its final state, history exactly proposed + decision, workflow completed in that state`,
  );
  const rows: { id: string; state: string; candidate_id: string }[] = await db('candidate_role_assignments').whereIn('id', ids);
  const allForJob: { id: string }[] = await db('candidate_role_assignments').where({ job_id: plan.m.jobId });
  f.loss(ids.length - rows.length, `${ids.length - rows.length} proposals have no row`);
  f.loss(
    allForJob.length - ids.length,
    `${allForJob.length - ids.length} extra proposal rows for the drill's job (a retried create made a second proposal): ${list(allForJob.filter((r) => !ids.includes(r.id)).map((r) => r.id))}`,
  );
  const rowOf = new Map(rows.map((r) => [r.id, r]));
  const wrong = outcomes.filter((o) => rowOf.get(o.proposalId) && rowOf.get(o.proposalId)!.state !== o.decision);
  if (wrong.length)
    f.fail(
      `${wrong.length} proposals not in their decided state: ${list(wrong.map((o) => `${o.proposalId} ${rowOf.get(o.proposalId)!.state}≠${o.decision}`))}`,
    );
  const history: { assignment_id: string; new_state: string }[] = await db('candidate_role_assignment_history').whereIn(
    'assignment_id',
    ids,
  );
  let historyLoss = 0;
  const historyProblems: string[] = [];
  for (const o of outcomes) {
    const states = history
      .filter((h) => h.assignment_id === o.proposalId)
      .map((h) => h.new_state)
      .sort();
    const want = ['proposed', o.decision].sort();
    if (states.join() !== want.join()) {
      historyLoss += Math.abs(states.length - want.length) || 1;
      historyProblems.push(`${o.proposalId}: ${states.join('+') || 'none'}`);
    }
  }
  f.loss(historyLoss, `proposal history rows missing or extra: ${list(historyProblems)}`);
  const results = await Promise.all(
    outcomes.map(async (o) => {
      try {
        const r = await finished<ProposalView>(ctx, workflowIds.proposal(o.proposalId));
        return typeof r === 'string' ? `${o.proposalId}: ${r}` : r.state === o.decision ? null : `${o.proposalId}: ended ${r.state}`;
      } catch (err) {
        return `${o.proposalId}: ${String(err)}`;
      }
    }),
  );
  const bad = results.filter((r): r is string => r !== null);
  if (bad.length) f.fail(`${bad.length} proposal workflows did not complete in their decided state: ${list(bad, 4)}`);

  f.check('applications: exactly one per accepted proposal (source_proposal_id), none for declined ones');
  // whereIn on source_proposal_id: every row has one.
  const apps: { source_proposal_id: string }[] = await db<{ source_proposal_id: string }>('applications').whereIn(
    'source_proposal_id',
    ids,
  );
  const appsPer = new Map<string, number>();
  for (const a of apps) appsPer.set(a.source_proposal_id, (appsPer.get(a.source_proposal_id) ?? 0) + 1);
  const noApp = accepted.filter((o) => !appsPer.has(o.proposalId));
  f.loss(noApp.length, `accepted proposals without an application: ${list(noApp.map((o) => o.proposalId))}`);
  const declinedWithApp = outcomes.filter((o) => o.decision === 'declined' && appsPer.has(o.proposalId));
  f.loss(declinedWithApp.length, `declined proposals with an application: ${list(declinedWithApp.map((o) => o.proposalId))}`);
  const jobApps: { id: string }[] = await db('applications').where({ job_id: plan.m.jobId });
  f.loss(jobApps.length - apps.length, `${jobApps.length - apps.length} applications for the drill's job that no proposal created`);

  f.check('e-mails: proposal-<id>-created and proposal-<id>-<decision> once each in email_log');
  const keys = outcomes.flatMap((o) => [`proposal-${o.proposalId}-created`, `proposal-${o.proposalId}-${o.decision}`]);
  const logged = new Set(
    (await db('email_log').whereIn('idempotency_key', keys).select('idempotency_key')).map(
      (r: { idempotency_key: string }) => r.idempotency_key,
    ),
  );
  const unsent = keys.filter((k) => !logged.has(k));
  f.loss(unsent.length, `proposal e-mails never sent: ${list(unsent)}`);

  f.check(
    'domain_events: one proposal.accepted / proposal.declined per decision; each accepted one → one succeeded automation execution, task and e-mail',
  );
  const events: { id: string; entity_id: string; type: string }[] = await db('domain_events').whereIn('entity_id', ids);
  const missingEvents = outcomes.filter(
    (o) => events.filter((e) => e.entity_id === o.proposalId && e.type === `proposal.${o.decision}`).length !== 1,
  );
  f.loss(missingEvents.length, `proposals without exactly one decision event: ${list(missingEvents.map((o) => o.proposalId))}`);
  f.loss(
    events.length - outcomes.length + missingEvents.length > 0 ? events.length - outcomes.length : 0,
    `${events.length - outcomes.length} proposal events more than decisions`,
  );
  await checkExecutions(
    ctx,
    events.filter((e) => e.type === 'proposal.accepted').map((e) => e.id),
    f,
    'proposal.accepted',
  );
  f.details.proposals = { proposals: outcomes.length, accepted: accepted.length, rows: rows.length, applications: apps.length };
}

/** Every e-mail the fake Resend received has a key, no key twice, and email_log and Resend agree. */
export async function checkEmails(ctx: Ctx, f: Findings) {
  f.check('fake Resend vs. email_log: every e-mail sent once per idempotency key, each logged, each logged one received');
  const sent = ctx.resend.emails();
  const perKey = new Map<string, number>();
  for (const e of sent) perKey.set(e.idempotencyKey ?? '(none)', (perKey.get(e.idempotencyKey ?? '(none)') ?? 0) + 1);
  const twice = [...perKey.entries()].filter(([, n]) => n > 1);
  f.loss(
    twice.reduce((s, [, n]) => s + n - 1, 0),
    `e-mails sent more than once: ${list(twice.map(([k, n]) => `${k} ×${n}`))}`,
  );
  if (perKey.has('(none)')) f.fail(`${perKey.get('(none)')} e-mails sent without an idempotency key`);
  const log: { idempotency_key: string }[] = await ctx.db('email_log').select('idempotency_key');
  const logged = new Set(log.map((r) => r.idempotency_key));
  const unlogged = [...perKey.keys()].filter((k) => k !== '(none)' && !logged.has(k));
  if (unlogged.length)
    f.fail(`${unlogged.length} e-mails Resend received but email_log lacks (a retry would rely on Resend's 24 h key): ${list(unlogged)}`);
  const notReceived = [...logged].filter((k) => !perKey.has(k));
  f.loss(notReceived.length, `email_log rows with no e-mail at Resend: ${list(notReceived)}`);
  f.details.emails = { sent: sent.length, logged: logged.size };
}

// ---------------------------------------------------------------- ATS sync

export interface AtsRun {
  integrationId: string;
  m: Marketplace;
  expected: { jobs: number; candidates: number; applications: number };
  before: { jobs: number; candidates: number; applications: number };
}

const counts = async (db: Db) => {
  const one = async <T extends object, R>(q: Knex.QueryBuilder<T, R>) => Number((await q.count<{ n: string }[]>('* as n'))[0]!.n);
  return {
    jobs: await one(db('jobs')),
    candidates: await one(db('candidates')),
    // Only the sync's own: accepted proposals and placements (a hire without an application) create others.
    applications: await one(db('applications').whereNotNull('source_integration_id')),
  };
};

/**
 * Connects a seeded Greenhouse fake to a company and lets its sync workflow run the first
 * (full) sync; the interval is a day, so one run is all the drill waits for. Call after every
 * other seeding: the check compares row counts from here on.
 */
export async function startAtsSync(
  ctx: Ctx,
  fake: FakeAts,
  sizes: { jobs: number; candidates: number; applicationsPerCandidate: number },
  deadline: number,
): Promise<AtsRun> {
  fake.seedBulk({ ...sizes, ageMs: 3_600_000 });
  const m = await createMarketplace(ctx.db);
  const before = await counts(ctx.db);
  const keyRing = parseKeyRing(DRILL_ATS_KEYS);
  const integrationId = randomUUID();
  const credentials = seal(keyRing, JSON.stringify(fake.config.credentials), integrationId);
  const config = { entities: { jobs: true, candidates: true, applications: true }, intervalMinutes: 1440, pushApplications: false };
  await retryUntil(
    'start the ATS sync',
    async () => {
      try {
        await ctx.temporal.workflow.start<AtsSyncWorkflow>(WORKFLOW_TYPES.atsSync, {
          workflowId: workflowIds.atsSync(integrationId),
          taskQueue: ctx.queues.atsSync,
          args: [
            {
              integrationId,
              companyId: m.companyId,
              platform: 'greenhouse',
              config,
              record: {
                id: integrationId,
                companyId: m.companyId,
                platform: 'greenhouse',
                name: 'drill',
                credentialsSealed: credentials.sealed,
                credentialsKeyId: credentials.keyId,
                webhookSecretSealed: seal(keyRing, fake.webhookSecret, `${integrationId}:webhook`).sealed,
                baseUrl: fake.config.baseUrl ?? null,
                authUrl: fake.config.authUrl ?? null,
                ...config,
                workflowId: workflowIds.atsSync(integrationId),
                createdByUserId: m.actors.companyAdmin.userId,
                at: new Date().toISOString(),
              },
            },
          ],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      await ctx.temporal.workflow.getHandle(workflowIds.atsSync(integrationId)).executeUpdate(integrationRecordedUpdate);
      return true;
    },
    deadline,
    ctx.retries,
  );
  const expected = { jobs: sizes.jobs, candidates: sizes.candidates, applications: sizes.candidates * sizes.applicationsPerCandidate };
  return { integrationId, m, expected, before };
}

/** Rows the sync has stored so far (for the drill to time its crash inside the run). */
export async function atsProgress(ctx: Ctx, run: AtsRun): Promise<number> {
  const rows = await ctx.db('external_entity_map').where({ integration_id: run.integrationId }).count<{ n: string }[]>('* as n');
  return Number(rows[0]!.n);
}

export async function waitAtsSynced(ctx: Ctx, run: AtsRun, deadline: number): Promise<SyncStatus | undefined> {
  return retryUntil(
    'ATS first sync',
    async () => {
      const s = await ctx.temporal.workflow.getHandle(workflowIds.atsSync(run.integrationId)).query(syncStatusQuery);
      return s.runs >= 1 && !s.syncing ? s : undefined;
    },
    deadline,
  ).catch((err: unknown) => {
    ctx.log(String(err));
    return undefined;
  });
}

export async function checkAts(ctx: Ctx, run: AtsRun, status: SyncStatus | undefined, f: Findings) {
  const { db } = ctx;
  f.check(
    `ATS sync (Greenhouse fake, ${run.expected.jobs} jobs / ${run.expected.candidates} candidates / ${run.expected.applications} applications): first run finished, each entity's checkpoint advanced and its run closed`,
  );
  if (!status) f.fail('the ATS sync workflow did not finish its first run');
  else if (status.lastError) f.details.atsLastError = status.lastError;
  const checkpoints: { entity: string; checkpoint: string | null; run_id: string | null; cursor: string | null; pages_done: number }[] =
    await db('sync_checkpoints').where({ integration_id: run.integrationId });
  for (const entity of ['jobs', 'candidates', 'applications']) {
    const c = checkpoints.find((x) => x.entity === entity);
    if (!c?.checkpoint) f.fail(`sync checkpoint of ${entity} did not advance (${JSON.stringify(c ?? null)})`);
    else if (c.run_id) f.fail(`sync of ${entity} still has an open run ${c.run_id} (cursor ${c.cursor})`);
  }
  f.check(
    'every ATS record mapped exactly once (external_entity_map), and the sync created exactly as many jobs / candidates / applications rows as it mapped (no orphan rows from a retried page)',
  );
  const mapped: { entity_type: string; n: string }[] = await db('external_entity_map')
    .where({ integration_id: run.integrationId })
    .whereNull('deleted_at')
    .groupBy('entity_type')
    .select('entity_type')
    .count('* as n');
  const mappedOf = (t: string) => Number(mapped.find((r) => r.entity_type === t || r.entity_type === t.replace(/s$/, ''))?.n ?? 0);
  const after = await counts(db);
  for (const entity of ['jobs', 'candidates', 'applications'] as const) {
    const m = mappedOf(entity);
    f.loss(Math.abs(run.expected[entity] - m), `${entity}: ${m} mapped of ${run.expected[entity]} in the ATS`);
    const created = after[entity] - run.before[entity];
    f.loss(Math.abs(created - m), `${entity}: ${created} rows created for ${m} mapped records (${created > m ? 'duplicates' : 'lost'})`);
  }
  f.details.ats = {
    mapped: Object.fromEntries(mapped.map((r) => [r.entity_type, Number(r.n)])),
    expected: run.expected,
    runs: status?.runs,
    lastError: status?.lastError ?? null,
  };
}

// ---------------------------------------------------------------- money in

/** The types the API hands to a placement's workflow (api/routes/stripe-webhooks.ts): each is recorded once per event id. */
export const FEE_EVENT_TYPES = [
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'credit_note.created',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
] as const;

/** The invoice or charge a fee event is about: the object itself, a credit note's invoice, a dispute's charge. */
export function feeObjectOf(event: { data: { object: unknown } }): string | undefined {
  const o = event.data.object as { id?: string; object?: string; invoice?: string | null; charge?: string | null };
  if (o.object === 'credit_note') return o.invoice ?? undefined;
  if (o.object === 'dispute') return o.charge ?? undefined;
  return o.id;
}

/**
 * The company pays (`succeed`) or has its card declined (`fail`) on the fee invoice's hosted page,
 * the fake's `POST /_fake/invoices/:id/pay` (docs/stripe-fake.md): Stripe then sends its signed
 * `invoice.paid` (or `invoice.payment_failed`) to the webhook endpoint. Answers the invoice's
 * status afterwards: `paid`; `open` after a decline; `draft` while the activity has not finalized it.
 */
export async function payInvoice(stripe: FakeStripe, invoiceId: string, outcome: 'succeed' | 'fail'): Promise<string> {
  const res = await fetch(`${stripe.url}/_fake/invoices/${invoiceId}/pay`, {
    method: 'POST',
    body: new URLSearchParams({ outcome }),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  if (res.status === 200) return 'paid';
  // A decline (402) or an invoice that is not open (400): what it is now.
  return (await stripe.client().invoices.retrieve(invoiceId)).status ?? 'unknown';
}

/**
 * The seeded companies, paying like real ones: once a placement's fee invoice exists
 * (placement_payments.stripe_invoice_id) and is open, its company pays it through the fake's
 * control endpoint, so Stripe's signed webhook goes to the drill's API, which signals the placement
 * workflow: the real path. Every `declineEvery`-th company's card is declined first
 * (`invoice.payment_failed`), then it pays.
 *
 * It also plays Stripe's delivery retries, which the fake does not model: an event none of whose
 * deliveries was answered 2xx (the API, Postgres or Temporal was down) is sent again with backoff,
 * as Stripe retries a failed delivery for up to three days (https://docs.stripe.com/webhooks#retries).
 */
export function startInvoicePayer(ctx: Ctx, plan: PayoutPlan, opts: { declineEvery: number }) {
  const unpaid = new Map(plan.placements.map((p, i) => [p.placementId, { decline: opts.declineEvery > 0 && i % opts.declineEvery === 0 }]));
  const stats = { paid: 0, declined: 0, redelivered: 0 };
  /** Per event: deliveries counted when it was last sent again, and when it may be sent again. */
  const retries = new Map<string, { sent: number; tries: number; nextAt: number }>();
  let stopped = false;
  let lastRetryScan = 0;

  function retryFailedDeliveries() {
    const byEvent = new Map<string, { ok: boolean; n: number }>();
    for (const d of ctx.stripe.deliveries()) {
      const e = byEvent.get(d.eventId) ?? { ok: false, n: 0 };
      e.n++;
      e.ok ||= typeof d.status === 'number' && d.status >= 200 && d.status < 300;
      byEvent.set(d.eventId, e);
    }
    for (const [eventId, e] of byEvent) {
      if (e.ok) continue;
      const r = retries.get(eventId) ?? { sent: 0, tries: 0, nextAt: 0 };
      // The previous retry is not answered yet, or its backoff has not passed.
      if (e.n < r.sent || Date.now() < r.nextAt) continue;
      ctx.stripe.redeliver(eventId);
      stats.redelivered++;
      retries.set(eventId, { sent: e.n + 1, tries: r.tries + 1, nextAt: Date.now() + Math.min(8000, 500 * 2 ** r.tries) });
    }
  }

  const loop = (async () => {
    while (!stopped) {
      await sleep(300);
      if (unpaid.size) {
        let rows: { placement_id: string; stripe_invoice_id: string }[] = [];
        try {
          rows = await ctx
            .db('placement_payments')
            .whereIn('placement_id', [...unpaid.keys()])
            .whereNotNull('stripe_invoice_id')
            .select('placement_id', 'stripe_invoice_id');
        } catch {
          // the database is down: next round
        }
        await pool(rows.length, 8, async (i) => {
          const { placement_id: placementId, stripe_invoice_id: invoiceId } = rows[i]!;
          const company = unpaid.get(placementId)!;
          try {
            const status = await payInvoice(ctx.stripe, invoiceId, company.decline ? 'fail' : 'succeed');
            if (status === 'paid') {
              unpaid.delete(placementId);
              stats.paid++;
            } else if (company.decline && status === 'open') {
              company.decline = false;
              stats.declined++;
            }
          } catch {
            // the fake did not answer in time: next round
          }
        });
      }
      if (Date.now() - lastRetryScan > 2000) {
        lastRetryScan = Date.now();
        retryFailedDeliveries();
      }
    }
  })();
  return {
    stats,
    /** Placements whose invoice has not been paid yet. */
    get unpaid() {
      return unpaid.size;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * The refund leg: `n` placements (none with a blocked split) fail inside the guarantee once their
 * activation payout is paid. Their company admin reports the failure and chooses the refund
 * (workflow updates, retried across whatever is down; a retry first reads where the placement
 * is, so a command whose answer was lost is not sent twice): paid splits are reversed, the escrow
 * refunded, and the company refunded by its refund policy (a credit note refunding the charge).
 * Marks them in `plan.refunded`; resolves once every refund was chosen.
 */
export async function startRefunds(ctx: Ctx, plan: PayoutPlan, n: number, deadline: number) {
  const eligible = plan.placements.filter((p) => !p.collaborators.some((c) => c.disabled));
  // The first ones started: paid out early, so their refunds land while the rest still runs.
  const chosen = eligible.slice(0, n);
  for (const p of chosen) plan.refunded.add(p.placementId);
  await Promise.all(
    chosen.map((p) =>
      retryUntil(
        `refund ${p.placementId}`,
        async () => {
          const paid = await ctx.db('payout_schedules').where({ placement_id: p.placementId, status: 'paid' }).first('id');
          if (!paid) return undefined;
          const handle = ctx.temporal.workflow.getHandle(workflowIds.placement(p.placementId));
          const actor = p.marketplace.actors.companyAdmin;
          const view = await handle.query(placementStateQuery);
          if (view.state === 'failed') return true;
          if (!view.failurePending) await handle.executeUpdate(reportFailureUpdate, { args: [{ actor, reason: 'drill: the hire left' }] });
          await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor }] });
          return true;
        },
        deadline,
      ),
    ),
  );
}

/** Waits until each refunded placement's company has its money back (placement_payments refund_state `refunded`). */
export async function waitRefundsDone(ctx: Ctx, plan: PayoutPlan, deadline: number) {
  const ids = [...plan.refunded];
  if (ids.length === 0) return;
  await retryUntil(
    'refunds',
    async () => {
      const rows = await ctx
        .db('placement_payments')
        .whereIn('placement_id', ids)
        .where({ refund_state: 'refunded' })
        .count<{ n: string }[]>('* as n');
      return Number(rows[0]!.n) === ids.length ? true : undefined;
    },
    deadline,
  ).catch((err: unknown) => ctx.log(String(err)));
}

/** The charge that paid `invoice` (InvoicePayment → PaymentIntent → latest_charge), with what is left of it. */
async function chargeOf(sdk: Stripe, invoice: Stripe.Invoice): Promise<Stripe.Charge | undefined> {
  const payment = invoice.payments?.data.find((ip) => ip.status === 'paid');
  const intent = payment?.payment.payment_intent;
  if (!intent) return undefined;
  const pi = await sdk.paymentIntents.retrieve(typeof intent === 'string' ? intent : intent.id);
  const charge = pi.latest_charge;
  return charge ? sdk.charges.retrieve(typeof charge === 'string' ? charge : charge.id) : undefined;
}

/**
 * Money in, per placement: exactly one Stripe fee invoice (by metadata.placement_id) and it is
 * paid; the placement_payments projection says paid with that invoice and its charge; every
 * transfer names that charge as `source_transaction` and they never take more than it holds;
 * `payment_changes` has invoice_created and paid once each (a decline at most once); every fee
 * event Stripe sent about the plan's invoices is recorded once in stripe_webhook_events.
 */
export async function checkPayments(ctx: Ctx, plan: PayoutPlan, f: Findings) {
  const { db, stripe } = ctx;
  const sdk = stripe.client({ maxNetworkRetries: 2 });
  const ids = plan.placements.map((p) => p.placementId);
  const idSet = new Set(ids);

  f.check(`${ids.length} placements → exactly one Stripe fee invoice each (fake Stripe, by metadata.placement_id), paid`);
  const invoicesOf = new Map<string, Stripe.Invoice[]>();
  for await (const inv of sdk.invoices.list({ limit: 100 })) {
    const placementId = inv.metadata?.placement_id;
    if (placementId && idSet.has(placementId)) invoicesOf.set(placementId, [...(invoicesOf.get(placementId) ?? []), inv]);
  }
  const noInvoice = ids.filter((id) => !invoicesOf.has(id));
  f.loss(noInvoice.length, `${noInvoice.length} placements without a Stripe invoice: ${list(noInvoice)}`);
  const twice = [...invoicesOf.entries()].filter(([, invs]) => invs.length > 1);
  f.loss(
    twice.reduce((n, [, invs]) => n + invs.length - 1, 0),
    `placements invoiced more than once: ${list(twice.map(([id, invs]) => `${id}: ${invs.map((i) => `${i.id} (${i.status})`).join(', ')}`))}`,
  );
  const unpaidInvoices = [...invoicesOf.values()].flat().filter((i) => i.status !== 'paid');
  if (unpaidInvoices.length)
    f.fail(`${unpaidInvoices.length} fee invoices not paid at Stripe: ${list(unpaidInvoices.map((i) => `${i.id} ${i.status}`))}`);

  const charges = new Map<string, Stripe.Charge>();
  const single = [...invoicesOf.entries()].filter(([, invs]) => invs.length === 1);
  await pool(single.length, 10, async (i) => {
    const [placementId, [invoice]] = single[i]! as [string, [Stripe.Invoice]];
    const charge = await chargeOf(sdk, invoice);
    if (charge) charges.set(placementId, charge);
  });

  f.check('placement_payments: one row per placement, paid, naming its invoice and the charge that paid it, the whole fee paid');
  const rows: {
    placement_id: string;
    state: string;
    stripe_invoice_id: string | null;
    stripe_charge_id: string | null;
    amount_paid_cents: string | number;
  }[] = await db('placement_payments').whereIn('placement_id', ids);
  const rowOf = new Map(rows.map((r) => [r.placement_id, r]));
  const noRow = ids.filter((id) => !rowOf.has(id));
  f.loss(noRow.length, `${noRow.length} placements without a placement_payments row: ${list(noRow)}`);
  const wrong: string[] = [];
  for (const r of rows) {
    const invoice = invoicesOf.get(r.placement_id)?.[0];
    const charge = charges.get(r.placement_id);
    if (r.state !== 'paid') wrong.push(`${r.placement_id}: state ${r.state}`);
    else if (r.stripe_invoice_id !== invoice?.id) wrong.push(`${r.placement_id}: invoice ${r.stripe_invoice_id} ≠ Stripe's ${invoice?.id}`);
    else if (r.stripe_charge_id !== (charge?.id ?? null))
      wrong.push(`${r.placement_id}: charge ${r.stripe_charge_id} ≠ Stripe's ${charge?.id}`);
    else if (Number(r.amount_paid_cents) !== FEE_CENTS) wrong.push(`${r.placement_id}: amount paid ${r.amount_paid_cents} ≠ ${FEE_CENTS}`);
  }
  if (wrong.length) f.fail(`${wrong.length} placement_payments rows differ from Stripe: ${list(wrong, 5)}`);

  f.check(
    "transfers: each names its placement's paying charge as source_transaction; a charge's transfers (net of reversals) never exceed what is left of it",
  );
  const transfers = planTransfers(stripe, plan);
  const badSource = transfers.filter((t) => {
    const source = typeof t.source_transaction === 'string' ? t.source_transaction : (t.source_transaction?.id ?? null);
    return source === null || source !== charges.get(t.transfer_group!)?.id;
  });
  if (badSource.length)
    f.fail(
      `${badSource.length} transfers not funded by their placement's charge: ${list(badSource.map((t) => `${t.id} (${t.transfer_group}): source ${String(t.source_transaction)}`))}`,
    );
  const drawn = new Map<string, number>();
  for (const t of transfers) drawn.set(t.transfer_group!, (drawn.get(t.transfer_group!) ?? 0) + t.amount - t.amount_reversed);
  const overdrawn = [...drawn.entries()].filter(([placementId, sum]) => {
    const charge = charges.get(placementId);
    return charge !== undefined && sum > charge.amount - charge.amount_refunded;
  });
  if (overdrawn.length)
    f.fail(
      `${overdrawn.length} charges paid out beyond what they hold: ${list(overdrawn.map(([id, sum]) => `${id}: ${sum} > ${charges.get(id)!.amount}`))}`,
    );

  f.check(
    'payment_changes: invoice_created and paid once per placement, payment_failed at most once, refunded once per refunded placement (never otherwise), no event key twice',
  );
  const changes: { placement_id: string; event: string; event_key: string }[] = await db('payment_changes').whereIn('placement_id', ids);
  const perKey = new Map<string, number>();
  for (const c of changes) perKey.set(`${c.placement_id}|${c.event}`, (perKey.get(`${c.placement_id}|${c.event}`) ?? 0) + 1);
  let changeLoss = 0;
  const changeProblems: string[] = [];
  for (const id of ids) {
    for (const [event, min, max] of [
      ['invoice_created', 1, 1],
      ['paid', 1, 1],
      ['payment_failed', 0, 1],
      ['refunded', plan.refunded.has(id) ? 1 : 0, plan.refunded.has(id) ? 1 : 0],
    ] as const) {
      const n = perKey.get(`${id}|${event}`) ?? 0;
      if (n < min || n > max) {
        changeLoss += n < min ? min - n : n - max;
        changeProblems.push(`${id} ${event} ×${n}`);
      }
    }
  }
  const keys = new Set(changes.map((c) => c.event_key));
  changeLoss += changes.length - keys.size;
  f.loss(changeLoss, `payment_changes rows missing or repeated: ${list(changeProblems)}`);

  f.check(
    "stripe_webhook_events: every fee event Stripe sent about the plan's invoices and charges (invoice paid / failed, credit note, refund, dispute) recorded once, against its placement",
  );
  const placementOfInvoice = new Map(
    [...invoicesOf.entries()].flatMap(([placementId, invs]) => invs.map((i) => [i.id, placementId] as const)),
  );
  const placementOfCharge = new Map([...charges.entries()].map(([placementId, c]) => [c.id, placementId] as const));
  const feeEvents = stripe.events().flatMap((e) => {
    if (!(FEE_EVENT_TYPES as readonly string[]).includes(e.type)) return [];
    const objectId = feeObjectOf(e) ?? '';
    const placementId = placementOfInvoice.get(objectId) ?? placementOfCharge.get(objectId);
    return placementId ? [{ id: e.id, type: e.type, placementId }] : [];
  });
  const recorded: { id: string; placement_id: string | null }[] = feeEvents.length
    ? await db('stripe_webhook_events').whereIn(
        'id',
        feeEvents.map((e) => e.id),
      )
    : [];
  const recordedOf = new Map(recorded.map((r) => [r.id, r]));
  const unrecorded = feeEvents.filter((e) => !recordedOf.has(e.id));
  f.loss(
    unrecorded.length,
    `${unrecorded.length} fee events never recorded by the API: ${list(unrecorded.map((e) => `${e.id} ${e.type} (${e.placementId})`))}`,
  );
  const misfiled = feeEvents.filter((e) => recordedOf.has(e.id) && recordedOf.get(e.id)!.placement_id !== e.placementId);
  if (misfiled.length) f.fail(`${misfiled.length} fee events recorded against another placement: ${list(misfiled.map((e) => e.id))}`);
  if (plan.refunded.size) await checkRefunds(sdk, plan, single, charges, f, ctx);
  f.details.payments = {
    invoices: [...invoicesOf.values()].flat().length,
    paidRows: rows.filter((r) => r.state === 'paid').length,
    paymentChanges: changes.length,
    feeEvents: feeEvents.length,
    feeEventsRecorded: recorded.length,
  };
}

/**
 * Each refunded placement: exactly one credit note on its invoice and exactly one Stripe refund on
 * its charge, both for the refund due, recorded as refunded in placement_payments; every transfer
 * of it reversed exactly once. No other placement has a credit note or a refund.
 */
async function checkRefunds(
  sdk: Stripe,
  plan: PayoutPlan,
  invoices: [string, Stripe.Invoice[]][],
  charges: Map<string, Stripe.Charge>,
  f: Findings,
  ctx: Ctx,
) {
  f.check(
    `${plan.refunded.size} placements failed and refunded during the fault → one credit note and one Stripe refund each (for the refund due, refunded in placement_payments), each transfer reversed once; no credit note or refund elsewhere`,
  );
  const rows: { placement_id: string; refund_state: string; refund_due_cents: number | string | null; refunded_cents: number | string }[] =
    await ctx.db('placement_payments').whereIn('placement_id', [...plan.refunded]);
  const rowOf = new Map(rows.map((r) => [r.placement_id, r]));
  let loss = 0;
  const problems: string[] = [];
  await pool(invoices.length, 10, async (i) => {
    const [placementId, [invoice]] = invoices[i]! as [string, [Stripe.Invoice]];
    const refunded = plan.refunded.has(placementId);
    const notes = (await sdk.creditNotes.list({ invoice: invoice.id, limit: 100 })).data;
    const charge = charges.get(placementId);
    const refunds = charge ? (await sdk.refunds.list({ charge: charge.id, limit: 100 })).data : [];
    const want = refunded ? 1 : 0;
    if (notes.length !== want || refunds.length !== want) {
      loss += Math.abs(notes.length - want) + Math.abs(refunds.length - want);
      problems.push(`${placementId}: ${notes.length} credit notes, ${refunds.length} refunds (want ${want})`);
    }
    if (!refunded) return;
    const row = rowOf.get(placementId);
    const due = Number(row?.refund_due_cents ?? -1);
    if (row?.refund_state !== 'refunded' || Number(row.refunded_cents) !== due || due <= 0)
      problems.push(
        `${placementId}: placement_payments ${row?.refund_state}, refunded ${row?.refunded_cents} of ${row?.refund_due_cents} due`,
      );
    else if (refunds.length === 1 && refunds[0]!.amount !== due)
      problems.push(`${placementId}: Stripe refunded ${refunds[0]!.amount}, ${due} due`);
  });
  const transfers = planTransfers(ctx.stripe, plan).filter((t) => plan.refunded.has(t.transfer_group!));
  const notReversedOnce = transfers.filter((t) => t.reversals.data.length !== 1);
  loss += notReversedOnce.reduce((n, t) => n + Math.abs(t.reversals.data.length - 1), 0);
  if (notReversedOnce.length)
    problems.push(...notReversedOnce.map((t) => `transfer ${t.id} (${t.transfer_group}): ${t.reversals.data.length} reversals`));
  f.loss(loss, `credit notes, refunds or reversals missing or repeated: ${list(problems, 6)}`);
  if (problems.length && loss === 0) f.fail(`refunds that differ from what is due: ${list(problems, 6)}`);
  f.details.refunds = { placements: plan.refunded.size, transfersReversed: transfers.length - notReversedOnce.length };
}
