import { Router } from 'express';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Db } from '../../lib/db.js';
import { directoryDal } from '../../db/dal/directory.js';
import { sourcingDal } from '../../db/dal/sourcing.js';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import type { ProtectionWorkflow } from '../../domain/protection.js';
import {
  claimCandidateUpdate,
  extendProtectionUpdate,
  overrideAttributionUpdate,
  releaseProtectionUpdate,
} from '../../domain/protection.js';
import { actorOf, type AuthedActor } from '../auth.js';
import { conflict, forbidden, notFound } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';
import { awaitWorkflow } from '../workflow-wait.js';
import { sourcingView } from '../sourcing-view.js';
import { idParams, optionalReasonBody, WORKFLOW_WAIT_RESPONSES } from '../schemas/common.js';
import { claimBody, extendProtectionBody, overrideBody, sourcingDto } from './candidates.schemas.js';

const COMMAND_RESPONSES = {
  ...WORKFLOW_WAIT_RESPONSES,
  200: { description: 'The sourcing status after the command', schema: sourcingDto },
  403: { description: 'The caller may not do this' },
  404: { description: 'Candidate not found or never sourced' },
  409: { description: 'The protection is not running' },
};

/** Candidate ownership (product §3.4): claims start the protection workflow; the rest reads Postgres or updates it. */
export function candidateRoutes({
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
  const sourcing = sourcingDal(db);
  const directory = directoryDal(db);

  async function sourced(candidateId: string) {
    const row = await sourcing.find(candidateId);
    if (!row) throw notFound('sourcing claim');
    return row;
  }

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/candidates/:id/source',
      summary: 'Claim a candidate as their sourcer (first claim wins; starts the protection window)',
      params: idParams,
      body: claimBody,
      roles: ['recruiter'],
      responses: {
        ...WORKFLOW_WAIT_RESPONSES,
        201: { description: 'Claimed; protected until protectionEndsAt', schema: sourcingDto },
        404: { description: 'Candidate not found' },
        409: { description: 'Already sourced by another recruiter' },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      if (!actor.recruiterId) throw forbidden('this user has no recruiter profile');
      if (!(await directory.candidate(params.id))) throw notFound('candidate');
      if (body.jobId && !(await directory.job(body.jobId))) throw notFound('job');
      // A finished protection keeps its first-touch sourcer; a running one decides in its workflow (which records the conflict).
      const existing = await sourcing.find(params.id);
      if (existing && existing.protection_state !== 'protected' && existing.recruiter_id !== actor.recruiterId) {
        throw conflict('this candidate has already been sourced by another recruiter');
      }
      // One workflow per candidate: concurrent claims meet in it and exactly one wins.
      const workflowId = workflowIds.protection(params.id);
      const recruiterId = actor.recruiterId;
      await awaitWorkflow(temporal, res, workflowId, () =>
        temporal.workflow.executeUpdateWithStart(claimCandidateUpdate, {
          args: [{ recruiterId, actor, jobId: body.jobId }],
          startWorkflowOperation: new WithStartWorkflowOperation<ProtectionWorkflow>(WORKFLOW_TYPES.protection, {
            workflowId,
            taskQueue,
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [{ candidateId: params.id }],
            typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.ProtectionState, value: 'unclaimed' }],
          }),
        }),
      );
      return { status: 201, body: sourcingView(params.id, await sourcing.findNamed(params.id), actor) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/candidates/:id/sourcing',
      summary: 'Sourcer and protection status (the owner is named only to them and to platform admins)',
      params: idParams,
      responses: { 200: { description: 'Sourcing status', schema: sourcingDto }, 404: { description: 'Candidate not found' } },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      if (!(await directory.candidate(params.id))) throw notFound('candidate');
      return { status: 200, body: sourcingView(params.id, await sourcing.findNamed(params.id), actor) };
    },
  );

  const commands = [
    {
      path: 'release',
      summary: 'Release the protection early (the sourcer)',
      roles: ['recruiter'],
      body: optionalReasonBody,
      update: releaseProtectionUpdate,
      args: (actor: AuthedActor, b: { reason?: string }) => ({ actor, reason: b.reason }),
    },
    {
      path: 'override',
      summary: 'Give the sourcing to another recruiter (platform admin, reason required)',
      roles: ['platform_admin'],
      body: overrideBody,
      update: overrideAttributionUpdate,
      args: (actor: AuthedActor, b: { recruiterId: string; reason: string }) => ({ actor, ...b }),
    },
    {
      path: 'extend',
      summary: 'Extend the protection window by 1–365 days (platform admin, reason required)',
      roles: ['platform_admin'],
      body: extendProtectionBody,
      update: extendProtectionUpdate,
      args: (actor: AuthedActor, b: { days: number; reason: string }) => ({ actor, ...b }),
    },
  ] as const;

  for (const c of commands) {
    route(
      router,
      registry,
      {
        method: 'post',
        path: `/candidates/:id/source/${c.path}`,
        summary: c.summary,
        params: idParams,
        body: c.body,
        roles: c.roles,
        responses: COMMAND_RESPONSES,
      },
      async ({ params, body, res }) => {
        const actor = actorOf(res);
        const row = await sourced(params.id);
        if (c.path === 'override' && !(await directory.recruiter((body as { recruiterId: string }).recruiterId)))
          throw notFound('recruiter');
        // The workflow's validators decide who may and whether the window is still running (403/409).
        await awaitWorkflow(temporal, res, row.workflow_id, () =>
          temporal.workflow.getHandle(row.workflow_id).executeUpdate(c.update, { args: [c.args(actor, body as never)] as never }),
        );
        return { status: 200, body: sourcingView(params.id, await sourcing.findNamed(params.id), actor) };
      },
    );
  }

  return router;
}
