import type { Executor } from '../../lib/db.js';

/**
 * One row type per table, as the migrations (db/migrations/001–012) define it, used through
 * `table()` below so the DAL's queries are typed per table.
 *
 * Conventions: `timestamp` columns read as Date; `bigint`/`bigIncrements` read as number
 * (lib/db.ts parses int8, refusing unsafe values); `date` reads as Date; `decimal` reads as
 * string (pg's default); `jsonb` is `unknown` because callers write JSON.stringify()'d text
 * and read parsed values, so the column type is only known where a DAL function casts it.
 * Inserts and updates take a partial row (knex's default), so defaults may be omitted.
 */

export interface CompaniesTable { id: string; name: string; created_at: Date }
export interface MarketplaceConfigTable { key: string; value: unknown; updated_at: Date }
export interface CompanySettingsTable { company_id: string; proposal_timeout_hours: number | null; protection_window_days: number | null; updated_at: Date }
export interface UsersTable { id: string; email: string; name: string; role: string; company_id: string | null; created_at: Date }
export interface RecruitersTable { id: string; user_id: string; display_name: string; stripe_account_id: string | null; created_at: Date }
export interface CandidatesTable {
  id: string; full_name: string; email: string | null; created_at: Date; source_integration_id: string | null; deleted_at: Date | null;
}
export interface JobsTable {
  id: string; company_id: string; title: string; status: string; hiring_manager_user_id: string | null; created_at: Date;
  source_integration_id: string | null; deleted_at: Date | null;
  /** Migration 012: what a company posts here (product §3.7); `search` is generated from title, location and description. */
  description: string | null; location: string | null; remote: string | null; salary_min_cents: number | null; salary_max_cents: number | null;
  salary_currency: string | null; fee_percent_bps: number | null; fee_fixed_cents: number | null; fee_currency: string | null;
  shared_with_marketplace: boolean; updated_at: Date; search: string;
}
export interface ProposalsTable {
  id: string; candidate_id: string; job_id: string; company_id: string; recruiter_id: string; pitch: string; state: string;
  decision_deadline: Date; reminder_at: Date | null; decided_at: Date | null; decision_reason: string | null; workflow_id: string;
  created_at: Date; updated_at: Date;
}
export interface ProposalHistoryTable {
  id: number; assignment_id: string; old_state: string | null; new_state: string; actor_user_id: string | null; actor_role: string;
  reason: string | null; occurred_at: Date; transition_key: string;
}
export interface ApplicationsTable {
  id: string; candidate_id: string; job_id: string; recruiter_id: string | null; stage: string; source_proposal_id: string | null; created_at: Date;
  stage_changed_at: Date | null; source_integration_id: string | null; status: string; deleted_at: Date | null;
  stage_label: string | null; stage_label_changed_at: Date | null;
}
export interface EmailLogTable {
  id: number; idempotency_key: string; template: string; recipients: string[]; subject: string; provider_message_id: string | null; sent_at: Date;
}
export interface ApiIdempotencyKeysTable {
  user_id: string; key: string; method: string; path: string; request_hash: string; status_code: number | null; response_body: unknown; created_at: Date;
}
export interface PlacementGuaranteeConfigTable { company_id: string; guarantee_days: number | null; holdback_bps: number | null; updated_at: Date }
export interface PlacementsTable {
  id: string; company_id: string; job_id: string; candidate_id: string; fee_cents: number; currency: string; holdback_bps: number;
  /** Written as the calendar day 'YYYY-MM-DD'; pg reads a `date` as local midnight. */
  start_date: Date | string; guarantee_days: number; guarantee_ends_at: Date | null; state: string; splits_locked_at: Date | null; workflow_id: string;
  created_at: Date; updated_at: Date;
}
export interface PlacementStatesTable {
  id: number; placement_id: string; old_state: string | null; new_state: string; actor_user_id: string | null; actor_role: string;
  reason: string | null; details: unknown; occurred_at: Date; transition_key: string;
}
export interface PlacementCollaboratorsTable { id: string; placement_id: string; recruiter_id: string; role: string; split_bps: number; created_at: Date }
export interface EscrowHoldsTable {
  id: string; placement_id: string; amount_cents: number; currency: string; status: string; reason: string | null; held_at: Date; settled_at: Date | null;
}
export interface PayoutSchedulesTable {
  id: string; placement_id: string; tranche: string; amount_cents: number; currency: string; status: string; workflow_id: string; created_at: Date; updated_at: Date;
}
export interface PayoutSplitsTable {
  id: string; payout_id: string; collaborator_id: string; recruiter_id: string; amount_cents: number; stripe_account_id: string | null;
  transfer_attempt: number; status: string; stripe_transfer_id: string | null; reversed_cents: number; block_reason: string | null; updated_at: Date;
}
export interface PayoutAuditLogTable {
  id: number; payout_id: string; split_id: string | null; event: string; old_status: string | null; new_status: string | null;
  actor_user_id: string | null; actor_role: string; reason: string | null; details: unknown; occurred_at: Date; event_key: string;
}
export interface CandidateSourcersTable {
  id: string; candidate_id: string; recruiter_id: string; claimed_at: Date; window_days: number; protection_ends_at: Date;
  protection_state: string; workflow_id: string; updated_at: Date;
}
export interface CandidateOutreachTable {
  id: string; candidate_id: string; recruiter_id: string; to_email: string; subject: string; body: string; provider_message_id: string | null;
  idempotency_key: string; sent_at: Date | null; status: string; created_at: Date;
}
export interface CandidateOutreachEventsTable {
  id: number; outreach_id: string; provider_event_id: string; type: string; occurred_at: Date; payload: unknown; received_at: Date;
}
export interface MarketplaceEventsTable {
  id: number; type: string; candidate_id: string | null; recruiter_id: string | null; actor_user_id: string | null; actor_role: string;
  details: unknown; occurred_at: Date; event_key: string;
}
export interface DecisionAuditLogTable {
  id: number; entity_type: string; entity_id: string; decision: string; actor_user_id: string | null; actor_role: string; reason: string | null;
  details: unknown; occurred_at: Date; decision_key: string; source: string; company_id: string | null; outcome: string | null;
  confidence: string | null; model_version: string | null; overrides_decision_id: number | null;
}
export interface AutomationRulesTable {
  id: string; company_id: string | null; name: string; trigger_event: string; conditions: unknown; actions: unknown; requires_approval: boolean;
  approval_timeout_hours: number; approver_role: string; enabled: boolean; created_by_user_id: string | null; created_at: Date; updated_at: Date;
  deleted_at: Date | null;
}
export interface DomainEventsTable {
  id: string; type: string; company_id: string | null; entity_type: string; entity_id: string; data: unknown; depth: number; occurred_at: Date; event_key: string;
}
export interface AutomationExecutionsTable {
  id: string; rule_id: string; event_id: string; company_id: string | null; trigger_event: string; entity_type: string; entity_id: string;
  status: string; rule_snapshot: unknown; conditions_met: boolean | null; condition_trace: unknown; actions_taken: unknown; error: string | null;
  workflow_id: string; created_at: Date; finished_at: Date | null; duration_ms: number | null;
}
export interface AutomationApprovalsTable {
  id: string; company_id: string | null; approver_role: string; status: string; summary: unknown; requested_at: Date; expires_at: Date;
  decided_by_user_id: string | null; decided_by_role: string | null; comment: string | null; decided_at: Date | null;
}
export interface ApplicationStageHistoryTable {
  id: number; application_id: string; from_stage: string | null; to_stage: string; actor_user_id: string | null; actor_role: string;
  source: string; reason: string | null; occurred_at: Date; change_key: string;
}
export interface RecruiterTasksTable {
  id: string; recruiter_id: string; company_id: string | null; title: string; entity_type: string; entity_id: string; due_at: Date;
  status: string; execution_id: string | null; created_at: Date; task_key: string;
}
export interface IntegrationsTable {
  id: string; company_id: string; platform: string; name: string; credentials_sealed: string; credentials_key_id: string;
  webhook_secret_sealed: string; base_url: string | null; auth_url: string | null; sync_jobs: boolean; sync_candidates: boolean;
  sync_applications: boolean; push_applications: boolean; interval_minutes: number; state: string; last_error: string | null;
  workflow_id: string; created_by_user_id: string | null; created_at: Date; updated_at: Date;
}
export interface SyncCheckpointsTable {
  integration_id: string; entity: string; checkpoint: string | null; run_id: string | null; run_mode: string | null; run_started_at: Date | null;
  cursor: string | null; pages_done: number; last_success_at: Date | null; last_error: string | null; version: number; updated_at: Date;
}
export interface SyncLogsTable {
  id: number; integration_id: string; run_id: string; entity: string; mode: string; page: number; received: number; created: number;
  updated: number; deleted: number; unchanged: number; status: string; error: string | null; occurred_at: Date; log_key: string;
}
export interface ExternalEntityMapTable {
  integration_id: string; entity_type: string; external_id: string; internal_id: string; content_hash: string | null;
  remote_updated_at: string | null; seen_run_id: string | null; deleted_at: Date | null; updated_at: Date;
}
export interface AtsEventsTable {
  id: number; integration_id: string; provider_event_id: string; provider: string; event_type: string; candidate_external_id: string | null;
  application_external_id: string | null; job_external_id: string | null; stage_from: string | null; stage_to: string | null;
  actor: string | null; occurred_at: Date; metadata: unknown; received_at: Date;
}

export interface JobChangesTable {
  id: number; job_id: string; actor_user_id: string | null; actor_role: string; change: string; changes: unknown; occurred_at: Date;
}

/** Table name → row type; the key is the name written in queries. */
export interface AllTables {
  companies: CompaniesTable;
  marketplace_config: MarketplaceConfigTable;
  company_settings: CompanySettingsTable;
  users: UsersTable;
  recruiters: RecruitersTable;
  candidates: CandidatesTable;
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
}

export type TableName = keyof AllTables;

/**
 * The typed way the DAL names a table: `table(trx, 'proposals')` is a query builder of
 * ProposalsTable rows. (knex's global `declare module 'knex/types/tables'` augmentation
 * would type every `db('…')` in the program, the tests' and drills' direct reads included,
 * which then fail to compile; this accessor keeps the typing inside the DAL.)
 */
export const table = <N extends TableName>(x: Executor, name: N) => x<AllTables[N]>(name);
