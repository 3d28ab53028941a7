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
  recruiterId: uuid.nullable(),
  actorUserId: uuid.nullable(),
  actorRole: z.string(),
  details: z.unknown(),
  occurredAt: z.iso.datetime(),
});
export const marketplaceEventPageDto = pageOf(marketplaceEventDto);
