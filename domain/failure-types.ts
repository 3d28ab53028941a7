/** `ApplicationFailure.type` of permanent failures, shared by activities, workflows and the API. */
export const FAILURE_TYPES = {
  DuplicateOpenProposal: 'DuplicateOpenProposal',
  JobNotOpen: 'JobNotOpen',
  /** The job does not exist, or the recruiter may no longer see it (product §3.8): owner-neutral. */
  JobNotFound: 'JobNotFound',
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
  /** The placement has no fee invoice yet (money in, issue 19). */
  PaymentNotFound: 'PaymentNotFound',
  /** Stripe refused for good to create, pay or void the fee invoice. */
  InvoiceRefused: 'InvoiceRefused',
  /** Stripe refused the company's refund for good: the refund is blocked until an admin retries or cancels it. */
  RefundRefused: 'RefundRefused',
  /** A payout of a placement whose fee is not (or no longer) collected: nothing is transferred before the money is in. */
  FeeNotCollected: 'FeeNotCollected',
} as const;
