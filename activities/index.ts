import type { Client } from '@temporalio/client';
import type { Resend } from 'resend';
import type Stripe from 'stripe';
import type { Db } from '../lib/db.js';
import { createProposalDbActivities } from './db/proposals.js';
import { createEmailActivities } from './email.js';
import { createPayoutDbActivities } from './db/payouts.js';
import { createPlacementDbActivities } from './db/placements.js';
import { createProtectionDbActivities } from './db/protection.js';
import { createStripeActivities } from './stripe.js';
import { createPaymentActivities } from './payments.js';
import { createPayoutAccountActivities } from './payout-account.js';
import { createAutomationDbActivities } from './db/automation.js';
import { createEventPublisher } from './events.js';
import { createAtsActivities, type ConnectorFactory } from './ats/sync.js';
import type { KeyRing } from '../lib/sealed.js';
import { TASK_QUEUES } from '../domain/temporal.js';

export interface ActivityDeps {
  db: Db;
  resend: Resend;
  emailFrom: string;
  appUrl: string;
  /** Starts the automation executions that domain events trigger. */
  temporal: Client;
  /** Where those executions run (tests use a private queue). */
  automationTaskQueue?: string;
}

const emailActivities = (deps: ActivityDeps) =>
  createEmailActivities({ resend: deps.resend, db: deps.db, from: deps.emailFrom, appUrl: deps.appUrl });

/** Every task queue's workflows may raise domain events; this is how they reach the rule engine. */
const eventPublisher = (deps: ActivityDeps) =>
  createEventPublisher({ db: deps.db, temporal: deps.temporal, taskQueue: deps.automationTaskQueue ?? TASK_QUEUES.automation });

/** Activities of the `proposals` task queue. */
export function createProposalActivities(deps: ActivityDeps) {
  const { sendProposalEmail } = emailActivities(deps);
  return { ...createProposalDbActivities({ db: deps.db }), sendProposalEmail, ...eventPublisher(deps) };
}

/** Activities of the `ownership` task queue (candidate protection). */
export function createOwnershipActivities(deps: ActivityDeps) {
  const { sendProtectionEmail } = emailActivities(deps);
  return { ...createProtectionDbActivities({ db: deps.db }), sendProtectionEmail, ...eventPublisher(deps) };
}

export type OwnershipActivities = ReturnType<typeof createOwnershipActivities>;

export type ProposalActivities = ReturnType<typeof createProposalActivities>;

export interface PlacementActivityDeps extends ActivityDeps {
  stripe: Stripe;
}

/** Activities of the `placements` task queue (placement and payout workflows). */
export function createPlacementActivities(deps: PlacementActivityDeps) {
  const { sendGuaranteeExpiringEmail, sendPaymentReminderEmail } = emailActivities(deps);
  return {
    ...createPlacementDbActivities({ db: deps.db }),
    ...createPayoutDbActivities({ db: deps.db }),
    ...createStripeActivities({ stripe: deps.stripe, db: deps.db }),
    ...createPaymentActivities({ stripe: deps.stripe, db: deps.db }),
    ...createPayoutAccountActivities({ stripe: deps.stripe, db: deps.db, temporal: deps.temporal }),
    sendGuaranteeExpiringEmail,
    sendPaymentReminderEmail,
    ...eventPublisher(deps),
  };
}

export type PlacementActivities = ReturnType<typeof createPlacementActivities>;

/** Activities of the `automation` task queue (rule executions and their approvals). */
export function createAutomationActivities(deps: ActivityDeps) {
  const events = eventPublisher(deps);
  const { sendAutomationEmail, sendApprovalRequestEmail } = emailActivities(deps);
  return { ...createAutomationDbActivities({ db: deps.db, events }), ...events, sendAutomationEmail, sendApprovalRequestEmail };
}

export type AutomationActivities = ReturnType<typeof createAutomationActivities>;

export interface AtsActivityFactoryDeps extends ActivityDeps {
  keyRing: KeyRing;
  connectorFor: ConnectorFactory;
}

/** Activities of the `ats-sync` task queue (one sync workflow per integration). */
export function createAtsWorkerActivities(deps: AtsActivityFactoryDeps) {
  const { sendIntegrationAuthFailedEmail } = emailActivities(deps);
  return {
    ...createAtsActivities({
      db: deps.db,
      keyRing: deps.keyRing,
      connectorFor: deps.connectorFor,
      events: eventPublisher(deps),
      publicUrl: deps.appUrl,
    }),
    sendIntegrationAuthFailedEmail,
  };
}

export type AtsWorkflowActivities = ReturnType<typeof createAtsWorkerActivities>;
