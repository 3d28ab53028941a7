import type { Knex } from 'knex';

/**
 * Placements with their guarantee and escrow, collaborators and their splits, and payouts
 * (one per tranche) with a split per collaborator (product §3.2, §3.3). Money is integer
 * cents (bigint) with an ISO currency; shares are integer basis points.
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/).
const PLACEMENT_STATES = ['hired', 'active', 'completed', 'failed'] as const;
const ESCROW_STATUSES = ['held', 'released', 'refunded'] as const;
const PAYOUT_STATUSES = ['processing', 'blocked', 'paid', 'cancelled'] as const;
const SPLIT_STATUSES = ['pending', 'paid', 'blocked', 'cancelled', 'reversed'] as const;
const TRANCHES = ['activation', 'holdback'] as const;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const APPEND_ONLY = ['placement_states', 'payout_audit_log'];

export async function up(knex: Knex): Promise<void> {
  await knex('marketplace_config').insert([
    { key: 'guarantee_days', value: JSON.stringify(90) },
    { key: 'guarantee_reminder_days_before', value: JSON.stringify(7) },
    { key: 'holdback_bps', value: JSON.stringify(2000) },
  ]);

  await knex.schema.createTable('placement_guarantee_config', (t) => {
    t.uuid('company_id').primary().references('companies.id').onDelete('CASCADE');
    t.integer('guarantee_days').nullable();
    t.integer('holdback_bps').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table placement_guarantee_config add constraint pgc_ranges check (
    (guarantee_days is null or guarantee_days between 1 and 365) and (holdback_bps is null or holdback_bps between 0 and 10000))`);

  await knex.schema.createTable('placements', (t) => {
    t.uuid('id').primary();
    t.uuid('company_id').notNullable().references('companies.id');
    t.uuid('job_id').notNullable().references('jobs.id');
    t.uuid('candidate_id').notNullable().references('candidates.id');
    t.bigInteger('fee_cents').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.integer('holdback_bps').notNullable();
    t.date('start_date').notNullable();
    t.integer('guarantee_days').notNullable();
    t.timestamp('guarantee_ends_at', { useTz: true }).nullable();
    t.text('state').notNullable();
    t.timestamp('splits_locked_at', { useTz: true }).nullable();
    t.text('workflow_id').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['company_id', 'created_at']);
  });
  await knex.raw(`alter table placements add constraint placements_valid check (
    fee_cents > 0 and currency ~ '^[A-Z]{3}$' and holdback_bps between 0 and 10000 and guarantee_days > 0
    and state in (${inList(PLACEMENT_STATES)}))`);

  await knex.schema.createTable('placement_states', (t) => {
    t.bigIncrements('id');
    t.uuid('placement_id').notNullable().references('placements.id');
    t.text('old_state').nullable();
    t.text('new_state').notNullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('reason').nullable();
    t.jsonb('details').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('transition_key').notNullable().unique();
    t.index(['placement_id', 'id']);
  });

  await knex.schema.createTable('placement_collaborators', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('placement_id').notNullable().references('placements.id');
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.text('role').notNullable();
    t.integer('split_bps').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['placement_id', 'recruiter_id', 'role']);
  });
  await knex.raw(`alter table placement_collaborators add constraint pc_valid check (
    role in ('sourcer', 'submitter', 'closer', 'support') and split_bps between 500 and 10000)`);

  await knex.schema.createTable('escrow_holds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('placement_id').notNullable().unique().references('placements.id');
    t.bigInteger('amount_cents').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.text('status').notNullable().defaultTo('held');
    t.text('reason').nullable();
    t.timestamp('held_at', { useTz: true }).notNullable();
    t.timestamp('settled_at', { useTz: true }).nullable();
  });
  await knex.raw(`alter table escrow_holds add constraint escrow_valid check (
    amount_cents >= 0 and status in (${inList(ESCROW_STATUSES)}))`);

  await knex.schema.createTable('payout_schedules', (t) => {
    t.uuid('id').primary();
    t.uuid('placement_id').notNullable().references('placements.id');
    t.text('tranche').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.text('status').notNullable();
    t.text('workflow_id').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['placement_id', 'tranche']);
    t.index(['status', 'created_at']);
  });
  await knex.raw(`alter table payout_schedules add constraint payout_valid check (
    amount_cents >= 0 and tranche in (${inList(TRANCHES)}) and status in (${inList(PAYOUT_STATUSES)}))`);

  await knex.schema.createTable('payout_splits', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('payout_id').notNullable().references('payout_schedules.id');
    t.uuid('collaborator_id').notNullable().references('placement_collaborators.id');
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.bigInteger('amount_cents').notNullable();
    t.text('stripe_account_id').nullable();
    /** Bumped by an admin retry or account change: each attempt has its own Stripe idempotency key. */
    t.integer('transfer_attempt').notNullable().defaultTo(1);
    t.text('status').notNullable().defaultTo('pending');
    t.text('stripe_transfer_id').nullable().unique();
    t.bigInteger('reversed_cents').notNullable().defaultTo(0);
    t.text('block_reason').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['payout_id', 'collaborator_id']);
  });
  await knex.raw(`alter table payout_splits add constraint split_valid check (
    amount_cents >= 0 and reversed_cents between 0 and amount_cents and status in (${inList(SPLIT_STATUSES)}))`);

  await knex.schema.createTable('payout_audit_log', (t) => {
    t.bigIncrements('id');
    t.uuid('payout_id').notNullable().references('payout_schedules.id');
    t.uuid('split_id').nullable().references('payout_splits.id');
    t.text('event').notNullable();
    t.text('old_status').nullable();
    t.text('new_status').nullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('reason').nullable();
    t.jsonb('details').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** One row per step: a retried activity cannot log it twice. */
    t.text('event_key').notNullable().unique();
    t.index(['payout_id', 'id']);
  });

  for (const table of APPEND_ONLY) {
    await knex.raw(`create trigger ${table}_append_only before update or delete on ${table}
      for each row execute function forbid_history_change()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'payout_audit_log',
    'payout_splits',
    'payout_schedules',
    'escrow_holds',
    'placement_collaborators',
    'placement_states',
    'placements',
    'placement_guarantee_config',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex('marketplace_config').whereIn('key', ['guarantee_days', 'guarantee_reminder_days_before', 'holdback_bps']).delete();
}
