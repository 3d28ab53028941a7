import { z } from 'zod';
import { EXTENSION_DAYS, REASON_MAX_LENGTH } from '../../domain/limits.js';

// The pieces every route's schemas share: ids, pages, free text and its limits, money, the error shape.
// Each route's own request and response schemas sit beside it (api/routes/<name>.schemas.ts).

export const uuid = z.uuid();
export const idParams = z.strictObject({ id: uuid });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
};

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/** Text a caller types: trimmed, not empty, at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max);

/** Why a command was given (decline, cancel, override, extend…): one rule for every command. */
export const reason = text(REASON_MAX_LENGTH);
/** Command bodies: a reason that may be given, or must be. */
export const optionalReasonBody = z.strictObject({ reason: reason.optional() });
export const reasonBody = z.strictObject({ reason });

/** How far a window (protection, guarantee) may be extended at once. */
export const extensionDays = z.int().min(EXTENSION_DAYS.min).max(EXTENSION_DAYS.max);

/** Money out: a whole number of cents, never negative. */
export const cents = z.int().nonnegative();

/** The product §4 error shape every 4xx and 5xx answer has (api/errors.ts builds it). */
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** The answer to a provider's webhook delivery. */
export const webhookAckDto = z.object({ received: z.literal(true), ignored: z.literal(true).optional() });

/** Declared by every operation that waits on a workflow's answer (api/workflow-wait.ts). */
export const WORKFLOW_WAIT_RESPONSES = {
  504: { description: 'The workflow did not answer in time (workflow_timeout, with its workflowId); the command may still take effect' },
} as const;
