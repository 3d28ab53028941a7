import type { Knex } from 'knex';

/**
 * Recruiters' own Stripe connected accounts (product §3.3, "Connected accounts"):
 * - `recruiter_payout_accounts`: one Express account per recruiter, created once (its Stripe
 *   idempotency key is stored before the call), and the projection of what Stripe last said about
 *   it (written by the payout-account workflow after it retrieved the account).
 * - `payout_account_changes`: append-only audit of every status change of that projection.
 * - `stripe_webhook_events`: each Stripe event id received once; a repeat delivery is acknowledged and ignored.
 */
// Frozen as this migration wrote them (the current list is in domain/payout-account.ts).
const STATUSES = ['onboarding', 'restricted', 'enabled'];
const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recruiter_payout_accounts', (t) => {
    t.uuid('recruiter_id').primary().references('recruiters.id');
    t.text('idempotency_key').notNullable().unique();
    t.text('stripe_account_id').nullable().unique();
    t.text('status').notNullable().defaultTo('onboarding');
    t.boolean('payouts_enabled').notNullable().defaultTo(false);
    t.boolean('transfers_active').notNullable().defaultTo(false);
    t.jsonb('currently_due').notNullable().defaultTo('[]');
    t.text('disabled_reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table recruiter_payout_accounts add constraint recruiter_payout_account_valid check (
    status in (${inList(STATUSES)}) and jsonb_typeof(currently_due) = 'array'
    and stripe_account_id ~ '^acct_[A-Za-z0-9]{1,64}$')`);

  await knex.schema.createTable('payout_account_changes', (t) => {
    t.bigIncrements('id');
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.text('stripe_account_id').notNullable();
    t.text('old_status').nullable();
    t.text('new_status').notNullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.jsonb('details').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['recruiter_id', 'id']);
  });
  await knex.raw(`create trigger payout_account_changes_append_only before update or delete on payout_account_changes
    for each row execute function forbid_history_change()`);

  await knex.schema.createTable('stripe_webhook_events', (t) => {
    t.text('id').primary();
    t.text('type').notNullable();
    t.text('account').nullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stripe_webhook_events');
  await knex.schema.dropTable('payout_account_changes');
  await knex.schema.dropTable('recruiter_payout_accounts');
}
