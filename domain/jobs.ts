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
