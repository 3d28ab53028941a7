import { z } from 'zod';
import { text, uuid } from '../schemas/common.js';

// Candidate outreach and its Resend webhook events (product §3.4).
/** Always sent to the candidate's own address (their record), never one the caller types: no `to`. */
export const outreachBody = z.strictObject({
  subject: text(200).regex(/^[^\r\n]*$/, 'a single line'),
  body: text(10_000),
});

export const outreachDto = z.object({
  id: uuid,
  candidateId: uuid,
  recruiterId: uuid,
  /** The sender's display name. */
  recruiterName: z.string().nullable(),
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
