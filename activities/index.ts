import type { Resend } from 'resend';
import type Stripe from 'stripe';
import type { Db } from '../lib/db.js';
import { createProposalDbActivities } from './db/proposals.js';
import { createEmailActivities } from './email.js';
import { createPayoutDbActivities } from './db/payouts.js';
import { createPlacementDbActivities } from './db/placements.js';
import { createProtectionDbActivities } from './db/protection.js';
import { createStripeActivities } from './stripe.js';

export interface ActivityDeps {
  db: Db;
  resend: Resend;
  emailFrom: string;
  appUrl: string;
}

const emailActivities = (deps: ActivityDeps) => createEmailActivities({ resend: deps.resend, db: deps.db, from: deps.emailFrom, appUrl: deps.appUrl });

/** Activities of the `proposals` task queue. */
export function createProposalActivities(deps: ActivityDeps) {
  const { sendProposalEmail } = emailActivities(deps);
  return { ...createProposalDbActivities({ db: deps.db }), sendProposalEmail };
}

/** Activities of the `ownership` task queue (candidate protection). */
export function createOwnershipActivities(deps: ActivityDeps) {
  const { sendProtectionEmail } = emailActivities(deps);
  return { ...createProtectionDbActivities({ db: deps.db }), sendProtectionEmail };
}

export type OwnershipActivities = ReturnType<typeof createOwnershipActivities>;

export type ProposalActivities = ReturnType<typeof createProposalActivities>;

export interface PlacementActivityDeps extends ActivityDeps {
  stripe: Stripe;
}

/** Activities of the `placements` task queue (placement and payout workflows). */
export function createPlacementActivities(deps: PlacementActivityDeps) {
  const { sendGuaranteeExpiringEmail } = emailActivities(deps);
  return {
    ...createPlacementDbActivities({ db: deps.db }),
    ...createPayoutDbActivities({ db: deps.db }),
    ...createStripeActivities({ stripe: deps.stripe, db: deps.db }),
    sendGuaranteeExpiringEmail,
  };
}

export type PlacementActivities = ReturnType<typeof createPlacementActivities>;
