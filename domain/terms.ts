import { MAX_PLATFORM_FEE_BPS } from './split-rules.js';

/**
 * A company's terms (product §3.11): each term, its limits and its marketplace default, in
 * one place. The API's schemas and the web app read these; migrations 001–003 and 016 put
 * the same numbers in check constraints (test/db/domain-constraints.test.ts compares them).
 *
 * A term a company has not set is the marketplace's default. A process reads the terms once,
 * when it starts, and keeps them: a proposal stores its decision deadline, a placement its
 * guarantee days and holdback, a protection its window days.
 */

export const REFUND_POLICIES = ['full', 'pro_rata', 'none'] as const;
export type RefundPolicy = (typeof REFUND_POLICIES)[number];

/** Who a row of the terms audit is about: the marketplace's defaults, or one company's own terms. */
export const TERMS_SCOPES = ['marketplace', 'company'] as const;
export type TermsScope = (typeof TERMS_SCOPES)[number];

interface IntegerTerm {
  kind: 'integer';
  min: number;
  max: number;
  default: number;
  unit: 'hours' | 'days' | 'bps';
  label: string;
}
interface ChoiceTerm {
  kind: 'choice';
  values: typeof REFUND_POLICIES;
  default: RefundPolicy;
  label: string;
}

export const TERMS = {
  /** Hours a company has to decide on a proposal before it times out (product §3.1). */
  proposalDecisionHours: { kind: 'integer', min: 1, max: 720, default: 72, unit: 'hours', label: 'Proposal decision time' },
  /** Days after the start date during which a hire may be reported as failed (product §3.2). */
  guaranteeDays: { kind: 'integer', min: 1, max: 365, default: 90, unit: 'days', label: 'Guarantee period' },
  /** The share of the fee held in escrow until the guarantee ends, in bps (product §3.2). */
  holdbackBps: { kind: 'integer', min: 0, max: 10_000, default: 2000, unit: 'bps', label: 'Holdback' },
  /** Days a sourced candidate is protected for the recruiter who sourced them (product §3.4). */
  protectionWindowDays: { kind: 'integer', min: 1, max: 365, default: 30, unit: 'days', label: 'Protection window' },
  /** What a failed hire refunds to the company (product §3.3, "Collecting the fee"). */
  refundPolicy: { kind: 'choice', values: REFUND_POLICIES, default: 'full', label: 'Refund policy' },
  /** Days until the company's fee invoice is due; 0 = charged at once (product §3.3). */
  paymentTermsDays: { kind: 'integer', min: 0, max: 120, default: 30, unit: 'days', label: 'Payment terms' },
  /**
   * The platform's cut of each fee, in bps. The marketplace default is 0 (no cut until a
   * platform admin sets one); only a platform admin overrides it per company. A placement
   * keeps the fee in force when it was recorded and takes it off each tranche (product §3.3).
   */
  platformFeeBps: { kind: 'integer', min: 0, max: MAX_PLATFORM_FEE_BPS, default: 0, unit: 'bps', label: 'Platform fee' },
} as const satisfies Record<string, IntegerTerm | ChoiceTerm>;

export type TermName = keyof typeof TERMS;
export const TERM_NAMES = Object.keys(TERMS) as TermName[];

/** The value of each term. */
export interface Terms {
  proposalDecisionHours: number;
  guaranteeDays: number;
  holdbackBps: number;
  protectionWindowDays: number;
  refundPolicy: RefundPolicy;
  paymentTermsDays: number;
  platformFeeBps: number;
}

/** A company's own terms: a term it has not set is null (the marketplace's default applies). */
export type CompanyTerms = { [K in TermName]: Terms[K] | null };

export const DEFAULT_TERMS: Terms = Object.fromEntries(TERM_NAMES.map((t) => [t, TERMS[t].default])) as unknown as Terms;

/** Terms only a platform admin may set for a company (company admins read them). */
export const PLATFORM_ADMIN_TERMS: readonly TermName[] = ['platformFeeBps'];

/** The effective terms: each of the company's own, else the marketplace default. */
export function effectiveTerms(own: CompanyTerms, defaults: Terms): Terms {
  return Object.fromEntries(TERM_NAMES.map((t) => [t, own[t] ?? defaults[t]])) as unknown as Terms;
}
