import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { Router } from 'express';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Db } from '../../lib/db.js';
import { nameBasedUuid } from '../../lib/ids.js';
import { applicationsDal } from '../../db/dal/applications.js';
import { directoryDal } from '../../db/dal/directory.js';
import { jobRecruitersDal } from '../../db/dal/job-recruiters.js';
import { proposalsDal, type ProposalView } from '../../db/dal/proposals.js';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import type { ProposalWorkflow } from '../../domain/proposal.js';
import { PROPOSAL_COMMAND_UPDATES, proposalRecordedUpdate } from '../../domain/proposal.js';
import { type ProposalCommand, checkCommand, mayView } from '../../domain/proposal.js';
import { actorOf, type AuthedActor } from '../auth.js';
import { historyDto, iso } from '../dto.js';
import { namesDal } from '../../db/dal/names.js';
import { conflict, forbidden, notFound, unprocessable } from '../errors.js';
import { protectionGuard } from '../protection.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { awaitWorkflow } from '../workflow-wait.js';
import {
  proposalCommandBody,
  proposalCreateBody,
  proposalDetailDto,
  type proposalDto,
  proposalListQuery,
  proposalPageDto,
} from './proposals.schemas.js';
import { idParams, WORKFLOW_WAIT_RESPONSES } from '../schemas/common.js';

