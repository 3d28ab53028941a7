import { z } from 'zod';
import { ESCROW_STATUSES, PLACEMENT_STATES } from '../../domain/placement.js';
import { PAYMENT_EVENTS, PAYMENT_STATUSES, REFUND_STATES } from '../../domain/payment.js';
import { COLLABORATOR_ROLES, MAX_COLLABORATORS, MIN_COLLABORATORS, percentToBps } from '../../domain/money.js';
import { STRIPE_CURRENCIES } from '../../lib/currencies.js';
import { cents, extensionDays, pageOf, pageQuery, reason, uuid } from '../schemas/common.js';
import { MAX_PAYMENT_EXTENSION_DAYS } from '../../domain/placement-rules.js';
import { payoutDto } from './payouts.schemas.js';

// Placements (product §3.2).
export const placementState = z.enum(PLACEMENT_STATES);
const collaboratorRole = z.enum(COLLABORATOR_ROLES);
/** Money in: a positive whole number of cents (z.int() also refuses unsafe integers). */
const feeCents = z.int().positive();

/** A percentage with at most two decimals ("33.33" or 33.33), as basis points. */
const percent = z
  .union([z.string().max(10), z.number()])
  .describe('a percentage with at most two decimals, e.g. "33.33" or 33.33')
  .transform((value, ctx) => {
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
  z
    .array(item)
    .min(MIN_COLLABORATORS)
    .max(MAX_COLLABORATORS)
    .superRefine((list, ctx) => {
      const given = list.filter((c) => c.splitBps !== undefined).length;
      if (given > 0 && given < list.length)
        ctx.addIssue({ code: 'custom', message: 'give splitPercent for every collaborator or for none' });
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

export const calculateSplitsBody = z
  .strictObject({
    feeCents,
    holdbackPercent: percent.optional(),
    /** The job a hire is for: its company's holdback and platform fee now (else the caller's company's, or the marketplace's). */
    jobId: uuid.optional(),
    /** A recorded placement: the holdback and platform fee it was recorded with. */
    placementId: uuid.optional(),
    collaborators: collaboratorList(z.strictObject({ role: collaboratorRole, splitPercent: percent.optional() }).transform(splitBpsOf)),
  })
  .refine((b) => !(b.jobId && b.placementId), { message: 'give jobId or placementId, not both', path: ['placementId'] });

export const placementCollaboratorsBody = z.strictObject({ collaborators: placementCollaborators });
export const extendGuaranteeBody = z.strictObject({ days: extensionDays, reason });
export const replacementBody = z.strictObject({ candidateId: uuid });
export const extendPaymentBody = z.strictObject({
  days: z.int().min(1).max(MAX_PAYMENT_EXTENSION_DAYS),
  reason,
});

export const paymentChangesQuery = z.strictObject({ ...pageQuery });
export const paymentChangeDto = z.object({
  id: z.int(),
  event: z.enum(PAYMENT_EVENTS),
  oldState: z.string().nullable(),
  newState: z.string().nullable(),
  actorUserId: uuid.nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string(),
  reason: z.string().nullable(),
  details: z.unknown(),
  occurredAt: z.iso.datetime(),
});
export const paymentChangesPageDto = pageOf(paymentChangeDto);

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
  /** The platform's cut of each tranche, in force when the placement was recorded (product §3.3). */
  platformFeeBps: z.int(),
  splitsLockedAt: z.iso.datetime().nullable(),
  workflowId: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/**
 * The fee invoice (product §3.3, "Collecting the fee"). The invoice's id and link, the last payment
 * error and why a refund is blocked are the company's business: null for recruiters.
 */
export const paymentDto = z.object({
  status: z.enum(PAYMENT_STATUSES),
  dueAt: z.iso.datetime().nullable(),
  paidAt: z.iso.datetime().nullable(),
  /** An admin recorded a payment made outside Stripe (bank wire, cheque). */
  paidOutOfBand: z.boolean(),
  amountCents: cents,
  remindersSent: z.int(),
  lastPaymentError: z.string().nullable(),
  /** Stripe's page where the company pays the invoice. */
  hostedInvoiceUrl: z.string().nullable(),
  /** The Stripe invoice id (in_…). */
  invoiceId: z.string().nullable(),
  refundState: z.enum(REFUND_STATES),
  /** What the company's refund policy returns, fixed when the refund was decided. */
  refundDueCents: cents.nullable(),
  refundBlockReason: z.string().nullable(),
});

/** The escrow's real numbers (product §3.3, "The escrow's numbers"; domain/placement-money.ts), in cents. */
export const moneyDto = z.object({
  currency: z.string(),
  feeCents: cents,
  /** fee × the placement's platform fee bps / 10 000, rounded down. */
  platformFeeCents: cents,
  /** What the company paid on the fee invoice (0 before money in, or while unpaid). */
  collectedCents: cents,
  /** Transferred to the recruiters and not taken back: paid splits' amounts minus their reversals. */
  paidOutCents: cents,
  /** Returned to the company. */
  refundedCents: cents,
  /** Still owed on an open invoice; 0 once paid or void. */
  outstandingCents: cents,
  /**
   * Collected money the platform holds for the placement: collected − refunded − paid out − the platform fee
   * kept so far (the platform fee of the payouts already paid, reduced by the share of the collected money
   * refunded), never below 0.
   */
  heldCents: cents,
  /** The fee invoice; null for a placement recorded before money in. */
  payment: paymentDto.nullable(),
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
  money: moneyDto,
});
export const placementPageDto = pageOf(placementDto);

export const splitCalculationDto = z.object({
  feeCents: cents,
  holdbackBps: z.int(),
  activationCents: cents,
  holdbackCents: cents,
  /** The platform fee a placement recorded now would keep: its bps, and its cents off each tranche. */
  platformFeeBps: z.int(),
  platformFee: z.object({ activationCents: cents, holdbackCents: cents, totalCents: cents }),
  collaborators: z.array(
    z.object({ role: collaboratorRole, splitBps: z.int(), splitPercent: z.string(), activationCents: cents, holdbackCents: cents }),
  ),
});
