import type { ApplicationFailure } from '@temporalio/workflow';
import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { PlacementActivities } from '../activities/index.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/actors.js';
import {
  type PlacementInput,
  type PlacementView,
  activateEarlyUpdate,
  chooseRefundUpdate,
  chooseReplacementUpdate,
  extendGuaranteeUpdate,
  placementRecordedUpdate,
  placementStateQuery,
  releaseEarlyUpdate,
  replaceCollaboratorsUpdate,
  reportFailureUpdate,
} from '../domain/placement.js';
import type { PayoutView } from '../domain/payout.js';
import { SEARCH_ATTRIBUTES, workflowIds } from '../domain/temporal.js';
import { type PlacementCommandCall, type PlacementSituation, checkPlacementCommand } from '../domain/placement-rules.js';
import { DATABASE_ACTIVITY, DAY_MS, NOTIFICATION_ACTIVITY, STRIPE_REVERSAL_ACTIVITY } from './activity-options.js';
import { answerWhenRecorded, refuseIf } from './commands.js';
import { payoutWorkflow } from './payout.js';
import { asRefusal, commandWriter } from './failures.js';
import { raiseDomainEvent } from './domain-events.js';
import { FEE_COLLECTION_PATCH, FeeCollection, type PaymentFacts } from './fee-collection.js';

// The messages live in domain/ (the API sends them without loading workflow code); re-exported beside the workflow.
export {
  type EscrowStatus,
  type PlacementCommand,
  type PlacementInput,
  type PlacementState,
  type PlacementView,
  activateEarlyUpdate,
  chooseRefundUpdate,
  chooseReplacementUpdate,
  extendGuaranteeUpdate,
  placementRecordedUpdate,
  placementStateQuery,
  releaseEarlyUpdate,
  replaceCollaboratorsUpdate,
  reportFailureUpdate,
} from '../domain/placement.js';

/** The activities the placement calls, by option set. */
type PlacementDb = Pick<
  PlacementActivities,
  | 'createPlacement'
  | 'transitionPlacement'
  | 'recordReplacement'
  | 'replaceCollaborators'
  | 'settleEscrow'
  | 'moveApplication'
  | 'publishDomainEvent'
>;
const db = proxyActivities<PlacementDb>(DATABASE_ACTIVITY);
const stripe = proxyActivities<Pick<PlacementActivities, 'reversePaidSplits'>>(STRIPE_REVERSAL_ACTIVITY);
const email = proxyActivities<Pick<PlacementActivities, 'sendGuaranteeExpiringEmail'>>(NOTIFICATION_ACTIVITY);

/** An extension or a failure report changes the view only once its write succeeded (before: at once, then written). */
const STATE_AFTER_WRITE = 'placement-state-after-write';

/**
 * Placements move the candidate's application (hired at the hire and for a replacement;
 * `left` when a failure is reported: the hire left inside the guarantee, product §3.2).
 * Added to running placements: histories from before have no marker and replay without it.
 */
export const APPLICATION_STAGE_PATCH = 'placement-moves-application-v1';

/**
 * One placement's guarantee (product §3.2): hired → active at the start date (activation
 * tranche paid to the collaborators), a guarantee timer with a "guarantee expiring" e-mail
 * 7 days before its end, then completed (escrow released, holdback tranche paid). A failure
 * inside the guarantee ends in a replacement (guarantee restarts, escrow stays held) or a
 * refund (escrow refunded, paid tranches reversed) → failed.
 */
export async function placementWorkflow(input: PlacementInput): Promise<PlacementView> {
  const placement = new Placement(input);
  placement.acceptCommands();

  if (!(await placement.record())) return placement.finished();
  await placement.hire();
  await placement.activateAtStartDate();

  const ending = await placement.runGuarantee();
  if (ending?.kind === 'refund') await placement.refund(ending);
  else await placement.complete(ending);
  return placement.finished();
}

/** How a running guarantee ends early: a refund after a failure, or a platform admin's release. */
interface Resolution {
  kind: 'refund' | 'release';
  reason: string;
  actor: Actor;
}

