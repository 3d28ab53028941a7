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
} as const;

/** Deterministic workflow ids (product §4): a repeated request cannot start a second process. */
export const workflowIds = {
  proposal: (proposalId: string) => `proposal-${proposalId}`,
  placement: (placementId: string) => `placement-${placementId}`,
  payout: (payoutId: string) => `payout-${payoutId}`,
  protection: (candidateId: string) => `protection-${candidateId}`,
  atsSync: (integrationId: string) => `ats-sync-${integrationId}`,
  /** `approval-…` when the execution waits for a person, so ops can tell them apart by id. */
  automation: (executionId: string, requiresApproval: boolean) => `${requiresApproval ? 'approval' : 'automation'}-${executionId}`,
} as const;

/** `ApplicationFailure.type` of permanent failures, shared by activities, workflows and the API. */
export const FAILURE_TYPES = {
  DuplicateOpenProposal: 'DuplicateOpenProposal',
  JobNotOpen: 'JobNotOpen',
  ProposalNotFound: 'ProposalNotFound',
  InvalidTransition: 'InvalidTransition',
  Forbidden: 'Forbidden',
  InvalidState: 'InvalidState',
  EmailRejected: 'EmailRejected',
  PlacementNotFound: 'PlacementNotFound',
  NoCollaborators: 'NoCollaborators',
  /** Stripe refused a transfer for good (e.g. the account cannot receive transfers): the split is blocked. */
  TransferRefused: 'TransferRefused',
  InvalidSplits: 'InvalidSplits',
  /** The candidate already has a live placement for this job. */
  DuplicatePlacement: 'DuplicatePlacement',
  SplitsLocked: 'SplitsLocked',
  CandidateNotFound: 'CandidateNotFound',
  /** A sourcing claim lost to an earlier one. */
  AlreadySourced: 'AlreadySourced',
  /** Another recruiter's protection window covers the candidate. */
  CandidateProtected: 'CandidateProtected',
  /** An approve / reject after the approval's timeout. */
  ApprovalExpired: 'ApprovalExpired',
  ApplicationNotFound: 'ApplicationNotFound',
  /** An automation action that cannot apply to this event (e.g. no such recipient, a finished application). */
  ActionNotApplicable: 'ActionNotApplicable',
  /** The ATS refused our credentials (401/403): the integration pauses until they are fixed. */
  AtsAuthFailed: 'AtsAuthFailed',
  /** The ATS throttled us: retried after the time it asked for. */
  AtsRateLimited: 'AtsRateLimited',
  /** The ATS refused a request for good (400/404/422 …). */
  AtsRequestRejected: 'AtsRequestRejected',
  IntegrationNotFound: 'IntegrationNotFound',
  /** The company already has a live integration of this platform. */
  IntegrationExists: 'IntegrationExists',
  /** The database refused an activity's data for good (a Postgres data exception or check violation): never retried. */
  InvalidData: 'InvalidData',
  /** A newer run of the same entity (e.g. a full re-sync) took over the checkpoint. */
  SyncSuperseded: 'SyncSuperseded',
} as const;
