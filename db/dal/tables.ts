import type { Executor } from '../../lib/db.js';
import type { Role } from '../../domain/actors.js';
import type { AtsPlatform, IntegrationState, SyncEntity } from '../../domain/ats.js';
import type { ApprovalStatus, ApproverRole, DecisionSource, ExecutionStatus } from '../../domain/automation.js';
import type { CollaboratorRole } from '../../domain/money.js';
import type { OutreachStatus } from '../../domain/outreach.js';
import type { PayoutStatus, SplitStatus, Tranche } from '../../domain/payout.js';
import type { EscrowStatus, PlacementState } from '../../domain/placement.js';
import type { JobChangeKind, JobRecruiterRelation, JobStatus } from '../../domain/jobs.js';
import type { MagicLinkPurpose, PeopleChange } from '../../domain/people.js';
import type { PayoutAccountStatus } from '../../domain/payout-account.js';
import type { ProposalState } from '../../domain/proposal.js';
import type { PROTECTION_STATES } from '../../domain/protection.js';
import type { RefundPolicy, TermName, TermsScope } from '../../domain/terms.js';
import type { PaymentEvent, PaymentState, RefundState } from '../../domain/payment.js';

/**
 * One row type per table, as the migrations (db/migrations/001–018) define it, used through
 * `table()` below so the DAL's queries are typed per table.
 *
 * Conventions: `timestamp` columns read as Date; `bigint`/`bigIncrements` read as number
 * (lib/db.ts parses int8, refusing unsafe values); `date` reads as Date; `decimal` reads as
 * string (pg's default); `jsonb` is `unknown` because callers write JSON.stringify()'d text
 * and read parsed values, so the column type is only known where a DAL function casts it.
 * Inserts and updates take a partial row (knex's default), so defaults may be omitted.
 * Columns a check constraint limits to a list carry the domain's type for that list
 * (test/db/domain-constraints.test.ts keeps the two equal); a few unconstrained ones carry
 * the values the DAL writes (job and task status, sync log status, mapped entity types).
 */

/** A stored protection (the workflow's `unclaimed` has no row). */
type StoredProtectionState = (typeof PROTECTION_STATES)[number];

