import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { nameBasedUuid } from '../../lib/ids.js';
import { directoryDal } from '../../db/dal/directory.js';
import { payoutsDal, type CollaboratorRow, type Named } from '../../db/dal/payouts.js';
import { placementsDal, type EscrowRow, type PlacementHistoryRow, type PlacementListRow } from '../../db/dal/placements.js';
import { settingsDal } from '../../db/dal/settings.js';
import { paymentsDal, type PaymentRow } from '../../db/dal/payments.js';
import { placementMoneyDal, type PaymentChangeRow } from '../../db/dal/placement-money.js';
import {
  cancelRefundUpdate,
  extendPaymentDueUpdate,
  markFeePaidUpdate,
  paymentStatusOf,
  retryRefundUpdate,
  voidFeeUpdate,
} from '../../domain/payment.js';
import { placementMoney } from '../../domain/placement-money.js';
import { toFeePayment } from '../../activities/payments.js';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import {
  allocateTrancheWithFee,
  bpsToPercent,
  type CollaboratorRole,
  defaultSplitBps,
  splitProblems,
  tranches,
} from '../../domain/money.js';
import type { PlacementWorkflow } from '../../domain/placement.js';
import {
  activateEarlyUpdate,
  chooseRefundUpdate,
  chooseReplacementUpdate,
  extendGuaranteeUpdate,
  placementRecordedUpdate,
  releaseEarlyUpdate,
  replaceCollaboratorsUpdate,
  reportFailureUpdate,
  type PlacementCommand,
  type PlacementView,
} from '../../domain/placement.js';
import type { Role } from '../../domain/actors.js';
import { actorOf, partyScope, type AuthedActor } from '../auth.js';
import { historyDto, iso } from '../dto.js';
import { namesDal } from '../../db/dal/names.js';
import { conflict, forbidden, notFound, splitsLocked, unprocessable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { awaitWorkflow } from '../workflow-wait.js';
import {
  calculateSplitsBody,
  extendGuaranteeBody,
  extendPaymentBody,
  paymentChangesPageDto,
  paymentChangesQuery,
  placementCollaboratorsBody,
  placementCreateBody,
  placementDetailDto,
  type placementDto,
  placementListQuery,
  placementPageDto,
  replacementBody,
  splitCalculationDto,
} from './placements.schemas.js';
import { idParams, optionalReasonBody, reasonBody, WORKFLOW_WAIT_RESPONSES } from '../schemas/common.js';
import { payoutPresenter } from './payouts.js';

/** Who commands a placement, as the workflow's validators require. */
const COMPANY: Role[] = ['company_admin', 'platform_admin'];
const PLATFORM: Role[] = ['platform_admin'];
/** Who reads the fee invoice's details (its Stripe id and link, errors, the payment's audit): the company's users and platform admins. */
const INVOICE_READERS: Role[] = ['company_admin', 'hiring_manager', 'platform_admin'];

// Typed by their schemas, so a field the schema does not declare fails to compile.
type PlacementDetail = z.infer<typeof placementDetailDto>;
const toDto = (row: PlacementListRow): z.infer<typeof placementDto> => ({
  id: row.id,
  companyId: row.company_id,
  jobId: row.job_id,
  jobTitle: row.job_title,
  candidateId: row.candidate_id,
  candidateName: row.candidate_name,
  escrowStatus: row.escrow_status,
  feeCents: row.fee_cents,
  currency: row.currency,
  state: row.state,
  startDate: row.start_date,
  guaranteeDays: row.guarantee_days,
  guaranteeEndsAt: iso(row.guarantee_ends_at),
  holdbackBps: row.holdback_bps,
  platformFeeBps: row.platform_fee_bps,
  splitsLockedAt: iso(row.splits_locked_at),
  workflowId: row.workflow_id,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const escrowDto = (e: EscrowRow): NonNullable<PlacementDetail['escrow']> => ({
  amountCents: e.amount_cents,
  currency: e.currency,
  status: e.status,
  heldAt: e.held_at.toISOString(),
  settledAt: iso(e.settled_at),
  reason: e.reason,
});

const collaboratorDto = (c: Named<CollaboratorRow>): PlacementDetail['collaborators'][number] => ({
  id: c.id,
  recruiterId: c.recruiter_id,
  recruiterName: c.recruiter_name,
  role: c.role as CollaboratorRole,
  splitBps: c.split_bps,
});
/** The fee invoice as `viewer` may see it: recruiters get its status and amounts, not the invoice itself or its errors. */
const paymentDto = (p: PaymentRow, viewer: AuthedActor): NonNullable<PlacementDetail['money']['payment']> => {
  const details = INVOICE_READERS.includes(viewer.role);
  return {
    status: paymentStatusOf(toFeePayment(p), Date.now()),
    dueAt: iso(p.due_at),
    paidAt: iso(p.paid_at),
    paidOutOfBand: p.paid_out_of_band,
    amountCents: p.amount_cents,
    remindersSent: p.reminders_sent,
    lastPaymentError: details ? p.last_payment_error : null,
    hostedInvoiceUrl: details ? p.hosted_invoice_url : null,
    invoiceId: details ? p.stripe_invoice_id : null,
    refundState: p.refund_state,
    refundDueCents: p.refund_due_cents,
    refundBlockReason: details ? p.refund_block_reason : null,
  };
};

const paymentChangeDto =
  (people: Map<string, string>) =>
  (c: PaymentChangeRow): z.infer<typeof paymentChangesPageDto>['data'][number] => ({
    id: c.id,
    event: c.event,
    oldState: c.old_state,
    newState: c.new_state,
    actorUserId: c.actor_user_id,
    actorName: c.actor_user_id ? (people.get(c.actor_user_id) ?? null) : null,
    actorRole: c.actor_role,
    reason: c.reason,
    details: c.details,
    occurredAt: c.occurred_at.toISOString(),
  });

const placementHistoryDto =
  (people: Map<string, string>) =>
  (h: PlacementHistoryRow): PlacementDetail['history'][number] => ({ ...historyDto(h, people), details: h.details });

/**
 * Every collaborator's split in basis points: as given, or the default role weights when
 * none is given (the schema refuses a mix). Either way product §3.3's rules hold, else 422.
 */
function resolveSplits<C extends { role: CollaboratorRole; splitBps?: number }>(collaborators: C[]): (C & { splitBps: number })[] {
  const defaults = collaborators.every((c) => c.splitBps === undefined) ? defaultSplitBps(collaborators) : undefined;
  const resolved = collaborators.map((c, i) => ({ ...c, splitBps: defaults?.[i] ?? c.splitBps! }));
  const problems = splitProblems(resolved);
  if (problems.length) throw unprocessable('the splits break the split rules', 'invalid_splits', problems);
  return resolved;
}

/** Placement guarantee, escrow and collaborators (product §3.2, §3.3): reads from Postgres, commands through the workflow. */
export function placementRoutes({
  temporal,
  db,
  registry,
  taskQueue,
}: {
  temporal: Client;
  db: Db;
  registry: Operation[];
  taskQueue: string;
}): Router {
  const router = Router();
  const placements = placementsDal(db);
  const payouts = payoutsDal(db);
  const directory = directoryDal(db);
  const settings = settingsDal(db);
  const names = namesDal(db);
  const money = placementMoneyDal(db);
  const payments = paymentsDal(db);

  /** The placement if the actor may see it; otherwise 404, so other parties' placements stay invisible. */
  async function visiblePlacement(actor: AuthedActor, id: string) {
    const row = await placements.findVisible(id, partyScope(actor));
    if (!row) throw notFound('placement');
    return row;
  }

  async function detail(row: PlacementListRow, viewer: AuthedActor): Promise<PlacementDetail> {
    const [history, escrow, collaborators, payoutRows, payment, moved] = await Promise.all([
      placements.history(row.id),
      placements.escrow(row.id),
      payouts.namedCollaborators(row.id),
      payouts.ofPlacement(row.id),
      payments.find(row.id),
      money.payoutMoney(row.id),
    ]);
    const last = history[history.length - 1];
    const people = await names.people(history.map((e) => e.actor_user_id));
    return {
      ...toDto(row),
      // A reported failure waits for the company's answer (replacement or refund).
      failurePending: row.state === 'active' && (last?.details as { failureReported?: boolean } | null)?.failureReported === true,
      history: history.map(placementHistoryDto(people)),
      escrow: escrow ? escrowDto(escrow) : null,
      collaborators: collaborators.map(collaboratorDto),
      payouts: payoutRows.map(await payoutPresenter(payouts, payoutRows, viewer)),
      money: {
        currency: row.currency,
        ...placementMoney({
          feeCents: row.fee_cents,
          platformFeeBps: row.platform_fee_bps,
          payment: payment
            ? {
                state: payment.state,
                amountCents: payment.amount_cents,
                amountPaidCents: payment.amount_paid_cents,
                refundedCents: payment.refunded_cents,
              }
            : null,
          ...moved,
        }),
        payment: payment ? paymentDto(payment, viewer) : null,
      },
    };
  }

  /** The collaborators with their splits, once every recruiter exists (404) and the splits follow the rules (422). */
  async function collaboratorsOf<C extends { recruiterId: string; role: CollaboratorRole; splitBps?: number }>(collaborators: C[]) {
    const ids = [...new Set(collaborators.map((c) => c.recruiterId))];
    if ((await directory.recruiters(ids)).length !== ids.length) throw notFound('recruiter');
    return resolveSplits(collaborators).map(({ recruiterId, role, splitBps }) => ({ recruiterId, role, splitBps }));
  }

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/placements',
      summary: "Record a hire: the placement, its collaborators and the escrow hold (company admin of the job's company, platform admin)",
      body: placementCreateBody,
      roles: COMPANY,
      responses: {
        ...WORKFLOW_WAIT_RESPONSES,
        201: { description: 'Placement hired; its workflow is running', schema: placementDetailDto },
        403: { description: "Not an admin of the job's company" },
        404: { description: 'Job, candidate or recruiter not found' },
        409: { description: 'The candidate already has a live (not failed) placement for this job' },
        422: { description: 'The splits break the split rules (details list the problems)' },
      },
    },
    async ({ body, req, res }) => {
      const actor = actorOf(res);
      const [job, candidate] = await Promise.all([directory.job(body.jobId), directory.candidate(body.candidateId)]);
      if (!job) throw notFound('job');
      if (!candidate) throw notFound('candidate');
      if (actor.role !== 'platform_admin' && job.company_id !== actor.companyId) throw forbidden('the job belongs to another company');
      const collaborators = await collaboratorsOf(body.collaborators);
      // Keyed ids make a retry whose first response was lost attach to the same workflow (USE_EXISTING).
      const key = req.header('idempotency-key');
      const placementId = key ? nameBasedUuid(`placement:${actor.userId}`, key) : randomUUID();
      // One live placement per candidate × job; the activity and a unique index decide a race.
      const live = await placements.findLive(candidate.id, job.id);
      if (live && live.id !== placementId)
        throw conflict('this candidate already has a live placement for this job', { placementId: live.id });
      // Start and wait for the record in one call, so a refusal is this request's answer.
      const workflowId = workflowIds.placement(placementId);
      await awaitWorkflow(temporal, res, workflowId, () =>
        temporal.workflow.executeUpdateWithStart(placementRecordedUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation<PlacementWorkflow>(WORKFLOW_TYPES.placement, {
            workflowId,
            taskQueue,
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [
              {
                placementId,
                companyId: job.company_id,
                jobId: job.id,
                candidateId: candidate.id,
                feeCents: body.feeCents,
                currency: body.currency,
                startDate: body.startDate,
                collaborators,
                actor,
              },
            ],
            typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.CompanyId, value: job.company_id }],
          }),
        }),
      );
      const row = await visiblePlacement(actor, placementId);
      return { status: 201, body: await detail(row, actor), headers: { Location: `/api/v1/placements/${placementId}` } };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/placements/calculate-splits',
      summary: "Preview the tranches, the platform fee and each collaborator's cents for a fee (writes nothing)",
      body: calculateSplitsBody,
      roles: ['company_admin', 'hiring_manager', 'platform_admin'],
      responses: {
        200: {
          description: "The activation and holdback tranches, the platform fee off each, and each collaborator's share of the rest",
          schema: splitCalculationDto,
        },
        404: { description: 'The job or placement is not found, or not one the caller may see or hire for' },
        422: { description: 'The splits break the split rules (details list the problems)' },
      },
    },
    async ({ body, res }) => {
      const actor = actorOf(res);
      // A recorded placement keeps its own terms; a job's company's apply to a hire for it (404 if the caller may not
      // hire for it); else the caller's company's (the marketplace's for a platform admin).
      let companyId = actor.companyId ?? null;
      if (body.jobId) {
        const job = await directory.job(body.jobId);
        if (!job || (actor.role !== 'platform_admin' && job.company_id !== actor.companyId)) throw notFound('job');
        companyId = job.company_id;
      }
      const placement = body.placementId ? await visiblePlacement(actor, body.placementId) : undefined;
      const terms = placement
        ? { holdbackBps: placement.holdback_bps, platformFeeBps: placement.platform_fee_bps }
        : await settings.placementTerms(companyId);
      const holdbackBps = body.holdbackPercent ?? terms.holdbackBps;
      const collaborators = resolveSplits(body.collaborators);
      const { activationCents, holdbackCents } = tranches(body.feeCents, holdbackBps);
      const bps = collaborators.map((c) => c.splitBps);
      const [activation, holdback] = [
        allocateTrancheWithFee(activationCents, bps, terms.platformFeeBps),
        allocateTrancheWithFee(holdbackCents, bps, terms.platformFeeBps),
      ];
      return {
        status: 200,
        body: {
          feeCents: body.feeCents,
          holdbackBps,
          activationCents,
          holdbackCents,
          platformFeeBps: terms.platformFeeBps,
          platformFee: {
            activationCents: activation.platformFeeCents,
            holdbackCents: holdback.platformFeeCents,
            totalCents: activation.platformFeeCents + holdback.platformFeeCents,
          },
          collaborators: collaborators.map((c, i) => ({
            role: c.role,
            splitBps: c.splitBps,
            splitPercent: bpsToPercent(c.splitBps),
            activationCents: activation.amounts[i]!,
            holdbackCents: holdback.amounts[i]!,
          })),
        },
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/placements',
      summary: 'Placements visible to the caller (company: its own; recruiter: where a collaborator), newest first',
      query: placementListQuery,
      responses: { 200: { description: 'A page of placements', schema: placementPageDto } },
    },
    async ({ query, res }) => {
      const rows = await placements.list({
        ...partyScope(actorOf(res)),
        states: query.state === undefined ? undefined : [query.state].flat(),
        escrowStatus: query.escrowStatus,
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, toDto) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/placements/:id',
      summary: 'A placement with its history, escrow, collaborators and payouts',
      params: idParams,
      responses: { 200: { description: 'The placement', schema: placementDetailDto }, 404: { description: 'Not found' } },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      return { status: 200, body: await detail(await visiblePlacement(actor, params.id), actor) };
    },
  );

  /**
   * One command: the right role (else 403, checked by route()), visible (else 404), then the update. The
   * workflow's validator re-checks against its own state: a late or invalid command gets 409.
   */
  function command<B, A extends object, R = PlacementView>(
    op: { method: 'post' | 'put'; path: string; summary: string; body: z.ZodType<B>; roles: Role[]; responses?: Operation['responses'] },
    update: UpdateDefinition<R, [PlacementCommand & NoInfer<A>]>,
    prepare: (body: B, placement: PlacementListRow) => A | Promise<A>,
  ) {
    route(
      router,
      registry,
      {
        method: op.method,
        path: `/placements/:id/${op.path}`,
        summary: op.summary,
        params: idParams,
        body: op.body,
        roles: op.roles,
        responses: {
          ...WORKFLOW_WAIT_RESPONSES,
          200: { description: 'The placement after the command', schema: placementDetailDto },
          403: { description: 'The caller may not issue this command' },
          404: { description: 'Not found' },
          409: { description: 'The placement is not in a state that allows this command' },
          ...op.responses,
        },
      },
      async ({ params, body, res }) => {
        const actor = actorOf(res);
        const row = await visiblePlacement(actor, params.id);
        const args = await prepare(body, row);
        await awaitWorkflow(temporal, res, row.workflow_id, () =>
          temporal.workflow.getHandle(row.workflow_id).executeUpdate(update, { args: [{ ...args, actor }] }),
        );
        return { status: 200, body: await detail(await visiblePlacement(actor, params.id), actor) };
      },
    );
  }

  const asGiven = <B>(body: B) => body;
  command(
    {
      method: 'post',
      path: 'activate',
      summary: 'Activate a hired placement before its start date',
      body: optionalReasonBody,
      roles: COMPANY,
    },
    activateEarlyUpdate,
    asGiven,
  );
  command(
    {
      method: 'post',
      path: 'extend-guarantee',
      summary: 'Extend a running guarantee by 1–365 days (platform admin)',
      body: extendGuaranteeBody,
      roles: PLATFORM,
    },
    extendGuaranteeUpdate,
    asGiven,
  );
  command(
    { method: 'post', path: 'report-failure', summary: 'Report that the hire left inside the guarantee', body: reasonBody, roles: COMPANY },
    reportFailureUpdate,
    asGiven,
  );
  command(
    {
      method: 'post',
      path: 'replacement',
      summary: 'Answer a reported failure with a replacement candidate (the guarantee restarts)',
      body: replacementBody,
      roles: COMPANY,
    },
    chooseReplacementUpdate,
    async (body, placement) => {
      if (!(await directory.candidate(body.candidateId))) throw notFound('candidate');
      const live = await placements.findLive(body.candidateId, placement.job_id);
      if (live && live.id !== placement.id)
        throw conflict('the replacement already has a live placement for this job', { placementId: live.id });
      return body;
    },
  );
  command(
    {
      method: 'post',
      path: 'refund',
      summary: 'Answer a reported failure with a refund of the escrow',
      body: optionalReasonBody,
      roles: COMPANY,
    },
    chooseRefundUpdate,
    asGiven,
  );
  command(
    {
      method: 'post',
      path: 'release-early',
      summary: 'Release the escrow before the guarantee ends (platform admin)',
      body: reasonBody,
      roles: PLATFORM,
    },
    releaseEarlyUpdate,
    asGiven,
  );
  command(
    {
      method: 'put',
      path: 'collaborators',
      summary: 'Replace the collaborators and their splits before the first payout locks them',
      body: placementCollaboratorsBody,
      roles: COMPANY,
      responses: { 422: { description: 'The splits do not add up to 100% (invalid_splits)' } },
    },
    replaceCollaboratorsUpdate,
    async (body, placement) => {
      if (placement.splits_locked_at) throw splitsLocked();
      return { collaborators: await collaboratorsOf(body.collaborators) };
    },
  );

  // The fee invoice (product §3.3, "Collecting the fee"): platform admins act on it; each step is audited in payment_changes.
  const PAYMENT_REFUSALS: Operation['responses'] = {
    409: { description: 'The payment is not in a state that allows this command (e.g. already paid, void, or no refund blocked)' },
    422: { description: 'The command breaks a payment rule' },
  };
  command(
    {
      method: 'post',
      path: 'payment/mark-paid',
      summary: 'Record that the company paid the fee outside Stripe (platform admin)',
      body: reasonBody,
      roles: PLATFORM,
      responses: PAYMENT_REFUSALS,
    },
    markFeePaidUpdate,
    asGiven,
  );
  command(
    {
      method: 'post',
      path: 'payment/extend',
      summary: 'Give the company 1–90 more days to pay the fee invoice (platform admin)',
      body: extendPaymentBody,
      roles: PLATFORM,
      responses: PAYMENT_REFUSALS,
    },
    extendPaymentDueUpdate,
    asGiven,
  );
  command(
    {
      method: 'post',
      path: 'payment/void',
      summary: 'Void the fee invoice: the fee will not be collected and nothing more is paid out (platform admin)',
      body: reasonBody,
      roles: PLATFORM,
      responses: PAYMENT_REFUSALS,
    },
    voidFeeUpdate,
    asGiven,
  );
  command(
    {
      method: 'post',
      path: 'refund/retry',
      summary: "Retry the company's refund Stripe refused (platform admin)",
      body: optionalReasonBody,
      roles: PLATFORM,
      responses: PAYMENT_REFUSALS,
    },
    retryRefundUpdate,
    asGiven,
  );
  command(
    {
      method: 'post',
      path: 'refund/cancel',
      summary: "Give up the company's refund Stripe refused: settled outside, or not owed after all (platform admin)",
      body: reasonBody,
      roles: PLATFORM,
      responses: PAYMENT_REFUSALS,
    },
    cancelRefundUpdate,
    asGiven,
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/placements/:id/payment/history',
      summary:
        "The fee payment's audit: invoice, payments, reminders, admin actions, refund; newest first (the company's users, platform admin)",
      params: idParams,
      query: paymentChangesQuery,
      roles: INVOICE_READERS,
      responses: {
        200: { description: 'A page of payment changes (empty before money in)', schema: paymentChangesPageDto },
        403: { description: 'Recruiters see the payment on the placement, not its audit' },
        404: { description: "No such placement in the caller's company" },
      },
    },
    async ({ params, query, res }) => {
      const row = await visiblePlacement(actorOf(res), params.id);
      const rows = await money.changes(row.id, { before: decodeCursor(query.cursor, 'serial'), limit: query.limit + 1 });
      const people = await names.people(rows.map((r) => r.actor_user_id));
      return { status: 200, body: page(rows, query.limit, paymentChangeDto(people), 'occurred_at') };
    },
  );

  return router;
}
