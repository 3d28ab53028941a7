import { z } from 'zod';
import { ROLES } from '../../domain/actors.js';
import { COMPANY_ROLES, PEOPLE_CHANGES, PEOPLE_LIMITS, PERSON_STATUSES } from '../../domain/people.js';
import { optionalReasonBody, pageQuery, text, uuid } from '../schemas/common.js';

// People management (product §3.10). The limits are domain/people.ts's, which migration 014's checks use too.

const name = text(PEOPLE_LIMITS.name);
/** Compared and stored lower-cased. */
const email = z
  .string()
  .trim()
  .max(PEOPLE_LIMITS.email)
  .pipe(z.email())
  .transform((e) => e.toLowerCase());

export const personDto = z.object({
  id: uuid,
  name: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  companyId: uuid.nullable(),
  companyName: z.string().nullable(),
  recruiterId: uuid.nullable(),
  /** `invited`: created by an invitation and never signed in since. */
  status: z.enum(PERSON_STATUSES),
  invitedAt: z.string().nullable(),
  invitedByName: z.string().nullable(),
  lastSignedInAt: z.string().nullable(),
  deactivatedAt: z.string().nullable(),
  createdAt: z.string(),
});

export const peopleListQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(PERSON_STATUSES).optional(),
  role: z.enum(ROLES).optional(),
  /** Platform admins: one company's people (a company admin always sees their own company's). */
  companyId: uuid.optional(),
});

export const invitationBody = z.strictObject({
  name,
  email,
  role: z.enum(COMPANY_ROLES),
  /** Platform admins: the company to invite into (required for them; a company admin invites into their own). */
  companyId: uuid.optional(),
});

export const roleBody = z.strictObject({ role: z.enum(COMPANY_ROLES) });
export const deactivateBody = optionalReasonBody;

export const personChangeDto = z.object({
  id: z.string(),
  change: z.enum(PEOPLE_CHANGES),
  actorName: z.string(),
  actorRole: z.string(),
  old: z.record(z.string(), z.unknown()).nullable(),
  new: z.record(z.string(), z.unknown()).nullable(),
  reason: z.string().nullable(),
  occurredAt: z.string(),
});
export const personChangesDto = z.object({ items: z.array(personChangeDto) });

export const emptyDto = z.strictObject({});

export const companyDto = z.object({ id: uuid, name: z.string(), createdAt: z.string() });
export const companySummaryDto = companyDto.extend({
  /** Company admins who are active (not deactivated, and signed in unless never invited). */
  activeAdmins: z.int(),
  jobs: z.int(),
});
export const companiesQuery = z.strictObject({ ...pageQuery });
export const companyCreateBody = z.strictObject({
  name: text(PEOPLE_LIMITS.companyName),
  firstAdmin: z.strictObject({ name, email }),
});
export const companyCreatedDto = z.object({ company: companyDto, firstAdmin: personDto });

export const recruiterInvitationBody = z.strictObject({
  name,
  email,
  /** The name recruiters and companies see on the marketplace (default: `name`). */
  displayName: name.optional(),
});
