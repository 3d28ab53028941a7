import type { Knex } from 'knex';

/**
 * Shared tables (companies, users, recruiters, candidates, jobs, applications,
 * settings) and the proposal slice (candidate_role_assignments + its history).
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/).
const ROLES = ['recruiter', 'company_admin', 'hiring_manager', 'platform_admin'] as const;
const PROPOSAL_STATES = ['proposed', 'company_reviewing', 'accepted', 'declined', 'withdrawn', 'timed_out'] as const;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('companies', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('marketplace_config', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex('marketplace_config').insert([
    { key: 'proposal_timeout_hours', value: JSON.stringify(72) },
    { key: 'proposal_reminder_hours_before', value: JSON.stringify(24) },
  ]);

  await knex.schema.createTable('company_settings', (t) => {
    t.uuid('company_id').primary().references('companies.id').onDelete('CASCADE');
    t.integer('proposal_timeout_hours').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table company_settings add constraint company_settings_timeout_range
    check (proposal_timeout_hours is null or proposal_timeout_hours between 1 and 720)`);

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable().unique();
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.uuid('company_id').nullable().references('companies.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table users add constraint users_role_valid check (role in (${inList(ROLES)}))`);
  await knex.raw(`alter table users add constraint users_company_role check (
    (role in ('company_admin', 'hiring_manager')) = (company_id is not null))`);

  await knex.schema.createTable('recruiters', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().unique().references('users.id');
    t.text('display_name').notNullable();
    /** Stripe Connect connected account that receives this recruiter's split payouts. */
    t.text('stripe_account_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('candidates', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('full_name').notNullable();
    t.text('email').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('jobs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('company_id').notNullable().references('companies.id');
    t.text('title').notNullable();
    t.text('status').notNullable().defaultTo('open');
    t.uuid('hiring_manager_user_id').nullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['company_id']);
  });
  await knex.raw(`alter table jobs add constraint jobs_status_valid check (status in ('open', 'closed'))`);

  await knex.schema.createTable('candidate_role_assignments', (t) => {
    t.uuid('id').primary();
    t.uuid('candidate_id').notNullable().references('candidates.id');
    t.uuid('job_id').notNullable().references('jobs.id');
    t.uuid('company_id').notNullable().references('companies.id');
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.text('pitch').notNullable();
    t.text('state').notNullable();
    t.timestamp('decision_deadline', { useTz: true }).notNullable();
    t.timestamp('reminder_at', { useTz: true }).nullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.text('decision_reason').nullable();
    t.text('workflow_id').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['recruiter_id', 'created_at']);
    t.index(['company_id', 'created_at']);
  });
  await knex.raw(`alter table candidate_role_assignments add constraint cra_state_valid
    check (state in (${inList(PROPOSAL_STATES)}))`);
  // The database decides duplicate races: one open proposal per candidate + job.
  await knex.raw(`create unique index cra_one_open_per_candidate_job
    on candidate_role_assignments (candidate_id, job_id)
    where state in ('proposed', 'company_reviewing')`);

  await knex.schema.createTable('candidate_role_assignment_history', (t) => {
    t.bigIncrements('id');
    t.uuid('assignment_id').notNullable().references('candidate_role_assignments.id');
    t.text('old_state').nullable();
    t.text('new_state').notNullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('reason').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    /** One row per transition: a retried activity cannot write a second one. */
    t.text('transition_key').notNullable().unique();
    t.index(['assignment_id', 'id']);
  });

  await knex.schema.createTable('applications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('candidate_id').notNullable().references('candidates.id');
    t.uuid('job_id').notNullable().references('jobs.id');
    t.uuid('recruiter_id').nullable().references('recruiters.id');
    t.text('stage').notNullable().defaultTo('submitted');
    t.uuid('source_proposal_id').nullable().unique().references('candidate_role_assignments.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['candidate_id', 'job_id']);
  });

  await knex.schema.createTable('email_log', (t) => {
    t.bigIncrements('id');
    t.text('idempotency_key').notNullable().unique();
    t.text('template').notNullable();
    t.specificType('recipients', 'text[]').notNullable();
    t.text('subject').notNullable();
    t.text('provider_message_id').nullable();
    t.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_idempotency_keys', (t) => {
    t.uuid('user_id').notNullable();
    t.text('key').notNullable();
    t.text('method').notNullable();
    t.text('path').notNullable();
    t.text('request_hash').notNullable();
    t.integer('status_code').nullable();
    t.jsonb('response_body').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'key']);
  });

  // History is append-only: the database refuses edits, not just the code.
  await knex.raw(`create function forbid_history_change() returns trigger language plpgsql as $$
    begin raise exception '% is append-only', tg_table_name; end $$`);
  await knex.raw(`create trigger candidate_role_assignment_history_append_only
    before update or delete on candidate_role_assignment_history
    for each row execute function forbid_history_change()`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'api_idempotency_keys',
    'email_log',
    'applications',
    'candidate_role_assignment_history',
    'candidate_role_assignments',
    'jobs',
    'candidates',
    'recruiters',
    'users',
    'company_settings',
    'marketplace_config',
    'companies',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('drop function if exists forbid_history_change()');
}