function toDto(row: ProposalView, applicationId: string | null = null): z.infer<typeof proposalDto> {
  return {
    id: row.id,
    candidateId: row.candidate_id,
    candidateName: row.candidate_name,
    jobId: row.job_id,
    jobTitle: row.job_title,
    companyId: row.company_id,
    companyName: row.company_name,
    recruiterId: row.recruiter_id,
    recruiterName: row.recruiter_name,
    pitch: row.pitch,
    state: row.state,
    decisionDeadline: row.decision_deadline.toISOString(),
    reminderAt: iso(row.reminder_at),
    decidedAt: iso(row.decided_at),
    decisionReason: row.decision_reason,
    applicationId,
    workflowId: row.workflow_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const COMMANDS: ProposalCommand[] = ['review', 'accept', 'decline', 'withdraw'];

/** Proposal lifecycle endpoints (product §3.1): reads from Postgres, commands through the workflow. */
export function proposalRoutes({
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
  const proposals = proposalsDal(db);
  const applications = applicationsDal(db);
  const directory = directoryDal(db);
  const jobRecruiters = jobRecruitersDal(db);
  const refuseIfProtected = protectionGuard({ temporal, db });
  const names = namesDal(db);

  /** The proposal if the actor may see it; otherwise 404, so other companies' proposals stay invisible. */
  async function visibleProposal(actor: AuthedActor, id: string) {
    const row = await proposals.viewById(id);
    if (!row || !mayView(actor, { companyId: row.company_id, recruiterId: row.recruiter_id })) throw notFound('proposal');
    return row;
  }

  async function detail(row: ProposalView): Promise<z.infer<typeof proposalDetailDto>> {
    const [history, application] = await Promise.all([proposals.history(row.id), applications.findByProposal(row.id)]);
    const people = await names.people(history.map((e) => e.actor_user_id));
    return { ...toDto(row, application?.id ?? null), history: history.map((e) => historyDto(e, people)) };
  }

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/proposals',
      summary: 'Propose a candidate for a job (recruiter)',
      body: proposalCreateBody,
      roles: ['recruiter'],
      responses: {
        ...WORKFLOW_WAIT_RESPONSES,
        201: { description: 'Proposal created; its workflow is running', schema: proposalDetailDto },
        404: { description: 'Candidate or job not found' },
        409: { description: 'An open or accepted proposal for this candidate and job exists' },
        422: { description: "The job is not open (job_not_open), or the candidate's data was erased (candidate_erased)" },
      },
    },
    async ({ body, req, res }) => {
      const actor = actorOf(res);
      if (!actor.recruiterId) throw forbidden('this user has no recruiter profile');
      const [job, candidate] = await Promise.all([directory.job(body.jobId), directory.candidate(body.candidateId)]);
      // A job its company does not share with the marketplace is not one a recruiter may see,
      // unless they hold it or its holder shared it with them (product §3.8).
      if (!job || !(await jobRecruiters.recruiterSees(job, actor.recruiterId))) throw notFound('job');
      if (!candidate) throw notFound('candidate');
      if (candidate.erased_at)
        throw unprocessable("this candidate's personal data was erased; they cannot be proposed", 'candidate_erased');
      // Paused and closed jobs take no proposals.
      if (job.status !== 'open') throw unprocessable('the job is not open', 'job_not_open');
      // With an Idempotency-Key the id comes from the key: a retry whose first response was
      // lost attaches to the same workflow (USE_EXISTING) instead of creating another.
      const key = req.header('idempotency-key');
      const proposalId = key ? nameBasedUuid(`proposal:${actor.userId}`, key) : randomUUID();
      await refuseIfProtected(req, actor, body.candidateId, { jobId: body.jobId });
      const live = await proposals.findLive(body.candidateId, body.jobId);
      if (live && live.id !== proposalId) {
        throw conflict(`this candidate already has ${live.state === 'accepted' ? 'an accepted' : 'an open'} proposal for this job`, {
          proposalId: live.id,
        });
      }
      const workflowId = workflowIds.proposal(proposalId);
      const recruiterId = actor.recruiterId;
      // Start and wait for the record in one call, so a refusal (e.g. a lost duplicate race) is this request's answer.
      await awaitWorkflow(temporal, res, workflowId, () =>
        temporal.workflow.executeUpdateWithStart(proposalRecordedUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation<ProposalWorkflow>(WORKFLOW_TYPES.proposal, {
            workflowId,
            taskQueue,
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [
              { proposalId, candidateId: candidate.id, jobId: job.id, companyId: job.company_id, recruiterId, pitch: body.pitch, actor },
            ],
            typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.CompanyId, value: job.company_id }],
          }),
        }),
      );
      const row = await proposals.viewById(proposalId);
      if (!row) throw new Error(`proposal ${proposalId} missing after its workflow recorded it`);
      return { status: 201, body: await detail(row), headers: { Location: `/api/v1/proposals/${proposalId}` } };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/proposals',
      summary: 'List proposals visible to the caller, newest first',
      query: proposalListQuery,
      responses: { 200: { description: 'A page of proposals', schema: proposalPageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      // Recruiters see their own, company users their company's; only admins choose freely.
      const scope =
        actor.role === 'recruiter'
          ? { recruiterId: actor.recruiterId ?? '00000000-0000-0000-0000-000000000000' }
          : actor.role === 'platform_admin'
            ? { recruiterId: query.recruiterId, companyId: query.companyId }
            : { companyId: actor.companyId ?? undefined, recruiterId: query.recruiterId };
      const rows = await proposals.list({
        ...scope,
        jobId: query.jobId,
        candidateId: query.candidateId,
        states: query.state === undefined ? undefined : [query.state].flat(),
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, (r) => toDto(r)) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/proposals/:id',
      summary: 'A proposal with its state history',
      params: idParams,
      responses: { 200: { description: 'The proposal', schema: proposalDetailDto }, 404: { description: 'Not found' } },
    },
    async ({ params, res }) => ({ status: 200, body: await detail(await visibleProposal(actorOf(res), params.id)) }),
  );

  for (const command of COMMANDS) {
    route(
      router,
      registry,
      {
        method: 'post',
        path: `/proposals/:id/${command}`,
        summary: `${command[0]!.toUpperCase()}${command.slice(1)} a proposal`,
        params: idParams,
        body: proposalCommandBody,
        roles: command === 'withdraw' ? ['recruiter'] : ['company_admin', 'hiring_manager'],
        responses: {
          ...WORKFLOW_WAIT_RESPONSES,
          200: { description: 'The proposal after the command', schema: proposalDetailDto },
          403: { description: 'The caller may not issue this command' },
          404: { description: 'Not found' },
          409: { description: 'The proposal is no longer in a state that allows this command' },
        },
      },
      async ({ params, body, res }) => {
        const actor = actorOf(res);
        const row = await visibleProposal(actor, params.id);
        const check = checkCommand(actor, command, { companyId: row.company_id, recruiterId: row.recruiter_id }, row.state);
        if (!check.ok) throw check.code === 'forbidden' ? forbidden(check.message) : conflict(check.message);
        // The workflow's validator re-checks against its own state: a late or racing command gets 409.
        await awaitWorkflow(temporal, res, row.workflow_id, () =>
          temporal.workflow
            .getHandle(row.workflow_id)
            .executeUpdate(PROPOSAL_COMMAND_UPDATES[command], { args: [{ actor, reason: body.reason }] }),
        );
        return { status: 200, body: await detail(await visibleProposal(actor, params.id)) };
      },
    );
  }

  return router;
}
