import type { Knex } from 'knex';

/**
 * Per-connector ATS sync (product §3.6): integrations with encrypted credentials, one
 * checkpoint (and mid-run cursor) per integration × entity, a log line per page,
 * external ids mapped both ways to our jobs / candidates / applications, and the
 * canonical ATS events deduplicated per integration.
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/).
const INTEGRATION_STATES = ['active', 'paused', 'auth_failed', 'deleted'] as const;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('integrations', (t) => {
    t.uuid('id').primary();
    t.uuid('company_id').notNullable().references('companies.id');
    t.text('platform').notNullable();
    t.text('name').notNullable();
    /** AES-256-GCM: base64 of iv ‖ tag ‖ ciphertext, and the id of the key that sealed it. */
    t.text('credentials_sealed').notNullable();
    t.text('credentials_key_id').notNullable();
    t.text('webhook_secret_sealed').notNullable();
    /** Where the connector talks to (null: the platform's public API). */
    t.text('base_url').nullable();
    t.text('auth_url').nullable();
    t.boolean('sync_jobs').notNullable().defaultTo(true);
    t.boolean('sync_candidates').notNullable().defaultTo(true);
    t.boolean('sync_applications').notNullable().defaultTo(true);
    t.boolean('push_applications').notNullable().defaultTo(false);
    t.integer('interval_minutes').notNullable().defaultTo(5);
    t.text('state').notNullable().defaultTo('active');
    t.text('last_error').nullable();
    t.text('workflow_id').notNullable().unique();
    t.uuid('created_by_user_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['company_id', 'created_at']);
  });
  await knex.raw(`alter table integrations add constraint integrations_valid check (
    platform in ('greenhouse', 'lever', 'workable', 'ashby', 'bamboohr')
    and state in (${inList(INTEGRATION_STATES)}) and interval_minutes between 1 and 1440)`);
  // One live integration per company and platform.
  await knex.raw(`create unique index integrations_one_per_platform on integrations (company_id, platform) where state <> 'deleted'`);

  await knex.schema.createTable('sync_checkpoints', (t) => {
    t.uuid('integration_id').notNullable().references('integrations.id');
    t.text('entity').notNullable();
    /** Where the last complete run started (ISO time) or the platform's token: the next run's filter. */
    t.text('checkpoint').nullable();
    /** The run in progress: its id, where it started, the next-page cursor and how many pages are stored. */
    t.text('run_id').nullable();
    t.text('run_mode').nullable();
    t.timestamp('run_started_at', { useTz: true }).nullable();
    t.text('cursor').nullable();
    t.integer('pages_done').notNullable().defaultTo(0);
    t.timestamp('last_success_at', { useTz: true }).nullable();
    t.text('last_error').nullable();
    t.integer('version').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['integration_id', 'entity']);
  });

  await knex.schema.createTable('sync_logs', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').notNullable().references('integrations.id');
    t.text('run_id').notNullable();
    t.text('entity').notNullable();
    t.text('mode').notNullable();
    t.integer('page').notNullable();
    t.integer('received').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('deleted').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    t.text('status').notNullable();
    t.text('error').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    /** A retried page writes its line once. */
    t.text('log_key').notNullable().unique();
    t.index(['integration_id', 'occurred_at']);
  });

  await knex.schema.createTable('external_entity_map', (t) => {
    t.uuid('integration_id').notNullable().references('integrations.id');
    t.text('entity_type').notNullable();
    t.text('external_id').notNullable();
    t.uuid('internal_id').notNullable();
    /** sha256 of the canonical record: an unchanged record is not written again. */
    t.text('content_hash').nullable();
    t.text('remote_updated_at').nullable();
    /** The last run that listed it (full scans find deletions by what a complete run did not list). */
    t.text('seen_run_id').nullable();
    t.timestamp('deleted_at', { useTz: true }).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['integration_id', 'entity_type', 'external_id']);
    t.unique(['integration_id', 'entity_type', 'internal_id']);
  });

  await knex.schema.createTable('ats_events', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').notNullable().references('integrations.id');
    t.text('provider_event_id').notNullable();
    t.text('provider').notNullable();
    t.text('event_type').notNullable();
    t.text('candidate_external_id').nullable();
    t.text('application_external_id').nullable();
    t.text('job_external_id').nullable();
    t.text('stage_from').nullable();
    t.text('stage_to').nullable();
    t.text('actor').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.unique(['integration_id', 'provider_event_id']);
    t.index(['integration_id', 'occurred_at']);
  });
  await knex.raw(`create trigger ats_events_append_only before update or delete on ats_events
    for each row execute function forbid_history_change()`);

  // The rows an ATS feeds: where they came from, and soft deletion.
  await knex.schema.alterTable('jobs', (t) => {
    t.uuid('source_integration_id').nullable().references('integrations.id');
    t.timestamp('deleted_at', { useTz: true }).nullable();
  });
  await knex.schema.alterTable('candidates', (t) => {
    t.uuid('source_integration_id').nullable().references('integrations.id');
    t.timestamp('deleted_at', { useTz: true }).nullable();
  });
  await knex.schema.alterTable('applications', (t) => {
    t.uuid('source_integration_id').nullable().references('integrations.id');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('deleted_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['applications', 'candidates', 'jobs']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('source_integration_id');
      t.dropColumn('deleted_at');
      if (table === 'applications') t.dropColumn('status');
    });
  }
  for (const table of ['ats_events', 'external_entity_map', 'sync_logs', 'sync_checkpoints', 'integrations']) {
    await knex.schema.dropTableIfExists(table);
  }
}
