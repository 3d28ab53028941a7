import { z } from 'zod';
import { PAYOUT_ACCOUNT_STATUSES } from '../../domain/payout-account.js';
import { uuid } from '../schemas/common.js';

// Recruiters' connected accounts (product §3.3, "Connected accounts").
export const payoutAccountDto = z.object({
  recruiterId: uuid,
  recruiterName: z.string(),
  status: z.enum(PAYOUT_ACCOUNT_STATUSES),
  stripeAccountId: z.string().nullable(),
  payoutsEnabled: z.boolean(),
  transfersActive: z.boolean(),
  /** What Stripe still needs, as people read it (from `requirements.currently_due`). */
  stillDue: z.array(z.string()),
  /** Stripe's own requirement paths, for support. */
  currentlyDue: z.array(z.string()),
  disabledReason: z.string().nullable(),
  /** `disabled_reason` as a sentence. */
  disabledExplanation: z.string().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});

export const onboardingLinkDto = z.object({ url: z.url(), stripeAccountId: z.string(), expiresAt: z.iso.datetime() });

/** Connecting takes no arguments: an empty object or no body. */
export const connectBody = z.strictObject({});

export const recruiterParams = z.strictObject({ id: uuid });
