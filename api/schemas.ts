import { z } from 'zod';
import { PROPOSAL_STATES } from '../db/migrations/001_foundation.js';

export const uuid = z.uuid();
export const proposalState = z.enum(PROPOSAL_STATES);

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
};

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const proposalCreateBody = z.strictObject({
  candidateId: uuid,
  jobId: uuid,
  pitch: z.string().trim().min(1).max(5000),
});

export const proposalCommandBody = z.strictObject({
  reason: z.string().trim().min(1).max(2000).optional(),
});

export const proposalListQuery = z.strictObject({
  ...pageQuery,
  state: z.union([proposalState, z.array(proposalState)]).optional(),
  jobId: uuid.optional(),
  candidateId: uuid.optional(),
  companyId: uuid.optional(),
  recruiterId: uuid.optional(),
});

export const proposalDto = z.object({
  id: uuid,
  candidateId: uuid,
  candidateName: z.string(),
  jobId: uuid,
  jobTitle: z.string(),
  companyId: uuid,
  recruiterId: uuid,
  recruiterName: z.string(),
  pitch: z.string(),
  state: proposalState,
  decisionDeadline: z.iso.datetime(),
  reminderAt: z.iso.datetime().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  decisionReason: z.string().nullable(),
  applicationId: uuid.nullable(),
  workflowId: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const proposalHistoryDto = z.object({
  oldState: proposalState.nullable(),
  newState: proposalState,
  actorUserId: uuid.nullable(),
  actorRole: z.string(),
  reason: z.string().nullable(),
  occurredAt: z.iso.datetime(),
});

export const proposalDetailDto = proposalDto.extend({ history: z.array(proposalHistoryDto) });
export const proposalPageDto = pageOf(proposalDto);
export const idParams = z.strictObject({ id: uuid });

export const jobListQuery = z.strictObject({ ...pageQuery, status: z.enum(['open', 'closed']).optional(), companyId: uuid.optional() });
export const jobDto = z.object({ id: uuid, companyId: uuid, title: z.string(), status: z.enum(['open', 'closed']), createdAt: z.iso.datetime() });
export const candidateListQuery = z.strictObject({ ...pageQuery });
export const candidateDto = z.object({ id: uuid, fullName: z.string(), email: z.string().nullable(), createdAt: z.iso.datetime() });