export interface CompaniesTable {
  id: string;
  name: string;
  /** The company's Stripe customer (migration 019), created when its first fee is invoiced. */
  stripe_customer_id: string | null;
  created_at: Date;
}
export interface MarketplaceConfigTable {
  key: string;
  value: unknown;
  updated_at: Date;
}
export interface CompanySettingsTable {
  company_id: string;
  proposal_timeout_hours: number | null;
  protection_window_days: number | null;
  updated_at: Date;
  /** Migration 016: terms money in will use (product §3.11); null = the marketplace default. */
  refund_policy: RefundPolicy | null;
  payment_terms_days: number | null;
  platform_fee_bps: number | null;
}
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  company_id: string | null;
  created_at: Date;
  deactivated_at: Date | null;
  /** Set when the user was created by an invitation (product §3.10). */
  invited_at: Date | null;
  invited_by_user_id: string | null;
  /** The last time a link signed them in; null while an invitation is unused. */
  last_signed_in_at: Date | null;
}
export interface RecruitersTable {
  id: string;
  user_id: string;
  display_name: string;
  stripe_account_id: string | null;
  created_at: Date;
}
export interface CandidatesTable {
  id: string;
  full_name: string;
  email: string | null;
  created_at: Date;
  source_integration_id: string | null;
  deleted_at: Date | null;
  /** Migration 013: a profile added by hand (product §3.9); `email_normalized` and `search_vector` are generated. */
  phone: string | null;
  phone_normalized: string | null;
  location: string | null;
  headline: string | null;
  linkedin_url: string | null;
  notes: string | null;
  skills: string[];
  created_by_recruiter_id: string | null;
  updated_at: Date;
  erased_at: Date | null;
  email_normalized: string | null;
  search_vector: string;
}
export interface CandidateFilesTable {
  id: string;
  candidate_id: string;
  uploaded_by_user_id: string | null;
  kind: 'cv';
  original_filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Buffer;
  created_at: Date;
}
export interface JobsTable {
  id: string;
  company_id: string;
  title: string;
  status: JobStatus;
  hiring_manager_user_id: string | null;
  created_at: Date;
  source_integration_id: string | null;
  deleted_at: Date | null;
  /** Migration 012: what a company posts here (product §3.8); `search` is generated from title, location and description. */
  description: string | null;
  location: string | null;
  remote: string | null;
  salary_min_cents: number | null;
  salary_max_cents: number | null;
  salary_currency: string | null;
  fee_percent_bps: number | null;
  fee_fixed_cents: number | null;
  fee_currency: string | null;
  shared_with_marketplace: boolean;
  updated_at: Date;
  search: string;
}
export interface ProposalsTable {
  id: string;
  candidate_id: string;
  job_id: string;
  company_id: string;
  recruiter_id: string;
  pitch: string;
  state: ProposalState;
  decision_deadline: Date;
  reminder_at: Date | null;
  decided_at: Date | null;
  decision_reason: string | null;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
}
export interface ProposalHistoryTable {
  id: number;
  assignment_id: string;
  old_state: ProposalState | null;
  new_state: ProposalState;
  actor_user_id: string | null;
  actor_role: string;
  reason: string | null;
  occurred_at: Date;
  transition_key: string;
}
export interface ApplicationsTable {
  id: string;
  candidate_id: string;
  job_id: string;
  recruiter_id: string | null;
  stage: string;
  source_proposal_id: string | null;
  created_at: Date;
  stage_changed_at: Date | null;
  source_integration_id: string | null;
  status: string;
  deleted_at: Date | null;
  stage_label: string | null;
  stage_label_changed_at: Date | null;
}
export interface EmailLogTable {
  id: number;
  idempotency_key: string;
  template: string;
  recipients: string[];
  subject: string;
  provider_message_id: string | null;
  sent_at: Date;
}
export interface ApiIdempotencyKeysTable {
  user_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number | null;
  response_body: unknown;
  created_at: Date;
}
export interface PlacementGuaranteeConfigTable {
  company_id: string;
  guarantee_days: number | null;
  holdback_bps: number | null;
  updated_at: Date;
}
export interface PlacementsTable {
  id: string;
  company_id: string;
  job_id: string;
  candidate_id: string;
  fee_cents: number;
  currency: string;
  holdback_bps: number;
  /** The platform fee in force when the placement was recorded (migration 018; 0 before it). */
  platform_fee_bps: number;
  /** The refund policy and payment terms in force when the placement was recorded (migration 019). */
  refund_policy: RefundPolicy;
  payment_terms_days: number;
  /** Written as the calendar day 'YYYY-MM-DD'; pg reads a `date` as local midnight. */
  start_date: Date | string;
  guarantee_days: number;
  guarantee_ends_at: Date | null;
  state: PlacementState;
  splits_locked_at: Date | null;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
}
export interface PlacementStatesTable {
  id: number;
  placement_id: string;
  old_state: PlacementState | null;
  new_state: PlacementState;
  actor_user_id: string | null;
  actor_role: string;
  reason: string | null;
  details: unknown;
  occurred_at: Date;
  transition_key: string;
}
export interface PlacementCollaboratorsTable {
  id: string;
  placement_id: string;
  recruiter_id: string;
  role: CollaboratorRole;
  split_bps: number;
  created_at: Date;
}
export interface EscrowHoldsTable {
  id: string;
  placement_id: string;
  amount_cents: number;
  currency: string;
  status: EscrowStatus;
  reason: string | null;
  held_at: Date;
  settled_at: Date | null;
}
export interface PayoutSchedulesTable {
  id: string;
  placement_id: string;
  tranche: Tranche;
  amount_cents: number;
  /** The cents of the tranche the platform kept (migration 018); the splits share the rest. */
  platform_fee_cents: number;
  currency: string;
  status: PayoutStatus;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
}
export interface PayoutSplitsTable {
  id: string;
  payout_id: string;
  collaborator_id: string;
  recruiter_id: string;
  amount_cents: number;
  stripe_account_id: string | null;
  transfer_attempt: number;
  status: SplitStatus;
  stripe_transfer_id: string | null;
  reversed_cents: number;
  block_reason: string | null;
  updated_at: Date;
}
export interface PayoutAuditLogTable {
  id: number;
  payout_id: string;
  split_id: string | null;
  event: string;
  old_status: string | null;
  new_status: string | null;
  actor_user_id: string | null;
  actor_role: string;
  reason: string | null;
  details: unknown;
  occurred_at: Date;
  event_key: string;
}
export interface CandidateSourcersTable {
  id: string;
  candidate_id: string;
  recruiter_id: string;
  claimed_at: Date;
  window_days: number;
  protection_ends_at: Date;
  protection_state: StoredProtectionState;
  workflow_id: string;
  updated_at: Date;
}
export interface CandidateOutreachTable {
  id: string;
  candidate_id: string;
  recruiter_id: string;
  to_email: string;
  subject: string;
  body: string;
  provider_message_id: string | null;
  idempotency_key: string;
  sent_at: Date | null;
  status: OutreachStatus;
  created_at: Date;
}
export interface CandidateOutreachEventsTable {
  id: number;
  outreach_id: string;
  provider_event_id: string;
  type: string;
  occurred_at: Date;
  payload: unknown;
  received_at: Date;
}
export interface MarketplaceEventsTable {
  id: number;
  type: string;
  candidate_id: string | null;
  recruiter_id: string | null;
  actor_user_id: string | null;
  actor_role: string;
  details: unknown;
  occurred_at: Date;
  event_key: string;
}
export interface DecisionAuditLogTable {
  id: number;
  entity_type: string;
  entity_id: string;
  decision: string;
  actor_user_id: string | null;
  actor_role: string;
  reason: string | null;
  details: unknown;
  occurred_at: Date;
  decision_key: string;
  source: DecisionSource;
  company_id: string | null;
  outcome: string | null;
  confidence: string | null;
  model_version: string | null;
  overrides_decision_id: number | null;
}
export interface AutomationRulesTable {
  id: string;
  company_id: string | null;
  name: string;
  trigger_event: string;
  conditions: unknown;
  actions: unknown;
  requires_approval: boolean;
  approval_timeout_hours: number;
  approver_role: ApproverRole;
  enabled: boolean;
  created_by_user_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}