type CreatedPlacement = Awaited<ReturnType<PlacementActivities['createPlacement']>>;

/** One placement's state, its commands (update handlers) and the steps of its process. */
class Placement {
  readonly view: PlacementView;
  private created: CreatedPlacement | undefined;
  private refusal: ApplicationFailure | undefined;
  private activateNow = false;
  private resolution: Resolution | undefined;
  /** A replacement is being recorded. */
  private deciding = false;
  private readonly commands = commandWriter(STATE_AFTER_WRITE);
  /** Numbers the steps so each one's history row is written once. */
  private step = 0;
  /** Numbers the application moves apart, so the steps keep their numbers. */
  private stageMoves = 0;
  private readonly children: ChildWorkflowHandle<typeof payoutWorkflow>[] = [];
  /** The fee the company pays; followed only by placements recorded with FEE_COLLECTION_PATCH. */
  private readonly fee: FeeCollection;
  private collecting = false;
  private following: Promise<void> | undefined;
  /** Payouts waiting for the fee to be paid. */
  private readonly funding: Promise<void>[] = [];
  /** The placement failed: payouts still waiting for the fee never start. */
  private payoutsStopped = false;
  /** When the failure being decided was reported (a pro-rata refund counts the guarantee days left from here). */
  private failureReportedAt: string | undefined;

  constructor(private readonly input: PlacementInput) {
    this.view = {
      placementId: input.placementId,
      state: null,
      escrowStatus: 'held',
      candidateId: input.candidateId,
      guaranteeEndsAt: null,
      failurePending: false,
      payoutIds: [],
      payment: null,
    };
    this.fee = new FeeCollection({
      placementId: input.placementId,
      check: (call, facts) => this.check(call, facts),
      changed: () => this.show(),
    });
  }

  // ── Commands ────────────────────────────────────────────────────────────────────────

  acceptCommands() {
    setHandler(placementStateQuery, () => this.view);
    answerWhenRecorded(placementRecordedUpdate, {
      recorded: () => this.view.state !== null,
      refusal: () => this.refusal,
      view: () => this.view,
    });
    setHandler(activateEarlyUpdate, () => this.activateEarly(), {
      validator: ({ actor }) => this.check({ command: 'activateEarly', actor }),
    });
    setHandler(extendGuaranteeUpdate, (cmd) => this.extendGuarantee(cmd), {
      validator: ({ actor, days, reason }) => this.check({ command: 'extendGuarantee', actor, days, reason }),
    });
    setHandler(reportFailureUpdate, (cmd) => this.reportFailure(cmd), {
      validator: ({ actor, reason }) => this.check({ command: 'reportFailure', actor, reason }),
    });
    // Recorded here, not in the main flow, so an unknown candidate fails this update, not the placement.
    setHandler(chooseReplacementUpdate, (cmd) => this.chooseReplacement(cmd), {
      validator: ({ actor, candidateId }) => this.check({ command: 'chooseReplacement', actor, candidateId }),
    });
    setHandler(
      chooseRefundUpdate,
      (cmd) => this.chooseResolution('refund', cmd.actor, cmd.reason?.trim() || 'refund after a failed guarantee'),
      {
        validator: ({ actor, reason }) => this.check({ command: 'chooseRefund', actor, reason }),
      },
    );
    setHandler(releaseEarlyUpdate, (cmd) => this.chooseResolution('release', cmd.actor, cmd.reason), {
      validator: ({ actor, reason }) => this.check({ command: 'releaseEarly', actor, reason }),
    });
    setHandler(replaceCollaboratorsUpdate, (cmd) => this.replaceCollaborators(cmd), {
      validator: ({ actor, collaborators }) => this.check({ command: 'replaceCollaborators', actor, collaborators }),
    });
    this.fee.acceptCommands();
  }

  private check(call: PlacementCommandCall, payment?: PaymentFacts) {
    refuseIf(checkPlacementCommand(call, { ...this.situation(), ...payment }));
  }

