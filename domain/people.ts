/**
 * People management (product §3.10): who may be invited, the states a person is in, the
 * changes the `people_changes` audit records and the limits of names and addresses. The API's
 * schemas and migration 014's check constraints use these (test/db/domain-constraints.test.ts
 * compares the lists).
 */
import type { Role } from './actors.js';

/** Roles a company admin (or a platform admin, for a company) invites and switches between. */
export const COMPANY_ROLES = ['company_admin', 'hiring_manager'] as const satisfies readonly Role[];
export type CompanyRole = (typeof COMPANY_ROLES)[number];

/** `invited`: created by an invitation and never signed in since. */
export const PERSON_STATUSES = ['invited', 'active', 'deactivated'] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];

export const PEOPLE_CHANGES = [
  'invited',
  'invitation_resent',
  'role_changed',
  'deactivated',
  'reactivated',
  'company_created',
  'signed_in_first_time',
] as const;
export type PeopleChange = (typeof PEOPLE_CHANGES)[number];

/** What a magic link is for: a sign-in link (minutes) or an invitation (days). */
export const MAGIC_LINK_PURPOSES = ['sign_in', 'invitation'] as const;
export type MagicLinkPurpose = (typeof MAGIC_LINK_PURPOSES)[number];

export const PEOPLE_LIMITS = {
  /** A person's or a recruiter's display name. */
  name: 200,
  /** RFC 5321 caps an address at 254 characters. */
  email: 254,
  companyName: 200,
} as const;

/** Addresses are compared (and stored) lower-cased and trimmed. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function personStatus(p: { invited_at: Date | null; last_signed_in_at: Date | null; deactivated_at: Date | null }): PersonStatus {
  if (p.deactivated_at) return 'deactivated';
  return p.invited_at && !p.last_signed_in_at ? 'invited' : 'active';
}
