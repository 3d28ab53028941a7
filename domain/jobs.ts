/**
 * Jobs a company posts itself (product §3.8): their states, remote modes, fee terms and
 * limits. The API's schemas and migration 012's check constraints use these numbers
 * (test/db/domain-constraints.test.ts compares them).
 */

export const JOB_STATUSES = ['open', 'paused', 'closed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const REMOTE_MODES = ['on_site', 'hybrid', 'remote'] as const;
export type RemoteMode = (typeof REMOTE_MODES)[number];

/** A fee is a percentage of the first-year salary (in bps) or a fixed amount (in cents). */
export const FEE_TYPES = ['percentage', 'fixed'] as const;
export type FeeType = (typeof FEE_TYPES)[number];

export const JOB_LIMITS = {
  title: 200,
  description: 20_000,
  location: 200,
  /** Yearly salary, in cents: up to 100 million a year in any currency. */
  salaryCents: { min: 0, max: 10_000_000_000 },
  /** 0.01 % to 100 % of the first-year salary. */
  feeBps: { min: 1, max: 10_000 },
  /** A fixed fee, in cents: at least one cent, at most 10 million. */
  fixedFeeCents: { min: 1, max: 1_000_000_000 },
} as const;

/** The status commands and the states each may start from. Closed is final (product §3.8). */
export const JOB_COMMANDS = {
  open: { to: 'open', from: ['paused'] },
  pause: { to: 'paused', from: ['open'] },
  close: { to: 'closed', from: ['open', 'paused'] },
} as const satisfies Record<string, { to: JobStatus; from: readonly JobStatus[] }>;
export type JobCommand = keyof typeof JOB_COMMANDS;

/** Why `command` cannot be applied to a job in `status`, or null when it can. */
export function jobCommandRefusal(command: JobCommand, status: JobStatus): string | null {
  const { to, from } = JOB_COMMANDS[command];
  if ((from as readonly JobStatus[]).includes(status)) return null;
  if (status === to) return `the job is already ${status}`;
  if (status === 'closed') return 'a closed job cannot be reopened or paused: post a new job instead';
  return `a job that is ${status} cannot be ${to === 'open' ? 'opened' : to}`;
}

/** What a company may still change on a job its ATS syncs: the marketplace settings only. */
export const ATS_EDITABLE_JOB_FIELDS = ['sharedWithMarketplace', 'fee'] as const;

/**
 * A recruiter's relation to a job (product §3.8, "holders and partners"): the job's company
 * makes one recruiter its **holder** (the agency recruiter for the role), who shares it with
 * **partner** recruiters. Both see the job and may propose for it while it is open, even when
 * the company does not share it with the whole marketplace.
 */
export const JOB_RECRUITER_RELATIONS = ['holder', 'partner'] as const;
export type JobRecruiterRelation = (typeof JOB_RECRUITER_RELATIONS)[number];

/** How a recruiter got a job: holding it, as a partner of its holder, or from the marketplace. */
export const JOB_ACCESS = ['holder', 'partner', 'marketplace'] as const;
export type JobAccess = (typeof JOB_ACCESS)[number];

export const JOB_SHARING_LIMITS = {
  /** Partners one job may be shared with. */
  partnersPerJob: 50,
} as const;

/** What a job's audit (`job_changes.change`) records: its own edits and status, and who holds and shares it. */
export const JOB_CHANGE_KINDS = [
  'created',
  'edited',
  'opened',
  'paused',
  'closed',
  'holder_set',
  'holder_removed',
  'partner_added',
  'partner_removed',
] as const;
export type JobChangeKind = (typeof JOB_CHANGE_KINDS)[number];

/**
 * Why a holder may not share a job with `partnerId`, or null when they may: never with
 * themselves, and at most `partnersPerJob` partners (`current` counts the job's partners now).
 */
export function partnerRefusal(holderId: string, partnerId: string, current: number): string | null {
  if (partnerId === holderId) return 'you hold this job: share it with another recruiter';
  if (current >= JOB_SHARING_LIMITS.partnersPerJob) return `a job is shared with at most ${JOB_SHARING_LIMITS.partnersPerJob} partners`;
  return null;
}
