import { z } from 'zod';
import { DECISION_SOURCES } from '../../domain/automation.js';
import { pageOf, pageQuery, reason, text, uuid } from '../schemas/common.js';

// AI decisions and human overrides (product §3.5).
export const DECISION_ENTITY_TYPES = ['application', 'proposal', 'placement', 'job', 'candidate'] as const;
const decisionEntityType = z.enum(DECISION_ENTITY_TYPES);

export const aiDecisionBody = z.strictObject({
  entityType: decisionEntityType,
  entityId: uuid,
  decisionType: text(100),
  /** What the model suggests, e.g. "advance" or "reject". */
  outcome: text(200),
  confidence: z.number().min(0).max(1),
  reasoning: text(5000),
  modelVersion: text(200),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const decisionOverrideBody = z.strictObject({ outcome: text(200), reason });

export const decisionListQuery = z.strictObject({
  ...pageQuery,
  entityType: text(50).optional(),
  entityId: text(100).optional(),
  decisionType: text(100).optional(),
  source: z.enum(DECISION_SOURCES).optional(),
  minConfidence: z.coerce.number().min(0).max(1).optional(),
  maxConfidence: z.coerce.number().min(0).max(1).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export const decisionExportQuery = decisionListQuery
  .omit({ limit: true, cursor: true })
  .extend({ format: z.enum(['csv', 'json']).default('json') });

const decisionCore = z.object({
  id: z.int(),
  entityType: z.string(),
  entityId: z.string(),
  decisionType: z.string(),
  outcome: z.string().nullable(),
  source: z.enum(DECISION_SOURCES),
  confidence: z.number().nullable(),
  reasoning: z.string().nullable(),
  modelVersion: z.string().nullable(),
  actorUserId: uuid.nullable(),
  /** Who decided, by name; null for the system or a user the directory does not know. */
  actorName: z.string().nullable(),
  actorRole: z.string(),
  companyId: uuid.nullable(),
  companyName: z.string().nullable(),
  overridesDecisionId: z.int().nullable(),
  details: z.unknown(),
  occurredAt: z.iso.datetime(),
});
export const decisionDto = decisionCore.extend({ override: decisionCore.nullable() });
export const decisionPageDto = pageOf(decisionDto);