  private situation(): PlacementSituation {
    return {
      companyId: this.input.companyId,
      state: this.view.state,
      guaranteeRunning: this.guaranteeRunning(),
      failureAwaitingDecision: this.view.failurePending && this.resolution === undefined && !this.deciding,
    };
  }

  private guaranteeRunning(): boolean {
    return (
      this.view.state === 'active' && !this.view.failurePending && this.resolution === undefined && !this.deciding && !this.commands.writing
    );
  }

  private async activateEarly() {
    this.activateNow = true;
    await condition(() => this.view.state !== 'hired');
    return this.view;
  }

  private async extendGuarantee({ actor, days, reason }: { actor: Actor; days: number; reason: string }) {
    const ends = new Date(new Date(this.view.guaranteeEndsAt!).getTime() + days * DAY_MS).toISOString();
    await this.commands.run(
      'guarantee extension',
      () =>
        db.transitionPlacement({
          ...this.stepOf('extend', actor, reason),
          to: 'active',
          guaranteeEndsAt: ends,
          details: { extendedByDays: days },
        }),
      () => {
        this.view.guaranteeEndsAt = ends;
      },
    );
    return this.view;
  }

  private async reportFailure({ actor, reason }: { actor: Actor; reason: string }) {
    await this.commands.run(
      'failure report',
      () => db.transitionPlacement({ ...this.stepOf('failure-reported', actor, reason), to: 'active', details: { failureReported: true } }),
      () => {
        this.view.failurePending = true;
        this.failureReportedAt = this.now();
        this.show();
      },
    );
    await this.moveApplication(this.view.candidateId, 'left', actor, reason);
    return this.view;
  }

  private async chooseReplacement({ actor, candidateId }: { actor: Actor; candidateId: string }) {
    this.deciding = true;
    try {
      const ends = this.restartGuarantee();
      await db.recordReplacement({ ...this.stepOf('replacement', actor, 'replacement candidate'), candidateId, guaranteeEndsAt: ends });
      await this.moveApplication(candidateId, 'hired', actor, 'replacement hired');
      Object.assign(this.view, { guaranteeEndsAt: ends, candidateId, failurePending: false });
      this.show();
      return this.view;
    } catch (err) {
      throw asRefusal(err);
    } finally {
      this.deciding = false;
    }
  }

  /** A refund or an early release: the main flow carries it out, and the update answers once it has. */
  private async chooseResolution(kind: Resolution['kind'], actor: Actor, reason: string) {
    this.resolution = { kind, reason, actor };
    const outcome = kind === 'refund' ? 'failed' : 'completed';
    await condition(() => this.view.state === outcome);
    return this.view;
  }

  private async replaceCollaborators({ actor, collaborators }: { actor: Actor; collaborators: PlacementInput['collaborators'] }) {
    await db.replaceCollaborators({ ...this.stepOf('collaborators', actor), collaborators });
    return this.view;
  }

  // ── The process ─────────────────────────────────────────────────────────────────────

