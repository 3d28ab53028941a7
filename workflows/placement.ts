import {
  ApplicationFailure,
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
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { EXTENSION_DAYS } from '../domain/limits.js';
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
import { unstorableCharacter } from '../domain/text-rules.js';
import { DATABASE_ACTIVITY, DAY_MS, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { payoutWorkflow } from './payout.js';
import { asRefusal, commandWriter } from './failures.js';
import { raiseDomainEvent } from './domain-events.js';

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

const db = proxyActivities<PlacementActivities>(DATABASE_ACTIVITY);
const stripe = proxyActivities<PlacementActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
const email = proxyActivities<PlacementActivities>(NOTIFICATION_ACTIVITY);

const COMPANY_ROLES = ['company_admin', 'platform_admin'];
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
  const view: PlacementView = {
    placementId: input.placementId, state: null, escrowStatus: 'held', candidateId: input.candidateId,
    guaranteeEndsAt: null, failurePending: false, payoutIds: [],
  };
  let record: Awaited<ReturnType<PlacementActivities['createPlacement']>> | undefined;
  let refusal: ApplicationFailure | undefined;
  let activateNow = false;
  /** How a running guarantee ends early: a refund after a failure, or a platform admin's release. */
  let resolution: { kind: 'refund' | 'release'; reason: string; actor: Actor } | undefined;
  let deciding = false; // a replacement is being recorded
  const commands = commandWriter(STATE_AFTER_WRITE);
  let step = 0; // numbers the steps so each one's history row is written once
  let stageMoves = 0; // numbers the application moves apart, so the steps keep their numbers
  const children: ChildWorkflowHandle<typeof payoutWorkflow>[] = [];
  const now = () => new Date().toISOString();
  const restartGuarantee = () => new Date(Date.now() + record!.guaranteeDays * DAY_MS).toISOString();
  const stepOf = (name: string, actor: Actor, reason?: string) => ({ placementId: input.placementId, key: `${input.placementId}:${++step}:${name}`, actor, reason: reason ?? null, at: now() });

  const show = () =>
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.PlacementState, value: view.state ?? 'hired' },
      { key: SEARCH_ATTRIBUTES.EscrowStatus, value: view.escrowStatus },
      { key: SEARCH_ATTRIBUTES.NeedsAttention, value: view.failurePending },
    ]);
  const refuse = (type: string, message: string): never => { throw ApplicationFailure.create({ type, message }); };
  const requireRole = (actor: Actor, roles: string[]) => {
    if (!roles.includes(actor.role) || (actor.role !== 'platform_admin' && actor.companyId !== input.companyId)) {
      refuse(FAILURE_TYPES.Forbidden, `requires role ${roles.join(' or ')} of this company`);
    }
  };
  const requireState = (ok: boolean, message: string) => { if (!ok) refuse(FAILURE_TYPES.InvalidState, message); };
  const requireReason = (reason: string | undefined) => requireState(!!reason?.trim(), 'a reason is required');
  // A refund's or release's reason is written by the main flow, after money moved: refused before, not left to fail there.
  const requireStorable = (reason: string | undefined) => {
    const bad = reason === undefined ? undefined : unstorableCharacter(reason);
    if (bad) refuse(FAILURE_TYPES.InvalidData, `the reason contains ${bad}`);
  };
  const guaranteeRunning = () => view.state === 'active' && !view.failurePending && resolution === undefined && !deciding && !commands.writing;

  setHandler(placementStateQuery, () => view);
  setHandler(placementRecordedUpdate, async () => {
    await condition(() => view.state !== null || refusal !== undefined);
    if (refusal) throw refusal;
    return view;
  });
  setHandler(activateEarlyUpdate, async () => {
    activateNow = true;
    await condition(() => view.state !== 'hired');
    return view;
  }, { validator: ({ actor }) => { requireRole(actor, COMPANY_ROLES); requireState(view.state === 'hired', `cannot activate a placement that is ${view.state}`); } });
  setHandler(extendGuaranteeUpdate, async ({ actor, days, reason }) => {
    const ends = new Date(new Date(view.guaranteeEndsAt!).getTime() + days * DAY_MS).toISOString();
    await commands.run(
      'guarantee extension',
      () => db.transitionPlacement({ ...stepOf('extend', actor, reason), to: 'active', guaranteeEndsAt: ends, details: { extendedByDays: days } }),
      () => { view.guaranteeEndsAt = ends; },
    );
    return view;
  }, {
    validator: ({ actor, days, reason }) => {
      requireRole(actor, ['platform_admin']);
      requireState(guaranteeRunning(), 'only a running guarantee can be extended');
      requireState(Number.isInteger(days) && days >= EXTENSION_DAYS.min && days <= EXTENSION_DAYS.max, `extend by ${EXTENSION_DAYS.min} to ${EXTENSION_DAYS.max} days`);
      requireReason(reason);
    },
  });
  setHandler(reportFailureUpdate, async ({ actor, reason }) => {
    await commands.run(
      'failure report',
      () => db.transitionPlacement({ ...stepOf('failure-reported', actor, reason), to: 'active', details: { failureReported: true } }),
      () => {
        view.failurePending = true;
        show();
      },
    );
    await moveApplication(view.candidateId, 'left', actor, reason);
    return view;
  }, { validator: ({ actor, reason }) => { requireRole(actor, COMPANY_ROLES); requireState(guaranteeRunning(), 'a failure can only be reported inside a running guarantee'); requireReason(reason); } });
  const whileFailurePending = (actor: Actor) => { requireRole(actor, COMPANY_ROLES); requireState(view.failurePending && resolution === undefined && !deciding, 'no reported failure is waiting for a decision'); };
  // Recorded here, not in the main loop, so an unknown candidate fails this update, not the placement.
  setHandler(chooseReplacementUpdate, async ({ actor, candidateId }) => {
    deciding = true;
    try {
      const ends = restartGuarantee();
      await db.recordReplacement({ ...stepOf('replacement', actor, 'replacement candidate'), candidateId, guaranteeEndsAt: ends });
      await moveApplication(candidateId, 'hired', actor, 'replacement hired');
      Object.assign(view, { guaranteeEndsAt: ends, candidateId, failurePending: false });
      show();
      return view;
    } catch (err) {
      throw asRefusal(err);
    } finally {
      deciding = false;
    }
  }, { validator: ({ actor, candidateId }) => { whileFailurePending(actor); requireState(/^[0-9a-f-]{36}$/i.test(candidateId), 'candidateId must be a UUID'); } });
  setHandler(chooseRefundUpdate, async ({ actor, reason }) => {
    resolution = { kind: 'refund', reason: reason?.trim() || 'refund after a failed guarantee', actor };
    await condition(() => view.state === 'failed');
    return view;
  }, { validator: ({ actor, reason }) => { whileFailurePending(actor); requireStorable(reason); } });
  setHandler(releaseEarlyUpdate, async ({ actor, reason }) => {
    resolution = { kind: 'release', reason, actor };
    await condition(() => view.state === 'completed');
    return view;
  }, { validator: ({ actor, reason }) => { requireRole(actor, ['platform_admin']); requireState(guaranteeRunning(), 'only a running guarantee can be released early'); requireReason(reason); requireStorable(reason); } });
  setHandler(replaceCollaboratorsUpdate, async ({ actor, collaborators }) => {
    await db.replaceCollaborators({ ...stepOf('collaborators', actor), collaborators });
    return view;
  }, { validator: ({ actor }) => { requireRole(actor, COMPANY_ROLES); requireState(view.state === 'hired', 'collaborators can change only before the first payout'); } });

  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: input.companyId }]);
  try {
    record = await db.createPlacement({ ...input, workflowId: workflowInfo().workflowId, at: now() });
  } catch (err) {
    refusal = asRefusal(err);
    await condition(allHandlersFinished);
    return view;
  }
  await moveApplication(input.candidateId, 'hired', input.actor, 'placement recorded');
  view.state = 'hired';
  show();

  // Hired → active at the start date, or earlier on request.
  await condition(() => activateNow, Math.max(1, new Date(record.startAt).getTime() - Date.now()));
  view.guaranteeEndsAt = restartGuarantee();
  await db.transitionPlacement({ ...stepOf('active', SYSTEM_ACTOR), to: 'active', guaranteeEndsAt: view.guaranteeEndsAt, reason: activateNow ? 'activated early' : 'start date reached' });
  view.state = 'active';
  show();
  await payOut('activation', record.activationCents);

  // The guarantee: ends by its timer, an early release, or a reported failure's resolution.
  let remindedFor: string | null = null;
  for (;;) {
    const ends: string = view.guaranteeEndsAt!;
    const reminderAt = new Date(ends).getTime() - record.reminderDaysBefore * DAY_MS;
    const changed = () => resolution !== undefined || view.failurePending || view.guaranteeEndsAt !== ends;
    if (remindedFor !== ends && reminderAt > Date.now() && !(await condition(changed, reminderAt - Date.now()))) {
      remindedFor = ends;
      await notify(ends);
      continue;
    }
    if (!(await condition(changed, Math.max(1, new Date(ends).getTime() - Date.now())))) {
      // A command being written at the end decides first (an extension or a failure report wins; a refused one does not).
      if (!commands.writing) break; // guarantee over
      await commands.settled();
      continue;
    }
    // A failure waits for its decision: a replacement restarts the guarantee (new end), a refund ends it.
    await condition(() => resolution !== undefined || !view.failurePending);
    if (resolution?.kind === 'release') break;
    if (resolution?.kind === 'refund') return refund(resolution.reason, resolution.actor);
  }

  // Completed: the escrow is released with the holdback tranche.
  const { reason: releaseReason, actor: releasedBy } = resolution ?? { reason: 'guarantee period ended', actor: SYSTEM_ACTOR };
  await db.settleEscrow({ ...stepOf('escrow-released', releasedBy, releaseReason), status: 'released' });
  view.escrowStatus = 'released';
  await db.transitionPlacement({ ...stepOf('completed', releasedBy, releaseReason), to: 'completed' });
  view.state = 'completed';
  show();
  await payOut('holdback', record.holdbackCents);
  await Promise.all(children.map((c) => c.result()));
  await condition(allHandlersFinished);
  return view;

  async function payOut(tranche: 'activation' | 'holdback', amountCents: number) {
    if (amountCents === 0) return;
    const payoutId = uuid4();
    view.payoutIds.push(payoutId);
    children.push(await startChild(payoutWorkflow, {
      workflowId: workflowIds.payout(payoutId),
      args: [{ payoutId, placementId: input.placementId, companyId: input.companyId, tranche, amountCents, currency: input.currency }],
    }));
  }

  async function refund(reason: string, actor: Actor): Promise<PlacementView> {
    // Paid splits can be reversed only once the activation payout is settled.
    const settled: PayoutView[] = await Promise.all(children.map((c) => c.result()));
    const reversal = await stripe.reversePaidSplits({ placementId: input.placementId, reason });
    await db.settleEscrow({ ...stepOf('escrow-refunded', actor, reason), status: 'refunded' });
    view.escrowStatus = 'refunded';
    await db.transitionPlacement({
      ...stepOf('failed', actor, reason), to: 'failed',
      details: { reversedCents: reversal.reversedCents, reversalsRefused: reversal.refused, payouts: settled.map((p) => p.status) },
    });
    view.state = 'failed';
    // A reversal Stripe refused needs a person; everything else is settled.
    view.failurePending = reversal.refused.length > 0;
    show();
    const lead = input.collaborators.find((c) => c.role === 'submitter') ?? input.collaborators[0];
    await raiseDomainEvent(db.publishDomainEvent, {
      type: 'placement.failed', occasion: 'failed', companyId: input.companyId, entityType: 'placement', entityId: input.placementId,
      data: {
        placementId: input.placementId, candidateId: view.candidateId, jobId: input.jobId, companyId: input.companyId,
        recruiterId: lead?.recruiterId ?? null, feeCents: input.feeCents, currency: input.currency, reason,
      },
    });
    await condition(allHandlersFinished);
    return view;
  }

  /** The candidate's application follows the placement, through the same stage history and event as every move. */
  async function moveApplication(candidateId: string, to: 'hired' | 'left', actor: Actor, reason: string) {
    if (!patched(APPLICATION_STAGE_PATCH)) return;
    const occasion = `application-${++stageMoves}-${to}`;
    const move = await db.moveApplication({ placementId: input.placementId, candidateId, to, actor, reason, at: now(), key: `${input.placementId}:${occasion}` });
    if (!move) return;
    await raiseDomainEvent(db.publishDomainEvent, {
      type: 'application.stage_changed', occasion, companyId: input.companyId, entityType: 'application', entityId: move.applicationId,
      data: { ...move, source: 'placement' },
    });
  }

  async function notify(guaranteeEndsAt: string) {
    try {
      await email.sendGuaranteeExpiringEmail({ placementId: input.placementId, guaranteeEndsAt });
    } catch {
      // A notice that keeps failing must not hold the guarantee; the failure is in the history.
    }
  }
}
