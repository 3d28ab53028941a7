import { z } from 'zod';
import { REFUND_POLICIES, TERMS, TERMS_SCOPES, TERM_NAMES, type TermName } from '../../domain/terms.js';
import { reason, uuid } from '../schemas/common.js';

// Company terms and marketplace defaults (product §3.11). The limits are domain/terms.ts's, which the database's checks use too.

const integer = (term: Exclude<TermName, 'refundPolicy'>) => z.int().min(TERMS[term].min).max(TERMS[term].max);

/** Each term's valid values. */
const values = {
  proposalDecisionHours: integer('proposalDecisionHours'),
  guaranteeDays: integer('guaranteeDays'),
  holdbackBps: integer('holdbackBps'),
  protectionWindowDays: integer('protectionWindowDays'),
  refundPolicy: z.enum(REFUND_POLICIES),
  paymentTermsDays: integer('paymentTermsDays'),
  platformFeeBps: integer('platformFeeBps'),
} as const satisfies Record<TermName, z.ZodType>;

const someTerm = (b: Record<string, unknown>) => TERM_NAMES.some((t) => b[t] !== undefined);
const NOTHING = { message: `nothing to change: give at least one of ${TERM_NAMES.join(', ')}` };

/** Only the terms given change; `null` sets a term back to the marketplace default. Only a platform admin sets `platformFeeBps`. */
export const companyTermsPatchBody = z
  .strictObject({
    proposalDecisionHours: values.proposalDecisionHours.nullable().optional(),
    guaranteeDays: values.guaranteeDays.nullable().optional(),
    holdbackBps: values.holdbackBps.nullable().optional(),
    protectionWindowDays: values.protectionWindowDays.nullable().optional(),
    refundPolicy: values.refundPolicy.nullable().optional(),
    paymentTermsDays: values.paymentTermsDays.nullable().optional(),
    platformFeeBps: values.platformFeeBps.nullable().optional(),
    /** Why, kept in the audit. */
    reason: reason.optional(),
  })
  .refine(someTerm, NOTHING);

/** Only the defaults given change. */
export const marketplaceTermsPatchBody = z
  .strictObject({
    proposalDecisionHours: values.proposalDecisionHours.optional(),
    guaranteeDays: values.guaranteeDays.optional(),
    holdbackBps: values.holdbackBps.optional(),
    protectionWindowDays: values.protectionWindowDays.optional(),
    refundPolicy: values.refundPolicy.optional(),
    paymentTermsDays: values.paymentTermsDays.optional(),
    platformFeeBps: values.platformFeeBps.optional(),
    reason: reason.optional(),
  })
  .refine(someTerm, NOTHING);

/** What the web app needs to show and edit a term: its limits (or choices), unit and whether anything uses it yet. */
const termInfo = {
  label: z.string(),
  limits: z.union([
    z.object({ min: z.int(), max: z.int(), unit: z.enum(['hours', 'days', 'bps']) }),
    z.object({ values: z.array(z.enum(REFUND_POLICIES)) }),
  ]),
};

const companyTerm = <V extends z.ZodType>(value: V) =>
  z.object({
    /** In force for processes the company starts from now on. */
    value,
    /** The company's own value, or the marketplace default. */
    source: z.enum(['company', 'marketplace']),
    companyValue: value.nullable(),
    marketplaceDefault: value,
    /** Only a platform admin sets it for a company. */
    platformAdminOnly: z.boolean(),
    ...termInfo,
  });

const valueDtos = {
  proposalDecisionHours: z.int(),
  guaranteeDays: z.int(),
  holdbackBps: z.int(),
  protectionWindowDays: z.int(),
  refundPolicy: z.enum(REFUND_POLICIES),
  paymentTermsDays: z.int(),
  platformFeeBps: z.int(),
};

export const companyTermsDto = z.object({
  companyId: uuid,
  companyName: z.string(),
  terms: z.object({
    proposalDecisionHours: companyTerm(valueDtos.proposalDecisionHours),
    guaranteeDays: companyTerm(valueDtos.guaranteeDays),
    holdbackBps: companyTerm(valueDtos.holdbackBps),
    protectionWindowDays: companyTerm(valueDtos.protectionWindowDays),
    refundPolicy: companyTerm(valueDtos.refundPolicy),
    paymentTermsDays: companyTerm(valueDtos.paymentTermsDays),
    platformFeeBps: companyTerm(valueDtos.platformFeeBps),
  }),
});

const marketplaceTerm = <V extends z.ZodType>(value: V) => z.object({ value, ...termInfo });

export const marketplaceTermsDto = z.object({
  terms: z.object({
    proposalDecisionHours: marketplaceTerm(valueDtos.proposalDecisionHours),
    guaranteeDays: marketplaceTerm(valueDtos.guaranteeDays),
    holdbackBps: marketplaceTerm(valueDtos.holdbackBps),
    protectionWindowDays: marketplaceTerm(valueDtos.protectionWindowDays),
    refundPolicy: marketplaceTerm(valueDtos.refundPolicy),
    paymentTermsDays: marketplaceTerm(valueDtos.paymentTermsDays),
    platformFeeBps: marketplaceTerm(valueDtos.platformFeeBps),
  }),
});

const termValue = z.union([z.int(), z.enum(REFUND_POLICIES)]);

export const termsChangeDto = z.object({
  id: z.int(),
  scope: z.enum(TERMS_SCOPES),
  companyId: uuid.nullable(),
  term: z.enum(TERM_NAMES as [TermName, ...TermName[]]),
  /** A company's own value before and after (null: the marketplace default); for the marketplace, its default. */
  oldValue: termValue.nullable(),
  newValue: termValue.nullable(),
  /** The value in force before and after. */
  oldEffective: termValue,
  newEffective: termValue,
  actorUserId: uuid.nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string(),
  reason: z.string().nullable(),
  occurredAt: z.iso.datetime(),
});
