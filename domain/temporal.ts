import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Task queue names, shared by workers (which poll) and the API (which starts). */
export const TASK_QUEUES = {
  proposals: 'proposals',
  placements: 'placements',
  ownership: 'ownership',
  automation: 'automation',
  atsSync: 'ats-sync',
} as const;
export type TaskQueues = { [K in keyof typeof TASK_QUEUES]: string };

/** Custom search attributes (product §5); registered by the dev server start and the compose setup. */
export const SEARCH_ATTRIBUTES = {
  ProposalState: defineSearchAttributeKey('ProposalState', SearchAttributeType.KEYWORD),
  PlacementState: defineSearchAttributeKey('PlacementState', SearchAttributeType.KEYWORD),
  PayoutStatus: defineSearchAttributeKey('PayoutStatus', SearchAttributeType.KEYWORD),
  EscrowStatus: defineSearchAttributeKey('EscrowStatus', SearchAttributeType.KEYWORD),
  CompanyId: defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD),
  IntegrationPlatform: defineSearchAttributeKey('IntegrationPlatform', SearchAttributeType.KEYWORD),
  NeedsAttention: defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL),
  ProtectionState: defineSearchAttributeKey('ProtectionState', SearchAttributeType.KEYWORD),
  ProtectionEndsAt: defineSearchAttributeKey('ProtectionEndsAt', SearchAttributeType.DATETIME),
  AutomationStatus: defineSearchAttributeKey('AutomationStatus', SearchAttributeType.KEYWORD),
  IntegrationState: defineSearchAttributeKey('IntegrationState', SearchAttributeType.KEYWORD),
  /** A placement's fee payment (domain/payment.ts PAYMENT_STATUSES). */
  PaymentStatus: defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD),
} as const;

/** Deterministic workflow ids (product §4): a repeated request cannot start a second process. */
export const workflowIds = {
  proposal: (proposalId: string) => `proposal-${proposalId}`,
  placement: (placementId: string) => `placement-${placementId}`,
  payout: (payoutId: string) => `payout-${payoutId}`,
  /** One per Stripe connected account (product §3.3): every `account.updated` of it signals this id. */
  payoutAccount: (stripeAccountId: string) => `payout-account-${stripeAccountId}`,
  protection: (candidateId: string) => `protection-${candidateId}`,
  atsSync: (integrationId: string) => `ats-sync-${integrationId}`,
  /** `approval-…` when the execution waits for a person, so ops can tell them apart by id. */
  automation: (executionId: string, requiresApproval: boolean) => `${requiresApproval ? 'approval' : 'automation'}-${executionId}`,
} as const;

/**
 * Workflow type names: the API and activities start workflows by name (not by importing the
 * workflow function), so they never load workflow code. test/domain/workflow-types.test.ts
 * checks each name is a function exported by workflows/index.ts.
 */
export const WORKFLOW_TYPES = {
  proposal: 'proposalWorkflow',
  placement: 'placementWorkflow',
  payout: 'payoutWorkflow',
  payoutAccount: 'payoutAccountWorkflow',
  protection: 'protectionWorkflow',
  automation: 'automationExecutionWorkflow',
  atsSync: 'atsSyncWorkflow',
} as const;
