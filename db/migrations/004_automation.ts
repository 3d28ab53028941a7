import type { Knex } from 'knex';

/**
 * Automation with human approval (product §3.5): rules triggered by domain events, one
 * execution record per triggered rule (a snapshot of the rule, what its conditions
 * found, what its actions did), approval requests for high-impact actions, the tasks
 * and stage changes actions make, and AI decisions with human overrides in the
 * (append-only) decision_audit_log.
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/).
const EXECUTION_STATUSES = ['pending', 'awaiting_approval', 'running', 'succeeded', 'failed', 'skipped', 'rejected', 'expired'] as const;
const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
const APPROVER_ROLES = ['company_admin', 'hiring_manager', 'platform_admin'] as const;
const DECISION_SOURCES = ['human', 'ai', 'system'] as const;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('automation_rules', (t) => {
    t.uuid('id').primary();
    /** null: a marketplace-wide rule (platform admins only). */
    t.uuid('company_id').nullable().references('companies.id');
    t.text('name').notNullable();
    t.text('trigger_event').notNullable();
    t.jsonb('conditions').nullable();
    t.jsonb('actions').notNullable();
    t.boolean('requires_approval').notNullable();
    t.integer('approval_timeout_hours').notNullable().defaultTo(24);
    t.text('approver_role').notNullable().defaultTo('company_admin');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.uuid('created_by_user_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    /** Rules are retired, not deleted: their executions keep pointing at them. */
    t.timestamp('deleted_at', { useTz: true }).nullable();
    t.index(['trigger_event', 'company_id']);
    t.index(['company_id', 'created_at']);
  });
  await knex.raw(`alter table automation_rules add constraint automation_rules_valid check (
    approval_timeout_hours between 1 and 720 and approver_role in (${inList(APPROVER_ROLES)}))`);

  await knex.schema.createTable('domain_events', (t) => {
    t.uuid('id').primary();
    t.text('type').notNullable();
    t.uuid('company_id').nullable();
    t.text('entity_type').notNullable();
    t.uuid('entity_id').notNullable();
    t.jsonb('data').notNullable();
    /** How many automation steps led to this event (loops stop at a bound). */
    t.integer('depth').notNullable().defaultTo(0);
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    /** One row per occurrence: a retried publish cannot raise the event twice. */
    t.text('event_key').notNullable().unique();
    t.index(['type', 'occurred_at']);
  });

  await knex.schema.createTable('automation_executions', (t) => {
    t.uuid('id').primary();
    t.uuid('rule_id').notNullable().references('automation_rules.id');
    t.uuid('event_id').notNullable().references('domain_events.id');
    t.uuid('company_id').nullable();
    t.text('trigger_event').notNullable();
    t.text('entity_type').notNullable();
    t.uuid('entity_id').notNullable();
    t.text('status').notNullable();
    /** The rule as it was when the event arrived: later edits do not change a running execution. */
    t.jsonb('rule_snapshot').notNullable();
    t.boolean('conditions_met').nullable();
    t.jsonb('condition_trace').nullable();
    t.jsonb('actions_taken').notNullable().defaultTo('[]');
    t.text('error').nullable();
    t.text('workflow_id').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.integer('duration_ms').nullable();
    t.unique(['event_id', 'rule_id']);
    t.index(['rule_id', 'created_at']);
    t.index(['company_id', 'created_at']);
    t.index(['entity_type', 'entity_id']);
  });
  await knex.raw(`alter table automation_executions add constraint automation_executions_status check (
    status in (${inList(EXECUTION_STATUSES)}))`);

  await knex.schema.createTable('automation_approvals', (t) => {
    /** The execution's id: one approval request per execution. */
    t.uuid('id').primary().references('automation_executions.id');
    t.uuid('company_id').nullable();
    t.text('approver_role').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.jsonb('summary').notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.uuid('decided_by_user_id').nullable();
    t.text('decided_by_role').nullable();
    t.text('comment').nullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.index(['status', 'approver_role', 'company_id']);
  });
  await knex.raw(`alter table automation_approvals add constraint automation_approvals_status check (
    status in (${inList(APPROVAL_STATUSES)}))`);

  await knex.schema.createTable('application_stage_history', (t) => {
    t.bigIncrements('id');
    t.uuid('application_id').notNullable().references('applications.id');
    t.text('from_stage').nullable();
    t.text('to_stage').notNullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('source').notNullable();
    t.text('reason').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('change_key').notNullable().unique();
    t.index(['application_id', 'id']);
  });
  await knex.schema.alterTable('applications', (t) => {
    t.timestamp('stage_changed_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('recruiter_tasks', (t) => {
    t.uuid('id').primary();
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.uuid('company_id').nullable();
    t.text('title').notNullable();
    t.text('entity_type').notNullable();
    t.uuid('entity_id').notNullable();
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.text('status').notNullable().defaultTo('open');
    t.uuid('execution_id').nullable().references('automation_executions.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.text('task_key').notNullable().unique();
    t.index(['recruiter_id', 'created_at']);
  });

  // AI suggestions and the human decisions that override them sit side by side in the audit log.
  await knex.schema.alterTable('decision_audit_log', (t) => {
    t.text('source').notNullable().defaultTo('human');
    t.uuid('company_id').nullable();
    t.text('outcome').nullable();
    t.decimal('confidence', 4, 3).nullable();
    t.text('model_version').nullable();
    t.bigInteger('overrides_decision_id').nullable().references('decision_audit_log.id');
    t.index(['company_id', 'occurred_at']);
  });
  await knex.raw(`alter table decision_audit_log add constraint decision_audit_log_ai check (
    source in (${inList(DECISION_SOURCES)}) and (confidence is null or confidence between 0 and 1))`);
  // One human override per AI decision.
  await knex.raw(
    'create unique index decision_audit_log_one_override on decision_audit_log (overrides_decision_id) where overrides_decision_id is not null',
  );

  for (const table of ['application_stage_history', 'domain_events']) {
    await knex.raw(`create trigger ${table}_append_only before update or delete on ${table}
      for each row execute function forbid_history_change()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists decision_audit_log_one_override');
  await knex.raw('alter table decision_audit_log drop constraint if exists decision_audit_log_ai');
  await knex.schema.alterTable('decision_audit_log', (t) => {
    t.dropIndex(['company_id', 'occurred_at']);
    for (const c of ['overrides_decision_id', 'model_version', 'confidence', 'outcome', 'company_id', 'source']) t.dropColumn(c);
  });
  await knex.schema.alterTable('applications', (t) => t.dropColumn('stage_changed_at'));
  for (const table of [
    'recruiter_tasks',
    'application_stage_history',
    'automation_approvals',
    'automation_executions',
    'domain_events',
    'automation_rules',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
