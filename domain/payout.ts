import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './actors.js';

/** Payouts and their splits (product §3.3): statuses, tranches, the admin commands on a blocked split. */
export const PAYOUT_STATUSES = ['processing', 'blocked', 'paid', 'cancelled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
export const SPLIT_STATUSES = ['pending', 'paid', 'blocked', 'cancelled', 'reversed'] as const;
export type SplitStatus = (typeof SPLIT_STATUSES)[number];
export const TRANCHES = ['activation', 'holdback'] as const;
export type Tranche = (typeof TRANCHES)[number];

/** A Stripe connected account id, as the API accepts it and the workflow checks it. */
export const STRIPE_ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,64}$/;

/** What the payout workflow tracks of each split. */
export interface SplitState {
  splitId: string;
  collaboratorId: string;
  recruiterId: string;
  amountCents: number;
  status: SplitStatus;
  blockReason: string | null;
}

export type AdminSplitAction =
  | { kind: 'retry' }
  | { kind: 'change_account'; stripeAccountId: string; updateRecruiterAccount?: boolean }
  | { kind: 'cancel'; reason: string };

export interface PayoutInput {
  payoutId: string;
  placementId: string;
  companyId: string;
  tranche: Tranche;
  amountCents: number;
  currency: string;
}

export interface PayoutView {
  payoutId: string;
  status: PayoutStatus;
  splits: SplitState[];
}

export interface SplitCommand {
  splitId: string;
  actor: Actor;
  reason?: string;
}

/** Admin answers to a blocked split (product §3.3): platform admins only. */
export const retrySplitUpdate = defineUpdate<SplitState, [SplitCommand]>('retrySplit');
/** `updateRecruiterAccount`: the account becomes the recruiter's for future payouts too (absent in runs from before it existed: false). */
export const changeSplitAccountUpdate = defineUpdate<
  SplitState,
  [SplitCommand & { stripeAccountId: string; updateRecruiterAccount: boolean }]
>('changeSplitAccount');
export const cancelSplitUpdate = defineUpdate<SplitState, [SplitCommand & { reason: string }]>('cancelSplit');
export const payoutStateQuery = defineQuery<PayoutView>('payoutState');

/** The payout workflow's signature (a child of the placement; tests start it by name). */
export type PayoutWorkflow = (input: PayoutInput) => Promise<PayoutView>;
