import { z } from 'zod';
import { PAYOUT_STATUSES, SPLIT_STATUSES, TRANCHES } from '../../domain/payout.js';
import { STRIPE_ACCOUNT_ID } from '../../domain/payout.js';
import { cents, pageOf, pageQuery, reason, uuid } from '../schemas/common.js';

// Payouts and their splits (product §3.3).
export const payoutStatus = z.enum(PAYOUT_STATUSES);

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
  /** The cents of this tranche the platform kept (product §3.3); the splits share the rest. */
  platformFeeCents: cents,
  currency: z.string(),
  status: payoutStatus,
  workflowId: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  splits: z.array(splitDto),
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
