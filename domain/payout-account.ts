import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * A recruiter's Stripe connected account (product §3.3, "Connected accounts"): where their splits
 * are paid. Facts about Stripe's Account object (https://docs.stripe.com/api/accounts/object):
 * `capabilities.transfers` is `active`, `inactive` or `pending`; `payouts_enabled` says whether
 * Stripe pays the balance out to the recruiter's bank; `requirements.currently_due` lists the
 * fields still to collect and `requirements.disabled_reason` why the account is disabled
 * (`requirements.past_due`, `requirements.pending_verification`, `rejected.*`, `listed`,
 * `under_review`, `other`).
 */
export const PAYOUT_ACCOUNT_STATUSES = ['not_connected', 'onboarding', 'restricted', 'enabled'] as const;
export type PayoutAccountStatus = (typeof PAYOUT_ACCOUNT_STATUSES)[number];

/** What the product reads of a retrieved Stripe account. */
export interface StripeAccountFacts {
  detailsSubmitted: boolean;
  payoutsEnabled: boolean;
  /** `capabilities.transfers === 'active'`: transfers to the account succeed. */
  transfersActive: boolean;
  currentlyDue: string[];
  disabledReason: string | null;
}

/**
 * `enabled`: transfers reach the account and Stripe pays them out; `restricted`: onboarding was
 * submitted but Stripe still needs something (or disabled the account); `onboarding`: the
 * recruiter has not finished Stripe's onboarding yet.
 */
export function payoutAccountStatus(a: StripeAccountFacts): Exclude<PayoutAccountStatus, 'not_connected'> {
  if (a.transfersActive && a.payoutsEnabled) return 'enabled';
  return a.detailsSubmitted ? 'restricted' : 'onboarding';
}

/** Words for Stripe's requirement paths (the ones Express onboarding asks for most); others are spelled out from the path. */
const REQUIREMENT_WORDS: Record<string, string> = {
  business_type: 'Business type',
  external_account: 'Bank account for payouts',
  'tos_acceptance.date': "Acceptance of Stripe's terms of service",
  'tos_acceptance.ip': "Acceptance of Stripe's terms of service",
  'individual.first_name': 'First name',
  'individual.last_name': 'Last name',
  'individual.dob.day': 'Date of birth',
  'individual.dob.month': 'Date of birth',
  'individual.dob.year': 'Date of birth',
  'individual.address.line1': 'Address',
  'individual.address.city': 'Address',
  'individual.address.postal_code': 'Address',
  'individual.address.state': 'Address',
  'individual.email': 'E-mail address',
  'individual.phone': 'Phone number',
  'individual.ssn_last_4': 'Last 4 digits of the social security number',
  'individual.id_number': 'Identity number',
  'individual.verification.document': 'Identity document',
  'business_profile.url': 'Business website',
  'business_profile.mcc': 'Business category',
};

/** `currently_due` as a person reads it: one line per thing, in Stripe's order, without repeats. */
export function readableRequirements(currentlyDue: readonly string[]): string[] {
  const lines = currentlyDue.map((path) => REQUIREMENT_WORDS[path] ?? spellOut(path));
  return [...new Set(lines)];
}

function spellOut(path: string): string {
  const words = path
    .replace(/^(individual|company|business_profile|representative)\./, '')
    .replace(/[._]+/g, ' ')
    .trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : path;
}

/** Stripe's `disabled_reason` as a sentence. */
export function readableDisabledReason(reason: string | null): string | null {
  if (!reason) return null;
  if (reason === 'requirements.past_due') return 'Stripe needs the information below before it pays out';
  if (reason === 'requirements.pending_verification') return 'Stripe is verifying the information given';
  if (reason === 'under_review') return 'Stripe is reviewing the account';
  if (reason.startsWith('rejected.')) return 'Stripe rejected the account';
  return `Stripe disabled the account (${reason})`;
}

/** An `account.updated` webhook reached the API: the workflow re-reads the account from Stripe. */
export interface AccountUpdatedSignal {
  eventId: string;
}
export const accountUpdatedSignal = defineSignal<[AccountUpdatedSignal]>('accountUpdated');

export interface PayoutAccountInput {
  stripeAccountId: string;
  /** Set by continueAsNew when events arrived during the previous run's last sync. */
  pending?: boolean;
  /** Set by continueAsNew: the status the previous run last read. */
  status?: PayoutAccountStatus;
}

export interface PayoutAccountView {
  stripeAccountId: string;
  status: PayoutAccountStatus;
  eventsSeen: number;
}
export const payoutAccountStateQuery = defineQuery<PayoutAccountView>('payoutAccountState');
/** The payout-account workflow's signature (the API signals-with-start it by name). */
export type PayoutAccountWorkflow = (input: PayoutAccountInput) => Promise<PayoutAccountView>;

/** Stripe signs every webhook delivery; the SDK refuses signatures older than this (its default tolerance). */
export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;