export interface DomainEventsTable {
  id: string;
  type: string;
  company_id: string | null;
  entity_type: string;
  entity_id: string;
  data: unknown;
  depth: number;
  occurred_at: Date;
  event_key: string;
}
export interface AutomationExecutionsTable {
  id: string;
  rule_id: string;
  event_id: string;
  company_id: string | null;
  trigger_event: string;
  entity_type: string;
  entity_id: string;
  status: ExecutionStatus;
  rule_snapshot: unknown;
  conditions_met: boolean | null;
  condition_trace: unknown;
  actions_taken: unknown;
  error: string | null;
  workflow_id: string;
  created_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
}
export interface AutomationApprovalsTable {
  id: string;
  company_id: string | null;
  approver_role: ApproverRole;
  status: ApprovalStatus;
  summary: unknown;
  requested_at: Date;
  expires_at: Date;
  decided_by_user_id: string | null;
  decided_by_role: string | null;
  comment: string | null;
  decided_at: Date | null;
}
export interface ApplicationStageHistoryTable {
  id: number;
  application_id: string;
  from_stage: string | null;
  to_stage: string;
  actor_user_id: string | null;
  actor_role: string;
  source: string;
  reason: string | null;
  occurred_at: Date;
  change_key: string;
}
export interface RecruiterTasksTable {
  id: string;
  recruiter_id: string;
  company_id: string | null;
  title: string;
  entity_type: string;
  entity_id: string;
  due_at: Date;
  status: 'open' | 'done';
  execution_id: string | null;
  created_at: Date;
  task_key: string;
}
export interface IntegrationsTable {
  id: string;
  company_id: string;
  platform: AtsPlatform;
  name: string;
  credentials_sealed: string;
  credentials_key_id: string;
  webhook_secret_sealed: string;
  base_url: string | null;
  auth_url: string | null;
  sync_jobs: boolean;
  sync_candidates: boolean;
  sync_applications: boolean;
  push_applications: boolean;
  interval_minutes: number;
  state: IntegrationState;
  last_error: string | null;
  workflow_id: string;
  created_by_user_id: string | null;
  created_at: Date;
  updated_at: Date;
}
export interface SyncCheckpointsTable {
  integration_id: string;
  entity: SyncEntity;
  checkpoint: string | null;
  run_id: string | null;
  run_mode: string | null;
  run_started_at: Date | null;
  cursor: string | null;
  pages_done: number;
  last_success_at: Date | null;
  last_error: string | null;
  version: number;
  updated_at: Date;
}
export interface SyncLogsTable {
  id: number;
  integration_id: string;
  run_id: string;
  entity: SyncEntity;
  mode: string;
  page: number;
  received: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  status: 'ok' | 'error';
  error: string | null;
  occurred_at: Date;
  log_key: string;
}
export interface ExternalEntityMapTable {
  integration_id: string;
  entity_type: 'job' | 'candidate' | 'application';
  external_id: string;
  internal_id: string;
  content_hash: string | null;
  remote_updated_at: string | null;
  seen_run_id: string | null;
  deleted_at: Date | null;
  updated_at: Date;
}
export interface AtsEventsTable {
  id: number;
  integration_id: string;
  provider_event_id: string;
  provider: string;
  event_type: string;
  candidate_external_id: string | null;
  application_external_id: string | null;
  job_external_id: string | null;
  stage_from: string | null;
  stage_to: string | null;
  actor: string | null;
  occurred_at: Date;
  metadata: unknown;
  received_at: Date;
}

