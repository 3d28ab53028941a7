import { z } from 'zod';
import { PROPOSAL_STATES } from '../db/migrations/001_foundation.js';
import { ESCROW_STATUSES, PAYOUT_STATUSES, PLACEMENT_STATES, SPLIT_STATUSES, TRANCHES } from '../db/migrations/002_placements_payouts.js';
import { COLLABORATOR_ROLES, MAX_COLLABORATORS, MIN_COLLABORATORS, percentToBps } from '../workflows/money.js';
import { STRIPE_ACCOUNT_ID } from '../workflows/payout.js';
import { STRIPE_CURRENCIES } from '../lib/currencies.js';

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
  /** Who acted, by name; null for the system or a user the directory does not know. */
  actorName: z.string().nullable(),
  actorRole: z.string(),
  reason: z.string().nullable(),
  occurredAt: z.iso.datetime(),
});

export const proposalDetailDto = proposalDto.extend({ history: z.array(proposalHistoryDto) });
export const proposalPageDto = pageOf(proposalDto);
export const idParams = z.strictObject({ id: uuid });

export const jobListQuery = z.strictObject({ ...pageQuery, status: z.enum(['open', 'closed']).optional(), companyId: uuid.optional() });
export const jobDto = z.object({ id: uuid, companyId: uuid, title: z.string(), status: z.enum(['open', 'closed']), createdAt: z.iso.datetime() });
export const candidateListQuery = z.strictObject({
  ...pageQuery,
  /** Recruiters: only the candidates they sourced. */
  sourcedByMe: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export const recruiterListQuery = z.strictObject({ ...pageQuery });
export const recruiterDto = z.object({ id: uuid, displayName: z.string() });

// Placements and payouts (SPEC §3.2, §3.3).
export const placementState = z.enum(PLACEMENT_STATES);
export const payoutStatus = z.enum(PAYOUT_STATUSES);
const collaboratorRole = z.enum(COLLABORATOR_ROLES);
const reason = z.string().trim().min(1).max(2000);
const cents = z.int().nonnegative();
/** Money in: a positive whole number of cents (z.int() also refuses unsafe integers). */
const feeCents = z.int().positive();

/** A percentage with at most two decimals ("33.33" or 33.33), as basis points. */
const percent = z.union([z.string().max(10), z.number()]).describe('a percentage with at most two decimals, e.g. "33.33" or 33.33').transform((value, ctx) => {
  try {
    return percentToBps(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A currency Stripe supports for the platform (lib/currencies.ts), in capitals. */
export const currencyCode = z.enum(STRIPE_CURRENCIES, { error: 'an ISO 4217 code Stripe supports, in capitals, e.g. USD' });

const splitBpsOf = <C extends { splitPercent?: number }>({ splitPercent, ...rest }: C) => ({ ...rest, splitBps: splitPercent });

/** 1–10 collaborators; splitPercent given for all of them or for none (then the role weights apply). */
const collaboratorList = <T extends z.ZodType<{ splitBps?: number }>>(item: T) =>
  z.array(item).min(MIN_COLLABORATORS).max(MAX_COLLABORATORS).superRefine((list, ctx) => {
    const given = list.filter((c) => c.splitBps !== undefined).length;
    if (given > 0 && given < list.length) ctx.addIssue({ code: 'custom', message: 'give splitPercent for every collaborator or for none' });
  });

/** A placement's collaborators: each recruiter at most once (one role, one split each). */
const placementCollaborators = collaboratorList(
  z.strictObject({ recruiterId: uuid, role: collaboratorRole, splitPercent: percent.optional() }).transform(splitBpsOf),
);

export const placementCreateBody = z.strictObject({
  jobId: uuid,
  candidateId: uuid,
  feeCents,
  currency: currencyCode,
  startDate: z.iso.date(),
  collaborators: placementCollaborators,
});

export const calculateSplitsBody = z.strictObject({
  feeCents,
  holdbackPercent: percent.optional(),
  collaborators: collaboratorList(z.strictObject({ role: collaboratorRole, splitPercent: percent.optional() }).transform(splitBpsOf)),
});

export const placementCollaboratorsBody = z.strictObject({ collaborators: placementCollaborators });
/** Command bodies: a reason that may be given, or must be. */
export const optionalReasonBody = z.strictObject({ reason: reason.optional() });
export const reasonBody = z.strictObject({ reason });
export const extendGuaranteeBody = z.strictObject({ days: z.int().min(1).max(365), reason });
export const replacementBody = z.strictObject({ candidateId: uuid });

export const placementListQuery = z.strictObject({
  ...pageQuery,
  state: z.union([placementState, z.array(placementState)]).optional(),
  escrowStatus: z.enum(ESCROW_STATUSES).optional(),
});

export const placementDto = z.object({
  id: uuid,
  companyId: uuid,
  jobId: uuid,
  jobTitle: z.string(),
  candidateId: uuid,
  candidateName: z.string(),
  escrowStatus: z.enum(ESCROW_STATUSES).nullable(),
  feeCents: cents,
  currency: z.string(),
  state: placementState,
  startDate: z.iso.date(),
  guaranteeDays: z.int(),
  guaranteeEndsAt: z.iso.datetime().nullable(),
  holdbackBps: z.int(),
  splitsLockedAt: z.iso.datetime().nullable(),
  workflowId: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const splitDto = z.object({
  id: uuid,
  collaboratorId: uuid,
  recruiterId: uuid,
  recruiterName: z.string(),
  amountCents: cents,
  /** The account, transfer and block reason: null unless the split is the caller's own (platform admins: all). */
  stripeAccountId: z.string().nullable(),
  transferAttempt: z.int(),
  status: z.enum(SPLIT_STATUSES),
  stripeTransferId: z.string().nullable(),
  reversedCents: cents,
  blockReason: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});

export const payoutDto = z.object({
  id: uuid,
  placementId: uuid,
  tranche: z.enum(TRANCHES),
  amountCents: cents,
  currency: z.string(),
  status: payoutStatus,
  workflowId: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  splits: z.array(splitDto),
});

export const placementDetailDto = placementDto.extend({
  /** A failure was reported and waits for the company's answer: a replacement or a refund. */
  failurePending: z.boolean(),
  history: z.array(
    z.object({
      oldState: placementState.nullable(),
      newState: placementState,
      actorUserId: uuid.nullable(),
      actorName: z.string().nullable(),
      actorRole: z.string(),
      reason: z.string().nullable(),
      details: z.unknown(),
      occurredAt: z.iso.datetime(),
    }),
  ),
  escrow: z
    .object({
      amountCents: cents,
      currency: z.string(),
      status: z.enum(ESCROW_STATUSES),
      heldAt: z.iso.datetime(),
      settledAt: z.iso.datetime().nullable(),
      reason: z.string().nullable(),
    })
    .nullable(),
  collaborators: z.array(z.object({ id: uuid, recruiterId: uuid, recruiterName: z.string(), role: collaboratorRole, splitBps: z.int() })),
  payouts: z.array(payoutDto),
});
export const placementPageDto = pageOf(placementDto);

export const splitCalculationDto = z.object({
  feeCents: cents,
  holdbackBps: z.int(),
  activationCents: cents,
  holdbackCents: cents,
  collaborators: z.array(
    z.object({ role: collaboratorRole, splitBps: z.int(), splitPercent: z.string(), activationCents: cents, holdbackCents: cents }),
  ),
});

export const payoutListQuery = z.strictObject({ ...pageQuery, status: payoutStatus.optional(), placementId: uuid.optional() });
export const payoutPageDto = pageOf(payoutDto);
export const splitParams = z.strictObject({ id: uuid, splitId: uuid });
export const changeSplitAccountBody = z.strictObject({
  stripeAccountId: z.string().regex(STRIPE_ACCOUNT_ID, 'a Stripe connected account id (acct_…)'),
  /** The admin's choice: true makes it the recruiter's account for future payouts too; false pays only this split there. */
  updateRecruiterAccount: z.boolean(),
  reason: reason.optional(),
});

export const claimBody = z.strictObject({ jobId: uuid.optional() });
export const overrideBody = z.strictObject({ recruiterId: uuid, reason: z.string().trim().min(1).max(2000) });
export const extendProtectionBody = z.strictObject({ days: z.number().int().min(1).max(365), reason: z.string().trim().min(1).max(2000) });
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
export const candidateDto = z.object({ id: uuid, fullName: z.string(), email: z.string().nullable(), createdAt: z.iso.datetime(), sourcing: sourcingDto });

// Candidate outreach, its Resend webhook events and marketplace events (SPEC §3.4).
/** Always sent to the candidate's own address (their record), never one the caller types: no `to`. */
export const outreachBody = z.strictObject({
  subject: z.string().trim().min(1).max(200).regex(/^[^\r\n]*$/, 'a single line'),
  body: z.string().trim().min(1).max(10_000),
});

export const outreachDto = z.object({
  id: uuid,
  candidateId: uuid,
  recruiterId: uuid,
  to: z.string(),
  subject: z.string(),
  body: z.string(),
  providerMessageId: z.string().nullable(),
  sentAt: z.iso.datetime(),
});

export const outreachTimelineDto = z.object({
  candidateId: uuid,
  /** The earliest outreach of any recruiter to the candidate (owner-neutral evidence of first contact). */
  firstContactAt: z.iso.datetime().nullable(),
  outreach: z.array(outreachDto.extend({ events: z.array(z.object({ type: z.string(), occurredAt: z.iso.datetime() })) })),
});

/**
 * The part of a Resend webhook event the outreach timeline needs
 * (https://resend.com/docs/dashboard/webhooks/body-parameters); other events are acknowledged and ignored.
 */
export const resendEmailEvent = z.object({
  type: z.string().startsWith('email.'),
  /** When the event happened; an unreadable one falls back to the signed delivery time. */
  created_at: z.coerce.date().optional().catch(undefined),
  data: z.object({ email_id: z.string().min(1) }),
});

export const webhookAckDto = z.object({ received: z.literal(true), ignored: z.literal(true).optional() });

export const marketplaceEventListQuery = z.strictObject({
  ...pageQuery,
  type: z.string().trim().min(1).max(100).optional(),
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