  /** Records the placement; a refusal (e.g. a duplicate) is kept for the caller of `placementRecorded`. */
  async record(): Promise<boolean> {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: this.input.companyId }]);
    try {
      this.created = await db.createPlacement({ ...this.input, workflowId: workflowInfo().workflowId, at: this.now() });
      return true;
    } catch (err) {
      this.refusal = asRefusal(err);
      return false;
    }
  }

  async hire() {
    await this.moveApplication(this.input.candidateId, 'hired', this.input.actor, 'placement recorded');
    this.view.state = 'hired';
    this.show();
    if (!patched(FEE_COLLECTION_PATCH)) return;
    this.collecting = true;
    await this.fee.open();
    this.following = this.fee.follow();
  }

  /** Hired → active at the start date, or earlier on request; the activation tranche is paid. */
  async activateAtStartDate() {
    const created = this.created!;
    await condition(() => this.activateNow, Math.max(1, new Date(created.startAt).getTime() - Date.now()));
    this.view.guaranteeEndsAt = this.restartGuarantee();
    await db.transitionPlacement({
      ...this.stepOf('active', SYSTEM_ACTOR),
      to: 'active',
      guaranteeEndsAt: this.view.guaranteeEndsAt,
      reason: this.activateNow ? 'activated early' : 'start date reached',
    });
    this.view.state = 'active';
    this.show();
    if (!this.collecting) return this.payOut('activation', created.activationCents);
    // Paid once the company's money is in; the guarantee runs meanwhile.
    this.funding.push(
      this.fee.funded().then(async (funded) => {
        if (funded && !this.payoutsStopped) await this.payOut('activation', created.activationCents);
      }),
    );
  }

  /**
   * The guarantee: ends by its timer (nothing returned), an early release, or a reported
   * failure's refund. A failure waits for its decision; a replacement restarts the guarantee.
   */
  async runGuarantee(): Promise<Resolution | undefined> {
    const reminderDaysBefore = this.created!.reminderDaysBefore;
    let remindedFor: string | null = null;
    for (;;) {
      const ends: string = this.view.guaranteeEndsAt!;
      const reminderAt = new Date(ends).getTime() - reminderDaysBefore * DAY_MS;
      const changed = () => this.resolution !== undefined || this.view.failurePending || this.view.guaranteeEndsAt !== ends;
      if (remindedFor !== ends && reminderAt > Date.now() && !(await condition(changed, reminderAt - Date.now()))) {
        remindedFor = ends;
        await this.remindGuaranteeExpiring(ends);
        continue;
      }
      if (!(await condition(changed, Math.max(1, new Date(ends).getTime() - Date.now())))) {
        // A command being written at the end decides first (an extension or a failure report wins; a refused one does not).
        if (!this.commands.writing) return undefined; // guarantee over
        await this.commands.settled();
        continue;
      }
      await condition(() => this.resolution !== undefined || !this.view.failurePending);
      if (this.resolution) return this.resolution;
    }
  }

  /** Completed: the escrow is released with the holdback tranche, once the guarantee ended or was released early. */
  async complete(release: Resolution | undefined) {
    const { reason, actor } = release ?? { reason: 'guarantee period ended', actor: SYSTEM_ACTOR };
    await db.settleEscrow({ ...this.stepOf('escrow-released', actor, reason), status: 'released' });
    this.view.escrowStatus = 'released';
    await db.transitionPlacement({ ...this.stepOf('completed', actor, reason), to: 'completed' });
    this.view.state = 'completed';
    this.show();
    // The holdback waits for the fee too (nothing is paid out of funds not collected).
    if (!this.collecting || (await this.fee.funded())) {
      await Promise.all(this.funding);
      await this.payOut('holdback', this.created!.holdbackCents);
    }
    await Promise.all(this.children.map((c) => c.result()));
    await this.stopFollowingFee();
  }

  /** Failed: paid splits reversed (once the activation payout settled), the escrow refunded, `placement.failed` raised. */
  async refund({ reason, actor }: Resolution) {
    const { input, view } = this;
    this.payoutsStopped = true;
    await this.stopFollowingFee();
    await Promise.all(this.funding); // a payout that was starting has its child in `children` now
    const settled: PayoutView[] = await Promise.all(this.children.map((c) => c.result()));
    // The company's refund policy decides how much comes back, and so the share taken back from each split.
    // A fee never invoiced (Stripe refused the invoice) collected nothing and funded no payout: nothing to refund.
    const refunding = this.collecting && this.fee.payment !== undefined;
    const plan = refunding ? await this.fee.planRefund(this.failureReportedAt ?? this.now(), view.guaranteeEndsAt) : undefined;
    const reverse = () =>
      stripe.reversePaidSplits({ placementId: input.placementId, reason, ...(plan && { reverseBps: plan.reverseBps }) });
    const reversal = await reverse();
    await db.settleEscrow({ ...this.stepOf('escrow-refunded', actor, reason), status: 'refunded' });
    view.escrowStatus = 'refunded';
    await db.transitionPlacement({
      ...this.stepOf('failed', actor, reason),
      to: 'failed',
      details: { reversedCents: reversal.reversedCents, reversalsRefused: reversal.refused, payouts: settled.map((p) => p.status) },
    });
    view.state = 'failed';
    // A reversal Stripe refused needs a person; everything else is settled.
    view.failurePending = !this.collecting && reversal.refused.length > 0;
    this.show();
    const lead = input.collaborators.find((c) => c.role === 'submitter') ?? input.collaborators[0];
    await raiseDomainEvent(db.publishDomainEvent, {
      type: 'placement.failed',
      occasion: 'failed',
      companyId: input.companyId,
      entityType: 'placement',
      entityId: input.placementId,
      data: {
        placementId: input.placementId,
        candidateId: view.candidateId,
        jobId: input.jobId,
        companyId: input.companyId,
        recruiterId: lead?.recruiterId ?? null,
        feeCents: input.feeCents,
        currency: input.currency,
        reason,
      },
    });
    // The company's money back; a refusal (or a refused reversal) waits for a platform admin's retry or cancel.
    if (refunding) {
      await this.fee.refund(reason, actor, reversal.refused.length > 0, async () => (await reverse()).refused.length === 0);
      this.show();
    }
  }

  /** Ends the run once every update has been answered. */
  async finished(): Promise<PlacementView> {
    await condition(allHandlersFinished);
    return this.view;
  }

  // ── Steps ───────────────────────────────────────────────────────────────────────────

  private async payOut(tranche: 'activation' | 'holdback', amountCents: number) {
    if (amountCents === 0) return;
    const payoutId = uuid4();
    this.view.payoutIds.push(payoutId);
    const { placementId, companyId, currency } = this.input;
    this.children.push(
      await startChild(payoutWorkflow, {
        workflowId: workflowIds.payout(payoutId),
        args: [{ payoutId, placementId, companyId, tranche, amountCents, currency }],
      }),
    );
  }

  /** The candidate's application follows the placement, through the same stage history and event as every move. */
  private async moveApplication(candidateId: string, to: 'hired' | 'left', actor: Actor, reason: string) {
    if (!patched(APPLICATION_STAGE_PATCH)) return;
    const { placementId, companyId } = this.input;
    const occasion = `application-${++this.stageMoves}-${to}`;
    const move = await db.moveApplication({
      placementId,
      candidateId,
      to,
      actor,
      reason,
      at: this.now(),
      key: `${placementId}:${occasion}`,
    });
    if (!move) return;
    await raiseDomainEvent(db.publishDomainEvent, {
      type: 'application.stage_changed',
      occasion,
      companyId,
      entityType: 'application',
      entityId: move.applicationId,
      data: { ...move, source: 'placement' },
    });
  }

  private async remindGuaranteeExpiring(guaranteeEndsAt: string) {
    try {
      await email.sendGuaranteeExpiringEmail({ placementId: this.input.placementId, guaranteeEndsAt });
    } catch {
      // A notice that keeps failing must not hold the guarantee; the failure is in the history.
    }
  }

  private show() {
    const now = Date.now();
    this.view.payment = this.fee.view(now);
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.PlacementState, value: this.view.state ?? 'hired' },
      { key: SEARCH_ATTRIBUTES.EscrowStatus, value: this.view.escrowStatus },
      { key: SEARCH_ATTRIBUTES.NeedsAttention, value: this.view.failurePending || this.fee.needsAttention(now) },
      ...(this.view.payment ? [{ key: SEARCH_ATTRIBUTES.PaymentStatus, value: this.view.payment.status }] : []),
    ]);
  }

  private async stopFollowingFee() {
    this.fee.end();
    await this.following;
  }

  private stepOf(name: string, actor: Actor, reason?: string) {
    const { placementId } = this.input;
    return { placementId, key: `${placementId}:${++this.step}:${name}`, actor, reason: reason ?? null, at: this.now() };
  }

  private restartGuarantee(): string {
    return new Date(Date.now() + this.created!.guaranteeDays * DAY_MS).toISOString();
  }

  private now(): string {
    return new Date().toISOString();
  }
}
