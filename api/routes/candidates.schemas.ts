import { z } from 'zod';
import { CANDIDATE_LIMITS, CV_CONTENT_TYPES, normalizePhone, normalizeSkills, type CvType } from '../../domain/candidates.js';
import { extensionDays, pageQuery, reason, text, uuid } from '../schemas/common.js';

export const claimBody = z.strictObject({ jobId: uuid.optional() });
export const overrideBody = z.strictObject({ recruiterId: uuid, reason });
export const extendProtectionBody = z.strictObject({ days: extensionDays, reason });
export const sourcingDto = z.object({
  candidateId: uuid,
  state: z.enum(['unclaimed', 'protected', 'released', 'expired']),
  /** The sourcer: shown to the sourcer and platform admins; null for everyone else (owner-neutral). */
  recruiterId: uuid.nullable(),
  /** The sourcer's name, under the same rule as `recruiterId`. */
  recruiterName: z.string().nullable(),
  ownedByYou: z.boolean(),
  claimedAt: z.iso.datetime().nullable(),
  protectionEndsAt: z.iso.datetime().nullable(),
  protectedNow: z.boolean(),
  workflowId: z.string().nullable(),
});

// Candidates recruiters add themselves (product §3.9): the limits are domain/candidates.ts's, which migration 013's checks repeat.
const L = CANDIDATE_LIMITS;
/** An optional text field: trimmed; an empty string clears it (null). */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((v) => v || null)
    .nullable()
    .optional();
const skills = z.array(z.string().trim().min(1).max(L.skill)).max(L.skills).transform(normalizeSkills);
const linkedinUrl = z
  .string()
  .trim()
  .max(L.linkedinUrl)
  .refine((v) => v === '' || /^https:\/\/([a-z0-9-]+\.)?linkedin\.com\//i.test(v), 'must be an https://linkedin.com/… address')
  .transform((v) => v || null)
  .nullable()
  .optional();
const profileFields = {
  fullName: text(L.name),
  email: z
    .string()
    .trim()
    .max(L.email)
    .refine((v) => v === '' || z.email().safeParse(v).success, 'must be an e-mail address')
    .transform((v) => v || null)
    .nullable()
    .optional(),
  phone: z
    .string()
    .trim()
    .max(L.phone)
    .refine((v) => v === '' || normalizePhone(v) !== null, 'must be a phone number with at least 6 digits')
    .transform((v) => v || null)
    .nullable()
    .optional(),
  location: optionalText(L.location),
  headline: optionalText(L.headline),
  linkedinUrl,
  notes: optionalText(L.notes),
  skills: skills.optional(),
};
export const candidateCreateBody = z.strictObject(profileFields);
export const candidateUpdateBody = z
  .strictObject({ ...profileFields, fullName: profileFields.fullName.optional() })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const candidateFileDto = z.object({
  id: uuid,
  fileName: z.string(),
  contentType: z.enum(CV_CONTENT_TYPES as [CvType, ...CvType[]]),
  sizeBytes: z.int(),
  sha256: z.string(),
  createdAt: z.iso.datetime(),
});
export const candidateProfileDto = z.object({
  id: uuid,
  fullName: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  location: z.string().nullable(),
  headline: z.string().nullable(),
  linkedinUrl: z.string().nullable(),
  notes: z.string().nullable(),
  skills: z.array(z.string()),
  /** Who added it (null: synced from an ATS); shown to everyone so "edit" can be offered only to them. */
  createdByRecruiterId: uuid.nullable(),
  addedByYou: z.boolean(),
  /** Synced from an ATS: read-only here. */
  fromAts: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  erasedAt: z.iso.datetime().nullable(),
  cv: candidateFileDto.nullable(),
});
/** 409 duplicate_candidate: the record the caller should use instead. */
export const duplicateCandidateDetails = z.object({
  candidateId: uuid,
  fullName: z.string(),
  matchedOn: z.array(z.enum(['email', 'phone'])),
});

export const candidateSearchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200),
  limit: pageQuery.limit,
  cursor: pageQuery.cursor,
});
export const candidateHitDto = z.object({
  id: uuid,
  fullName: z.string(),
  email: z.string().nullable(),
  headline: z.string().nullable(),
  skills: z.array(z.string()),
  rank: z.number(),
  createdAt: z.iso.datetime(),
  addedByYou: z.boolean(),
});

export const candidateExportDto = z.object({
  exportedAt: z.iso.datetime(),
  candidate: candidateProfileDto,
  files: z.array(candidateFileDto),
  /** Rows of every table that refers to the candidate, as stored (column names as in the database). */
  proposals: z.array(z.record(z.string(), z.unknown())),
  applications: z.array(z.record(z.string(), z.unknown())),
  placements: z.array(z.record(z.string(), z.unknown())),
  sourcing: z.array(z.record(z.string(), z.unknown())),
  outreach: z.array(z.record(z.string(), z.unknown())),
  outreachEvents: z.array(z.record(z.string(), z.unknown())),
  marketplaceEvents: z.array(z.record(z.string(), z.unknown())),
  domainEvents: z.array(z.record(z.string(), z.unknown())),
});
/** The CV's original name, sanitised before it is stored (domain/candidates.ts sanitizeFilename). */
export const cvUploadQuery = z.strictObject({ filename: z.string().max(1000).optional() });
export const candidateEraseDto = z.object({ candidateId: uuid, erasedAt: z.iso.datetime(), alreadyErased: z.boolean() });
