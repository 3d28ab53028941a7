import { z } from 'zod';
import { APPROVAL_STATUSES, APPROVER_ROLES, EXECUTION_STATUSES } from '../../domain/automation.js';
import {
  APPLICATION_STAGES,
  EMAIL_RECIPIENTS,
  EMAIL_TEMPLATES,
  TRIGGER_EVENTS,
  parseCondition,
  type Condition,
} from '../../domain/automation-rules.js';
import { pageOf, pageQuery, text, uuid } from '../schemas/common.js';

// Automation rules, executions, approvals and tasks (product §3.5).

/** The condition language, read by its own parser (clear messages, bounded depth); `null` = always. */
export const conditionSchema = z
  .unknown()
  .meta({
    description:
      'null, or {all|any: [condition…]}, {not: condition}, {field, op, value} with op in eq, neq, gt, gte, lt, lte, in, contains, exists',
  })
  .transform((value, ctx): Condition | null => {
    const { condition, issues } = parseCondition(value);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return condition;
  });

export const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('advance_stage'), stage: z.enum(APPLICATION_STAGES).exclude(['submitted', 'rejected', 'left']) }),
  z.strictObject({ type: z.literal('reject_application'), reason: text(500) }),
  z.strictObject({ type: z.literal('send_email'), template: z.enum(EMAIL_TEMPLATES), to: z.enum(EMAIL_RECIPIENTS) }),
  z.strictObject({ type: z.literal('create_task'), title: text(200), dueInDays: z.int().min(0).max(90).default(1) }),
]);

export const triggerEvent = z.enum(TRIGGER_EVENTS as [string, ...string[]]);
const approverRole = z.enum(APPROVER_ROLES);

const ruleFields = {
  name: text(200),
  trigger: triggerEvent,
  conditions: conditionSchema,
  actions: z.array(actionSchema).min(1).max(10),
  /** Defaults to "yes" when an action is high-impact (and cannot be "no" then). */
  requiresApproval: z.boolean(),
  approvalTimeoutHours: z.int().min(1).max(720),
  approverRole,
  enabled: z.boolean(),
};

export const ruleCreateBody = z.strictObject({
  ...ruleFields,
  /** Platform admins: a company's rule, or omitted for a marketplace-wide one. Company admins: their own company. */
  companyId: uuid.optional(),
  conditions: ruleFields.conditions.optional(),
  requiresApproval: ruleFields.requiresApproval.optional(),
  approvalTimeoutHours: ruleFields.approvalTimeoutHours.default(24),
  approverRole: approverRole.default('company_admin'),
  enabled: ruleFields.enabled.default(true),
});

export const rulePatchBody = z
  .strictObject({ ...ruleFields, conditions: ruleFields.conditions.optional() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

export const ruleListQuery = z.strictObject({
  ...pageQuery,
  trigger: triggerEvent.optional(),
  enabled: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  companyId: uuid.optional(),
});

export const ruleDto = z.object({
  id: uuid,
  companyId: uuid.nullable(),
  name: z.string(),
  trigger: z.string(),
  conditions: z.unknown(),
  actions: z.array(z.unknown()),
  requiresApproval: z.boolean(),
  approvalTimeoutHours: z.int(),
  approverRole,
  enabled: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const rulePageDto = pageOf(ruleDto);

const executionStatus = z.enum(EXECUTION_STATUSES);
const approvalStatus = z.enum(APPROVAL_STATUSES);

export const executionListQuery = z.strictObject({
  ...pageQuery,
  ruleId: uuid.optional(),
  status: executionStatus.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  entityType: text(50).optional(),
  entityId: uuid.optional(),
});

export const approvalDto = z.object({
  executionId: uuid,
  /** The `approval-…` workflow waiting for the decision. */
  workflowId: z.string(),
  companyId: uuid.nullable(),
  approverRole,
  status: approvalStatus,
  summary: z.unknown(),
  requestedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  decidedByUserId: uuid.nullable(),
  /** Who decided, by name; null while pending, for the system (an expiry) or a user the directory does not know. */
  decidedByName: z.string().nullable(),
  decidedByRole: z.string().nullable(),
  comment: z.string().nullable(),
  decidedAt: z.iso.datetime().nullable(),
});
export const approvalPageDto = pageOf(approvalDto);

export const executionDto = z.object({
  id: uuid,
  ruleId: uuid,
  companyId: uuid.nullable(),
  trigger: z.string(),
  entityType: z.string(),
  entityId: uuid,
  status: executionStatus,
  conditionsMet: z.boolean().nullable(),
  conditionTrace: z.unknown(),
  actionsTaken: z.array(z.unknown()),
  error: z.string().nullable(),
  workflowId: z.string(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  durationMs: z.int().nullable(),
});
export const executionDetailDto = executionDto.extend({ rule: z.unknown(), approval: approvalDto.nullable() });
export const executionPageDto = pageOf(executionDto);

export const approvalListQuery = z.strictObject({ ...pageQuery, status: approvalStatus.default('pending') });
export const approvalDecisionBody = z.strictObject({ comment: text(2000).optional() });

export const taskListQuery = z.strictObject({ ...pageQuery, status: z.enum(['open', 'done']).optional(), recruiterId: uuid.optional() });
export const taskDto = z.object({
  id: uuid,
  recruiterId: uuid,
  companyId: uuid.nullable(),
  title: z.string(),
  entityType: z.string(),
  entityId: uuid,
  dueAt: z.iso.datetime(),
  status: z.enum(['open', 'done']),
  executionId: uuid.nullable(),
  createdAt: z.iso.datetime(),
});
export const taskPageDto = pageOf(taskDto);
