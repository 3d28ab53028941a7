import type { Knex } from 'knex';

/**
 * Candidate ownership (product §3.4): the first sourcing claim wins (the unique constraint
 * decides races), a protection window blocks other recruiters, outreach e-mails and their
 * Resend events are evidence of first contact; marketplace events and the decision audit
 * log record conflicts and admin decisions.
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/).
const PROTECTION_STATES = ['protected', 'released', 'expired'] as const;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex('marketplace_config').insert([
    { key: 'protection_window_days', value: JSON.stringify(30) },
    { key: 'protection_notice_days_before', value: JSON.stringify(3) },
  ]);
  await knex.schema.alterTable('company_settings', (t) => {
    t.integer('protection_window_days').nullable();
  });
  await knex.raw(`alter table company_settings add constraint company_settings_protection_range
    check (protection_window_days is null or protection_window_days between 1 and 365)`);

  await knex.schema.createTable('candidate_sourcers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('candidate_id').notNullable().unique().references('candidates.id');
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.timestamp('claimed_at', { useTz: true }).notNullable();
    t.integer('window_days').notNullable();
    t.timestamp('protection_ends_at', { useTz: true }).notNullable();
    t.text('protection_state').notNullable().defaultTo('protected');
    t.text('workflow_id').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['recruiter_id']);
  });
  await knex.raw(`alter table candidate_sourcers add constraint cs_valid check (
    window_days between 1 and 730 and protection_state in (${inList(PROTECTION_STATES)}))`);

  await knex.schema.createTable('candidate_outreach', (t) => {
    t.uuid('id').primary();
    t.uuid('candidate_id').notNullable().references('candidates.id');
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.text('to_email').notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    /** Resend's id of the sent e-mail: webhook events find their outreach by it. */
    t.text('provider_message_id').nullable().unique();
    t.text('idempotency_key').notNullable().unique();
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.index(['candidate_id', 'sent_at']);
  });

  await knex.schema.createTable('candidate_outreach_events', (t) => {
    t.bigIncrements('id');
    t.uuid('outreach_id').notNullable().references('candidate_outreach.id');
    /** The webhook delivery id (svix-id): a redelivered event is stored once. */
    t.text('provider_event_id').notNullable().unique();
    t.text('type').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['outreach_id', 'occurred_at']);
  });

  await knex.schema.createTable('marketplace_events', (t) => {
    t.bigIncrements('id');
    t.text('type').notNullable();
    t.uuid('candidate_id').nullable().references('candidates.id');
    t.uuid('recruiter_id').nullable().references('recruiters.id');
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.jsonb('details').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    /** Makes recording an event idempotent under activity retries. */
    t.text('event_key').notNullable().unique();
    t.index(['type', 'occurred_at']);
    t.index(['candidate_id', 'occurred_at']);
  });

  await knex.schema.createTable('decision_audit_log', (t) => {
    t.bigIncrements('id');
    t.text('entity_type').notNullable();
    t.text('entity_id').notNullable();
    t.text('decision').notNullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('reason').nullable();
    t.jsonb('details').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('decision_key').notNullable().unique();
    t.index(['entity_type', 'entity_id']);
  });

  for (const table of ['candidate_outreach_events', 'marketplace_events', 'decision_audit_log']) {
    await knex.raw(`create trigger ${table}_append_only before update or delete on ${table}
      for each row execute function forbid_history_change()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'decision_audit_log',
    'marketplace_events',
    'candidate_outreach_events',
    'candidate_outreach',
    'candidate_sourcers',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('alter table company_settings drop constraint if exists company_settings_protection_range');
  await knex.schema.alterTable('company_settings', (t) => t.dropColumn('protection_window_days'));
  await knex('marketplace_config').whereIn('key', ['protection_window_days', 'protection_notice_days_before']).delete();
}
