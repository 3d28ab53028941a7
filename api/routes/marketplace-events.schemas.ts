import { z } from 'zod';
import { pageOf, pageQuery, text, uuid } from '../schemas/common.js';

// Marketplace events (product §3.4).
export const marketplaceEventListQuery = z.strictObject({
  ...pageQuery,
  type: text(100).optional(),
  candidateId: uuid.optional(),
});

export const marketplaceEventDto = z.object({
  id: z.int(),
  type: z.string(),
  candidateId: uuid.nullable(),
  candidateName: z.string().nullable(),
  recruiterId: uuid.nullable(),
  recruiterName: z.string().nullable(),
  actorUserId: uuid.nullable(),
  /** Who acted, by name; null for the system (a timer, a workflow) or a user the directory does not know. */
  actorName: z.string().nullable(),
  actorRole: z.string(),
  details: z.unknown(),
  /** What the ids inside `details` name (the owner, a job, a recruiter), id → name or title. */
  detailNames: z.record(z.string(), z.string()),
  occurredAt: z.iso.datetime(),
});
export const marketplaceEventPageDto = pageOf(marketplaceEventDto);
