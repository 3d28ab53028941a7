import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { Router } from 'express';
import { workflowIds } from '../../domain/temporal.js';
import type { Client } from '@temporalio/client';
import type { Db } from '../../lib/db.js';
import { namesDal } from '../../db/dal/names.js';
import { automationDal, type ApprovalRow, type ExecutionRow, type RuleRow, type TaskRow } from '../../db/dal/automation.js';
import {
  TRIGGERS,
  describeAction,
  isHighImpact,
  ruleIssues,
  type AutomationAction,
  type Condition,
  type TriggerEvent,
} from '../../domain/automation-rules.js';
import { approveExecutionUpdate, rejectExecutionUpdate } from '../../domain/automation.js';
import { NOBODY, actorOf, type AuthedActor } from '../auth.js';
import { badRequest, forbidden, notFound, unprocessable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { awaitWorkflow } from '../workflow-wait.js';
import { idParams, WORKFLOW_WAIT_RESPONSES } from '../schemas/common.js';
import { mayDecide as mayDecideApproval } from '../../domain/approval-rules.js';
import {
  approvalDecisionBody,
  approvalDto,
  approvalListQuery,
  approvalPageDto,
  executionDetailDto,
  type executionDto,
  executionListQuery,
  executionPageDto,
  ruleCreateBody,
  ruleDto,
  ruleListQuery,
  rulePageDto,
  rulePatchBody,
  type taskDto,
  taskListQuery,
  taskPageDto,
} from './automation.schemas.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

// Typed by their schemas, so a field the schema does not declare fails to compile.
const ruleToDto = (r: RuleRow): z.infer<typeof ruleDto> => ({
  id: r.id,
  companyId: r.company_id,
  name: r.name,
  trigger: r.trigger_event,
  conditions: r.conditions,
  actions: r.actions,
  requiresApproval: r.requires_approval,
  approvalTimeoutHours: r.approval_timeout_hours,
  approverRole: r.approver_role,
  enabled: r.enabled,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});
const executionToDto = (e: ExecutionRow): z.infer<typeof executionDto> => ({
  id: e.id,
  ruleId: e.rule_id,
  companyId: e.company_id,
  trigger: e.trigger_event,
  entityType: e.entity_type,
  entityId: e.entity_id,
  status: e.status,
  conditionsMet: e.conditions_met,
  conditionTrace: e.condition_trace,
  actionsTaken: e.actions_taken,
  error: e.error,
  workflowId: e.workflow_id,
  createdAt: e.created_at.toISOString(),
  finishedAt: iso(e.finished_at),
  durationMs: e.duration_ms,
});
/** `people` names the deciders (namesDal.people). */
const approvalToDto = (a: ApprovalRow, people: Map<string, string>): z.infer<typeof approvalDto> => ({
  executionId: a.id,
  workflowId: workflowIds.automation(a.id, true),
  companyId: a.company_id,
  approverRole: a.approver_role,
  status: a.status,
  summary: a.summary,
  requestedAt: a.requested_at.toISOString(),
  expiresAt: a.expires_at.toISOString(),
  decidedByUserId: a.decided_by_user_id,
  decidedByName: people.get(a.decided_by_user_id ?? '') ?? null,
  decidedByRole: a.decided_by_role,
  comment: a.comment,
  decidedAt: iso(a.decided_at),
});
const taskToDto = (t: TaskRow): z.infer<typeof taskDto> => ({
  id: t.id,
  recruiterId: t.recruiter_id,
  companyId: t.company_id,
  title: t.title,
  entityType: t.entity_type,
  entityId: t.entity_id,
  dueAt: t.due_at.toISOString(),
  status: t.status,
  executionId: t.execution_id,
  createdAt: t.created_at.toISOString(),
});

interface RuleDraft {
  companyId: string | null;
  trigger: TriggerEvent;
  conditions: Condition | null;
  actions: AutomationAction[];
  requiresApproval?: boolean;
  approverRole: RuleRow['approver_role'];
}

/**
 * The checks a rule must pass beyond its shape: fields its trigger carries (400), and the
 * business rules (422) — high-impact actions wait for approval, and an approver must exist.
 */
function settleRule(draft: RuleDraft): boolean {
  const issues = ruleIssues(draft);
  if (issues.length) throw badRequest('the rule does not fit its trigger', issues);
  const highImpact = draft.actions.filter(isHighImpact);
  const requiresApproval = draft.requiresApproval ?? highImpact.length > 0;
  if (highImpact.length && !requiresApproval) {
    throw unprocessable(`high-impact actions need approval: ${highImpact.map(describeAction).join('; ')}`, 'approval_required');
  }
  const eventHasCompany = (TRIGGERS[draft.trigger] as readonly string[]).includes('companyId');
  if (requiresApproval && draft.approverRole !== 'platform_admin' && !draft.companyId && !eventHasCompany) {
    throw unprocessable(`${draft.trigger} belongs to no company, so only a platform admin can approve it`, 'approver_unavailable');
  }
  return requiresApproval;
}

/** Automation rules CRUD, executions, approvals inbox and recruiter tasks (product §3.5). */
export function automationRoutes({ temporal, db, registry }: { temporal: Client; db: Db; registry: Operation[] }): Router {
  const router = Router();
  const automation = automationDal(db);
  const names = namesDal(db);
  const approvalsToDto = async (rows: ApprovalRow[]) => {
    const people = await names.people(rows.map((a) => a.decided_by_user_id));
    return (a: ApprovalRow) => approvalToDto(a, people);
  };

  /** Rule admins: platform admins (any company) and company admins (their own). */
  const RULE_ADMINS = ['platform_admin', 'company_admin'] as const;
  const canSeeCompany = (actor: AuthedActor, companyId: string | null) =>
    actor.role === 'platform_admin' || (!!companyId && companyId === actor.companyId);
  const companyFilter = (actor: AuthedActor, asked?: string) => (actor.role === 'platform_admin' ? asked : (actor.companyId ?? NOBODY));

  async function ruleFor(actor: AuthedActor, id: string) {
    const rule = await automation.findRule(id);
    if (!rule || !canSeeCompany(actor, rule.company_id)) throw notFound('rule');
    return rule;
  }

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/automation/rules',
      summary: 'Create an automation rule (platform admin, or company admin for their company)',
      body: ruleCreateBody,
      roles: RULE_ADMINS,
      responses: {
        201: { description: 'The rule', schema: ruleDto },
        400: { description: 'Invalid rule, conditions or actions' },
        422: { description: 'High-impact actions without approval, or no possible approver' },
      },
    },
    async ({ body, res }) => {
      const actor = actorOf(res);
      if (actor.role === 'company_admin' && body.companyId && body.companyId !== actor.companyId)
        throw forbidden('company admins create rules for their own company');
      const companyId = actor.role === 'company_admin' ? actor.companyId! : (body.companyId ?? null);
      if (companyId && !(await automation.companyExists(companyId))) throw notFound('company');
      const draft = {
        ...body,
        companyId,
        trigger: body.trigger as TriggerEvent,
        conditions: body.conditions ?? null,
        actions: body.actions as AutomationAction[],
      };
      const requiresApproval = settleRule(draft);
      const now = new Date();
      const rule = await automation.insertRule({
        id: randomUUID(),
        company_id: companyId,
        name: body.name,
        trigger_event: body.trigger,
        conditions: draft.conditions,
        actions: draft.actions,
        requires_approval: requiresApproval,
        approval_timeout_hours: body.approvalTimeoutHours,
        approver_role: body.approverRole,
        enabled: body.enabled,
        created_by_user_id: actor.userId,
        created_at: now,
        updated_at: now,
      });
      return { status: 201, body: ruleToDto(rule) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/automation/rules',
      summary: 'List automation rules, newest first',
      query: ruleListQuery,
      roles: RULE_ADMINS,
      responses: { 200: { description: 'A page of rules', schema: rulePageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const rows = await automation.listRules({
        companyId: companyFilter(actor, query.companyId),
        triggerEvent: query.trigger,
        enabled: query.enabled,
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, ruleToDto) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/automation/rules/:id',
      summary: 'One automation rule',
      params: idParams,
      roles: RULE_ADMINS,
      responses: { 200: { description: 'The rule', schema: ruleDto }, 404: { description: 'No such rule (or not yours)' } },
    },
    async ({ params, res }) => ({ status: 200, body: ruleToDto(await ruleFor(actorOf(res), params.id)) }),
  );

  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/automation/rules/:id',
      summary: 'Change a rule (running executions keep the rule they started with)',
      params: idParams,
      body: rulePatchBody,
      roles: RULE_ADMINS,
      responses: {
        200: { description: 'The changed rule', schema: ruleDto },
        400: { description: 'Invalid change' },
        404: { description: 'No such rule' },
        422: { description: 'Business rule' },
      },
    },
    async ({ params, body, res }) => {
      const rule = await ruleFor(actorOf(res), params.id);
      const draft = {
        companyId: rule.company_id,
        trigger: (body.trigger ?? rule.trigger_event) as TriggerEvent,
        conditions: body.conditions !== undefined ? body.conditions : rule.conditions,
        actions: (body.actions ?? rule.actions) as AutomationAction[],
        // A rule that asked for approval keeps asking unless the change says otherwise.
        requiresApproval: body.requiresApproval ?? (body.actions ? undefined : rule.requires_approval),
        approverRole: body.approverRole ?? rule.approver_role,
      };
      const requiresApproval = settleRule(draft);
      const updated = await automation.updateRule(rule.id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
        ...(body.approvalTimeoutHours !== undefined && { approval_timeout_hours: body.approvalTimeoutHours }),
        trigger_event: draft.trigger,
        conditions: draft.conditions,
        actions: draft.actions,
        requires_approval: requiresApproval,
        approver_role: draft.approverRole,
        updated_at: new Date(),
      });
      if (!updated) throw notFound('rule');
      return { status: 200, body: ruleToDto(updated) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'delete',
      path: '/automation/rules/:id',
      summary: 'Retire a rule (its executions stay on record)',
      params: idParams,
      roles: RULE_ADMINS,
      responses: { 200: { description: 'The retired rule', schema: ruleDto }, 404: { description: 'No such rule' } },
    },
    async ({ params, res }) => {
      const rule = await ruleFor(actorOf(res), params.id);
      const retired = await automation.updateRule(rule.id, { enabled: false, deleted_at: new Date(), updated_at: new Date() });
      if (!retired) throw notFound('rule');
      return { status: 200, body: ruleToDto(retired) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/automation/executions',
      summary: 'Automation executions, newest first, filtered by rule, status, date and entity',
      query: executionListQuery,
      roles: RULE_ADMINS,
      responses: { 200: { description: 'A page of executions', schema: executionPageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const rows = await automation.listExecutions({
        companyId: companyFilter(actor),
        ruleId: query.ruleId,
        status: query.status,
        entityType: query.entityType,
        entityId: query.entityId,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, executionToDto) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/automation/executions/:id',
      summary: 'One execution: the rule as it ran, what its conditions found, its approval and actions',
      params: idParams,
      responses: { 200: { description: 'The execution', schema: executionDetailDto }, 404: { description: 'No such execution' } },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const execution = await automation.findExecution(params.id);
      const approval = execution && (await automation.findApproval(execution.id));
      const visible =
        !!execution &&
        ((actor.role !== 'hiring_manager' && canSeeCompany(actor, execution.company_id)) || (!!approval && mayDecide(actor, approval)));
      if (!execution || !visible) throw notFound('execution');
      return {
        status: 200,
        body: {
          ...executionToDto(execution),
          rule: execution.rule_snapshot,
          approval: approval ? (await approvalsToDto([approval]))(approval) : null,
        },
      };
    },
  );

  // ---- approvals ----
  const APPROVERS = ['platform_admin', 'company_admin', 'hiring_manager'] as const;
  // The workflow's own rule (domain/approval-rules.ts), so the inbox and the update agree on who decides.
  const mayDecide = (actor: AuthedActor, a: ApprovalRow) =>
    mayDecideApproval(actor, { approverRole: a.approver_role, companyId: a.company_id });

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/approvals',
      summary: 'My approvals inbox: requests waiting for my role (pending by default), newest first',
      query: approvalListQuery,
      roles: APPROVERS,
      responses: { 200: { description: 'A page of approval requests', schema: approvalPageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const rows = await automation.listApprovals({
        status: query.status,
        ...(actor.role !== 'platform_admin' && {
          approverRole: actor.role as ApprovalRow['approver_role'],
          companyId: actor.companyId ?? NOBODY,
        }),
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, await approvalsToDto(rows), 'requested_at') };
    },
  );

  for (const [verb, update] of [
    ['approve', approveExecutionUpdate],
    ['reject', rejectExecutionUpdate],
  ] as const) {
    route(
      router,
      registry,
      {
        method: 'post',
        path: `/approvals/:id/${verb}`,
        summary: `${verb === 'approve' ? 'Approve (the actions run)' : 'Reject (nothing is done)'} a pending automation`,
        params: idParams,
        body: approvalDecisionBody,
        roles: APPROVERS,
        responses: {
          ...WORKFLOW_WAIT_RESPONSES,
          200: { description: 'The approval after the decision', schema: approvalDto },
          403: { description: 'Not the approver role of this company' },
          404: { description: 'No such approval' },
          409: { description: 'Already decided, or expired' },
        },
      },
      async ({ params, body, res }) => {
        const actor = actorOf(res);
        const approval = await automation.findApproval(params.id);
        if (!approval || !(canSeeCompany(actor, approval.company_id) || mayDecide(actor, approval))) throw notFound('approval');
        const execution = (await automation.findExecution(approval.id))!;
        // The workflow's validator decides: role, company, still pending, not expired.
        await awaitWorkflow(temporal, res, execution.workflow_id, () =>
          temporal.workflow.getHandle(execution.workflow_id).executeUpdate(update, { args: [{ actor, comment: body.comment }] }),
        );
        const decided = (await automation.findApproval(approval.id))!;
        return { status: 200, body: (await approvalsToDto([decided]))(decided) };
      },
    );
  }

  // ---- tasks ----
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/tasks',
      summary: 'Recruiter tasks created by automation (recruiters: their own), newest first',
      query: taskListQuery,
      roles: ['recruiter', 'platform_admin'],
      responses: { 200: { description: 'A page of tasks', schema: taskPageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      if (actor.role === 'recruiter' && query.recruiterId && query.recruiterId !== actor.recruiterId)
        throw forbidden('recruiters see their own tasks');
      const rows = await automation.listTasks({
        recruiterId: actor.role === 'recruiter' ? (actor.recruiterId ?? NOBODY) : query.recruiterId,
        status: query.status,
        before: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, taskToDto) };
    },
  );

  return router;
}
