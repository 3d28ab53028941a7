import { z } from 'zod';
import { PROPOSAL_STATES } from '../../domain/proposal.js';
import { pageOf, pageQuery, reason, text, uuid } from '../schemas/common.js';

export const proposalState = z.enum(PROPOSAL_STATES);

export const proposalCreateBody = z.strictObject({
  candidateId: uuid,
  jobId: uuid,
  pitch: text(5000),
});

export const proposalCommandBody = z.strictObject({
  reason: reason.optional(),
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
  companyName: z.string(),
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
  /** Who acted, by name; null for the system or a user the directory does not know. */
  actorName: z.string().nullable(),
  actorRole: z.string(),
  reason: z.string().nullable(),
  occurredAt: z.iso.datetime(),
});

export const proposalDetailDto = proposalDto.extend({ history: z.array(proposalHistoryDto) });
export const proposalPageDto = pageOf(proposalDto);