// Sign-in (migration 011).
export interface MagicLinksTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  requested_ip: string | null;
  purpose: MagicLinkPurpose;
  /** Revoked unused: its user was deactivated or re-invited. */
  revoked_at: Date | null;
}
export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_hash: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  user_agent: string | null;
  created_ip: string | null;
}
export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
export interface SignInRequestsTable {
  id: number;
  email_hash: string;
  ip: string;
  created_at: Date;
}
export interface JobChangesTable {
  id: number;
  job_id: string;
  actor_user_id: string | null;
  actor_role: string;
  change: JobChangeKind;
  changes: unknown;
  occurred_at: Date;
}
/** A recruiter's relation to a job: its holder, or a partner the holder shared it with (migration 015). */
export interface JobRecruitersTable {
  job_id: string;
  recruiter_id: string;
  relation: JobRecruiterRelation;
  added_by_user_id: string | null;
  created_at: Date;
}
/** Migration 016: the append-only audit of company terms and marketplace defaults (product §3.11). */
export interface TermsChangesTable {
  id: number;
  scope: TermsScope;
  company_id: string | null;
  term: TermName;
  old_value: unknown;
  new_value: unknown;
  old_effective: unknown;
  new_effective: unknown;
  actor_user_id: string | null;
  actor_role: string;
  reason: string | null;
  occurred_at: Date;
}

export interface PeopleChangesTable {
  id: number;
  user_id: string;
  company_id: string | null;
  actor_user_id: string | null;
  actor_role: string;
  change: PeopleChange;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  reason: string | null;
  occurred_at: Date;
}

/** Table name → row type; the key is the name written in queries. */
/** Migration 017: a recruiter's Stripe connected account and what Stripe last said about it (product §3.3). */
export interface RecruiterPayoutAccountsTable {
  recruiter_id: string;
  idempotency_key: string;
  stripe_account_id: string | null;
  status: Exclude<PayoutAccountStatus, 'not_connected'>;
  payouts_enabled: boolean;
  transfers_active: boolean;
  currently_due: string[];
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}
export interface PayoutAccountChangesTable {
  id: number;
  recruiter_id: string;
  stripe_account_id: string;
  old_status: string | null;
  new_status: string;
  actor_user_id: string | null;
  actor_role: string;
  details: unknown;
  occurred_at: Date;
}
export interface StripeWebhookEventsTable {
  id: string;
  type: string;
  account: string | null;
  /** The placement a money-in event (invoice, charge, dispute) is about (migration 019). */
  placement_id: string | null;
  received_at: Date;
}
/** One fee invoice per placement and what Stripe last said about it (migration 019). */
export interface PlacementPaymentsTable {
  placement_id: string;
  company_id: string;
  amount_cents: number;
  currency: string;
  state: PaymentState;
  stripe_customer_id: string | null;
  stripe_invoice_id: string | null;
  hosted_invoice_url: string | null;
  stripe_charge_id: string | null;
  amount_paid_cents: number;
  paid_out_of_band: boolean;
  last_payment_error: string | null;
  dispute_status: string | null;
  due_at: Date | null;
  paid_at: Date | null;
  reminders_sent: number;
  refund_state: RefundState;
  refund_due_cents: number | null;
  refunded_cents: number;
  stripe_credit_note_id: string | null;
  refund_block_reason: string | null;
  refund_attempt: number;
  created_at: Date;
  updated_at: Date;
}
/** Append-only audit of a placement's payment (migration 019). */
export interface PaymentChangesTable {
  id: number;
  placement_id: string;
  event: PaymentEvent;
  old_state: string | null;
  new_state: string | null;
  actor_user_id: string | null;
  actor_role: string;
  reason: string | null;
  details: unknown;
  event_key: string;
  occurred_at: Date;
}

