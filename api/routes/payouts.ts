import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { SplitState } from '../../activities/db/payouts.js';
import type { Db } from '../../lib/db.js';
import { payoutsDal, type Named, type PayoutRow, type SplitRow } from '../../db/dal/payouts.js';
import { cancelSplitUpdate, changeSplitAccountUpdate, retrySplitUpdate, type SplitCommand } from '../../domain/payout.js';
import { actorOf, partyScope, type AuthedActor } from '../auth.js';
import { notFound } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { awaitWorkflow } from '../workflow-wait.js';
import { idParams, optionalReasonBody, reasonBody, WORKFLOW_WAIT_RESPONSES } from '../schemas/common.js';
import { changeSplitAccountBody, payoutDto, payoutListQuery, payoutPageDto, splitParams } from './payouts.schemas.js';

type Payouts = ReturnType<typeof payoutsDal>;

/**
 * Whose payment details a viewer may read: a recruiter their own split's (account, transfer,
 * block reason), a platform admin every split's (they resolve blocked ones). Co-collaborators
 * and company users see each split's amount and status only.
 */
const maySeeDetails = (viewer: AuthedActor, s: SplitRow) =>
  viewer.role === 'platform_admin' || (viewer.role === 'recruiter' && viewer.recruiterId === s.recruiter_id);

const splitDto = (s: Named<SplitRow>, viewer: AuthedActor): z.infer<typeof payoutDto>['splits'][number] => {
  const own = maySeeDetails(viewer, s);
  return {
    id: s.id,
    collaboratorId: s.collaborator_id,
    recruiterId: s.recruiter_id,
    recruiterName: s.recruiter_name,
    amountCents: s.amount_cents,
    stripeAccountId: own ? s.stripe_account_id : null,
    transferAttempt: s.transfer_attempt,
    status: s.status,
    stripeTransferId: own ? s.stripe_transfer_id : null,
    reversedCents: s.reversed_cents,
    blockReason: own ? s.block_reason : null,
    updatedAt: s.updated_at.toISOString(),
  };
};

/** A mapper of these payouts to their DTOs as `viewer` may see them, each with its splits (read in one query for all of them). */
export async function payoutPresenter(payouts: Payouts, rows: PayoutRow[], viewer: AuthedActor) {
  const splits = await payouts.splitsByPayout(rows.map((r) => r.id));
  return (p: PayoutRow): z.infer<typeof payoutDto> => ({
    id: p.id,
    placementId: p.placement_id,
    tranche: p.tranche,
    amountCents: p.amount_cents,
    platformFeeCents: p.platform_fee_cents,
    currency: p.currency,
    status: p.status,
    workflowId: p.workflow_id,
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
    splits: (splits.get(p.id) ?? []).map((s) => splitDto(s, viewer)),
  });
}

/** Split payouts (product §3.3): reads from Postgres; a platform admin resolves blocked splits through the payout workflow. */
export function payoutRoutes({ temporal, db, registry }: { temporal: Client; db: Db; registry: Operation[] }): Router {
  const router = Router();
  const payouts = payoutsDal(db);

  /** The payout if the actor may see it; otherwise 404. */
  async function visiblePayout(actor: AuthedActor, id: string) {
    const row = await payouts.findVisible(id, partyScope(actor));
    if (!row) throw notFound('payout');
    return row;
  }

  const detail = async (row: PayoutRow, viewer: AuthedActor) => (await payoutPresenter(payouts, [row], viewer))(row);

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/payouts',
      summary: 'Payouts visible to the caller with their splits, newest first (status=blocked: those waiting for an admin)',
      query: payoutListQuery,
      responses: { 200: { description: 'A page of payouts', schema: payoutPageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const rows = await payouts.list({
        ...partyScope(actor),
        status: query.status,
        placementId: query.placementId,
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, await payoutPresenter(payouts, rows, actor)) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/payouts/:id',
      summary: 'A payout with its splits',
      params: idParams,
      responses: { 200: { description: 'The payout', schema: payoutDto }, 404: { description: 'Not found' } },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      return { status: 200, body: await detail(await visiblePayout(actor, params.id), actor) };
    },
  );

  /** An admin's answer to a blocked split; the payout workflow's validator has the last word (409 if not blocked). */
  function splitAction<B extends object>(
    action: string,
    summary: string,
    body: z.ZodType<B>,
    update: UpdateDefinition<SplitState, [SplitCommand & NoInfer<B>]>,
  ) {
    route(
      router,
      registry,
      {
        method: 'post',
        path: `/payouts/:id/splits/:splitId/${action}`,
        summary,
        params: splitParams,
        body,
        roles: ['platform_admin'],
        responses: {
          ...WORKFLOW_WAIT_RESPONSES,
          200: { description: 'The payout after the action', schema: payoutDto },
          403: { description: 'Only a platform admin resolves blocked splits' },
          404: { description: 'Payout or split not found' },
          409: { description: 'The split is not blocked' },
        },
      },
      async ({ params, body, res }) => {
        const actor = actorOf(res);
        const payout = await visiblePayout(actor, params.id);
        const split = await payouts.findSplit(params.splitId);
        if (split?.payout_id !== payout.id) throw notFound('split');
        await awaitWorkflow(temporal, res, payout.workflow_id, () =>
          temporal.workflow.getHandle(payout.workflow_id).executeUpdate(update, { args: [{ ...body, splitId: split.id, actor }] }),
        );
        return { status: 200, body: await detail(await visiblePayout(actor, params.id), actor) };
      },
    );
  }

  splitAction('retry', 'Retry a blocked split (platform admin)', optionalReasonBody, retrySplitUpdate);
  splitAction(
    'change-account',
    "Pay a blocked split to another connected account, and (updateRecruiterAccount) make it the recruiter's for future payouts (platform admin)",
    changeSplitAccountBody,
    changeSplitAccountUpdate,
  );
  splitAction('cancel', 'Cancel a blocked split; a reason is required (platform admin)', reasonBody, cancelSplitUpdate);

  return router;
}
