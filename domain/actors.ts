/** The people who act on the platform (product §2): taken from the verified JWT by the API. */
export const ROLES = ['recruiter', 'company_admin', 'hiring_manager', 'platform_admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: taken from the verified JWT by the API, or the system for timers. */
export interface Actor {
  userId: string | null;
  role: Role | 'system';
  companyId?: string | null;
  recruiterId?: string | null;
}
export const SYSTEM_ACTOR: Actor = { userId: null, role: 'system' };