export interface AllTables {
  companies: CompaniesTable;
  marketplace_config: MarketplaceConfigTable;
  company_settings: CompanySettingsTable;
  users: UsersTable;
  magic_links: MagicLinksTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  sign_in_requests: SignInRequestsTable;
  recruiters: RecruitersTable;
  candidates: CandidatesTable;
  candidate_files: CandidateFilesTable;
  jobs: JobsTable;
  candidate_role_assignments: ProposalsTable;
  candidate_role_assignment_history: ProposalHistoryTable;
  applications: ApplicationsTable;
  email_log: EmailLogTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
  placement_guarantee_config: PlacementGuaranteeConfigTable;
  placements: PlacementsTable;
  placement_states: PlacementStatesTable;
  placement_collaborators: PlacementCollaboratorsTable;
  escrow_holds: EscrowHoldsTable;
  payout_schedules: PayoutSchedulesTable;
  payout_splits: PayoutSplitsTable;
  payout_audit_log: PayoutAuditLogTable;
  candidate_sourcers: CandidateSourcersTable;
  candidate_outreach: CandidateOutreachTable;
  candidate_outreach_events: CandidateOutreachEventsTable;
  marketplace_events: MarketplaceEventsTable;
  decision_audit_log: DecisionAuditLogTable;
  automation_rules: AutomationRulesTable;
  domain_events: DomainEventsTable;
  automation_executions: AutomationExecutionsTable;
  automation_approvals: AutomationApprovalsTable;
  application_stage_history: ApplicationStageHistoryTable;
  recruiter_tasks: RecruiterTasksTable;
  integrations: IntegrationsTable;
  sync_checkpoints: SyncCheckpointsTable;
  sync_logs: SyncLogsTable;
  external_entity_map: ExternalEntityMapTable;
  ats_events: AtsEventsTable;
  job_changes: JobChangesTable;
  job_recruiters: JobRecruitersTable;
  terms_changes: TermsChangesTable;
  people_changes: PeopleChangesTable;
  recruiter_payout_accounts: RecruiterPayoutAccountsTable;
  payout_account_changes: PayoutAccountChangesTable;
  stripe_webhook_events: StripeWebhookEventsTable;
  placement_payments: PlacementPaymentsTable;
  payment_changes: PaymentChangesTable;
}

export type TableName = keyof AllTables;

/**
 * The typed way the DAL names a table: `table(trx, 'placements')` is a query builder of
 * PlacementsTable rows, and a misspelt name does not compile. (The `Tables` augmentation
 * below types a bare `trx('placements')` the same way, the tests' and drills' reads included,
 * but a name knex does not know falls back to untyped rows; the DAL names tables through here.)
 */
export const table = <N extends TableName>(x: Executor, name: N) => x<AllTables[N]>(name);

/**
 * A read of table `name` whose rows the caller knows more precisely than the schema: jsonb
 * columns (written as JSON text, read parsed, so `unknown` above) or a column its where clause
 * fixes. `Row` must still be a row of that table, so only such refinements compile.
 */
export const refinedTable = <N extends TableName, Row extends AllTables[N]>(x: Executor, name: N) => x<Row>(name);

// knex's table-type augmentation: every `knex('name')` of a table above is typed by its row.
declare module 'knex/types/tables.js' {
  // Declaration merging needs an interface; its members are AllTables'.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tables extends AllTables {}
}
