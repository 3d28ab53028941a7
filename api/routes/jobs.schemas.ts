import { z } from 'zod';
import { FEE_TYPES, JOB_ACCESS, JOB_CHANGE_KINDS, JOB_LIMITS, JOB_STATUSES, REMOTE_MODES } from '../../domain/jobs.js';
import { pageQuery, text, uuid } from '../schemas/common.js';
import { currencyCode } from './placements.schemas.js';

// Jobs a company posts here (product §3.8). The limits are domain/jobs.ts's, which migration 012's checks use too.

const salaryCents = z.int().min(JOB_LIMITS.salaryCents.min).max(JOB_LIMITS.salaryCents.max);
/** A yearly salary range in one currency. */
export const salaryRange = z
  .strictObject({ minCents: salaryCents, maxCents: salaryCents, currency: currencyCode })
  .refine((s) => s.minCents <= s.maxCents, { path: ['maxCents'], message: 'the maximum must be at least the minimum' });

/** Fee terms: a percentage of the first-year salary (bps) or a fixed amount, never both (strict objects refuse the other form's fields). */
export const feeTerms = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('percentage'), percentBps: z.int().min(JOB_LIMITS.feeBps.min).max(JOB_LIMITS.feeBps.max) }),
    z.strictObject({
      type: z.literal('fixed'),
      amountCents: z.int().min(JOB_LIMITS.fixedFeeCents.min).max(JOB_LIMITS.fixedFeeCents.max),
      currency: currencyCode,
    }),
  ],
  { error: 'fee terms are { type: "percentage", percentBps } or { type: "fixed", amountCents, currency }' },
);

/** Empty means none. */
const description = z
  .string()
  .trim()
  .max(JOB_LIMITS.description)
  .transform((d) => d || null);
const location = text(JOB_LIMITS.location);
const remote = z.enum(REMOTE_MODES);

export const jobCreateBody = z.strictObject({
  title: text(JOB_LIMITS.title),
  description: description.optional(),
  location: location.optional(),
  remote: remote.optional(),
  salary: salaryRange.optional(),
  fee: feeTerms,
  /** Whether the marketplace's recruiters see the job (default: yes). */
  sharedWithMarketplace: z.boolean().default(true),
});

/** Only the fields given change; `null` clears an optional one. */
export const jobPatchBody = z
  .strictObject({
    title: text(JOB_LIMITS.title).optional(),
    description: description.nullable().optional(),
    location: location.nullable().optional(),
    remote: remote.nullable().optional(),
    salary: salaryRange.nullable().optional(),
    fee: feeTerms.optional(),
    sharedWithMarketplace: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change: give at least one field' });

export const jobListQuery = z.strictObject({
  ...pageQuery,
  /** Full-text search (websearch syntax: words, "a phrase", -not, or), ranked best first. */
  q: z.string().trim().min(1).max(200).optional(),
  status: z.enum(JOB_STATUSES).optional(),
  /** Platform admins: one company's jobs. */
  companyId: uuid.optional(),
  remote: remote.optional(),
  location: z.string().trim().min(1).max(JOB_LIMITS.location).optional(),
  /** Jobs whose salary range reaches this many cents a year. */
  salaryAtLeast: z.coerce.number().int().min(0).max(JOB_LIMITS.salaryCents.max).optional(),
  currency: currencyCode.optional(),
  feeType: z.enum(FEE_TYPES).optional(),
});

const feeDto = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percentage'), percentBps: z.int() }),
  z.object({ type: z.literal('fixed'), amountCents: z.int(), currency: z.string() }),
]);

export const jobDto = z.object({
  id: uuid,
  companyId: uuid,
  companyName: z.string().nullable(),
  title: z.string(),
  status: z.enum(JOB_STATUSES),
  description: z.string().nullable(),
  location: z.string().nullable(),
  remote: remote.nullable(),
  salary: z.object({ minCents: z.int(), maxCents: z.int(), currency: z.string() }).nullable(),
  /** Null on jobs from before fee terms existed or synced from an ATS without them. */
  fee: feeDto.nullable(),
  sharedWithMarketplace: z.boolean(),
  /** Synced from the company's ATS: only the marketplace settings can be changed here. */
  atsSynced: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /**
   * The recruiter the company made the job's holder (product §3.8). Shown to the company's
   * users, platform admins, and the holder and partners; null for anyone else, and when none.
   */
  holder: z.object({ recruiterId: uuid, displayName: z.string() }).nullable(),
  /** Recruiters only: how they got the job — they hold it, its holder shared it with them, or the marketplace. */
  access: z.enum(JOB_ACCESS).nullable(),
  /** Full-text searches only: the `ts_rank` the list is ordered by. */
  rank: z.number().optional(),
});

/** A recruiter to make a job's holder or partner. */
export const jobRecruiterBody = z.strictObject({ recruiterId: uuid });
export const jobPartnerParams = z.strictObject({ id: uuid, recruiterId: uuid });

const jobRecruiterDto = z.object({ recruiterId: uuid, displayName: z.string() });
/** Who holds a job and whom its holder shares it with (the holder, the company's users and platform admins read it). */
export const jobSharingDto = z.object({
  jobId: uuid,
  holder: jobRecruiterDto.nullable(),
  partners: z.array(jobRecruiterDto.extend({ addedAt: z.iso.datetime() })),
});

export const jobChangeDto = z.object({
  id: z.int(),
  change: z.enum(JOB_CHANGE_KINDS),
  /** Field → [old, new]. */
  changes: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])),
  actorUserId: uuid.nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string(),
  occurredAt: z.iso.datetime(),
});
