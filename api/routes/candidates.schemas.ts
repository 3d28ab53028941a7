import { z } from 'zod';
import { extensionDays, reason, uuid } from '../schemas/common.js';

export const claimBody = z.strictObject({ jobId: uuid.optional() });
export const overrideBody = z.strictObject({ recruiterId: uuid, reason });
export const extendProtectionBody = z.strictObject({ days: extensionDays, reason });
export const sourcingDto = z.object({
  candidateId: uuid,
  state: z.enum(['unclaimed', 'protected', 'released', 'expired']),
  /** The sourcer: shown to the sourcer and platform admins; null for everyone else (owner-neutral). */
  recruiterId: uuid.nullable(),
  ownedByYou: z.boolean(),
  claimedAt: z.iso.datetime().nullable(),
  protectionEndsAt: z.iso.datetime().nullable(),
  protectedNow: z.boolean(),
  workflowId: z.string().nullable(),
});
