import type { Knex } from 'knex';

/**
 * Money in (product §3.3 "Collecting the fee"): the hiring company pays the fee through Stripe
 * before any of it is paid out.
 * - `companies.stripe_customer_id`: the company's Stripe customer, created once (idempotency key).
 * - `placements.refund_policy`, `placements.payment_terms_days`: the terms in force when the
 *   placement was recorded (a running placement keeps them; rows from before keep the defaults).
 * - `placement_payments`: one fee invoice per placement and the projection of what Stripe last
 *   said about it (written by activities after they retrieved the invoice), plus the refund.
 * - `payment_changes`: append-only audit of every payment event (invoice created, paid, failed,
 *   reminder, admin mark-paid / extend / void, refund, refund blocked / retried / cancelled).
 */
// Frozen as this migration wrote them (the current lists are in domain/payment.ts and domain/terms.ts).
const REFUND_POLICIES = ['full', 'pro_rata', 'none'];
const PAYMENT_STATES = ['creating', 'open', 'paid', 'void'];
const REFUND_STATES = ['none', 'refunded', 'blocked', 'cancelled'];
const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('companies', (t) => {
    t.text('stripe_customer_id').nullable().unique();
  });
  await knex.raw(`alter table companies add constraint companies_stripe_customer_format
    check (stripe_customer_id is null or stripe_customer_id ~ '^cus_[A-Za-z0-9]{1,64}$')`);

  await knex.schema.alterTable('placements', (t) => {
    t.text('refund_policy').notNullable().defaultTo('full');
    t.integer('payment_terms_days').notNullable().defaultTo(30);
  });
  await knex.raw(
    `alter table placements add constraint placements_refund_policy_valid check (refund_policy in (${inList(REFUND_POLICIES)}))`,
  );
  await knex.raw(`alter table placements add constraint placements_payment_terms_range check (payment_terms_days between 0 and 120)`);

  await knex.schema.createTable('placement_payments', (t) => {
    t.uuid('placement_id').primary().references('placements.id');
    t.uuid('company_id').notNullable().references('companies.id');
    t.bigInteger('amount_cents').notNullable();
    t.text('currency').notNullable();
    t.text('state').notNullable().defaultTo('creating');
    t.text('stripe_customer_id').nullable();
    t.text('stripe_invoice_id').nullable().unique();
    t.text('hosted_invoice_url').nullable();
    /** The charge that paid the invoice: every transfer of this placement names it as `source_transaction`. */
    t.text('stripe_charge_id').nullable();
    t.bigInteger('amount_paid_cents').notNullable().defaultTo(0);
    t.boolean('paid_out_of_band').notNullable().defaultTo(false);
    t.text('last_payment_error').nullable();
    /** An open dispute on the charge: no payout starts while it is open. */
    t.text('dispute_status').nullable();
    t.timestamp('due_at', { useTz: true }).nullable();
    t.timestamp('paid_at', { useTz: true }).nullable();
    t.integer('reminders_sent').notNullable().defaultTo(0);
    t.text('refund_state').notNullable().defaultTo('none');
    /** What the company's refund policy returns of this fee, fixed when the refund is decided. */
    t.bigInteger('refund_due_cents').nullable();
    t.bigInteger('refunded_cents').notNullable().defaultTo(0);
    t.text('stripe_credit_note_id').nullable();
    t.text('refund_block_reason').nullable();
    t.integer('refund_attempt').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['company_id', 'state']);
  });
  await knex.raw(`alter table placement_payments add constraint placement_payment_valid check (
    state in (${inList(PAYMENT_STATES)}) and refund_state in (${inList(REFUND_STATES)})
    and amount_cents > 0 and amount_paid_cents between 0 and amount_cents
    and refunded_cents between 0 and amount_cents and (refund_due_cents is null or refund_due_cents between 0 and amount_cents) and reminders_sent >= 0 and refund_attempt >= 1
    and (state <> 'paid' or paid_at is not null))`);

  await knex.schema.createTable('payment_changes', (t) => {
    t.bigIncrements('id');
    t.uuid('placement_id').notNullable().references('placements.id');
    t.text('event').notNullable();
    t.text('old_state').nullable();
    t.text('new_state').nullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('reason').nullable();
    t.jsonb('details').nullable();
    /** Written once per key: a retried activity or a replayed workflow records nothing twice. */
    t.text('event_key').notNullable().unique();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['placement_id', 'id']);
  });
  await knex.raw(`create trigger payment_changes_append_only before update or delete on payment_changes
    for each row execute function forbid_history_change()`);

  await knex.schema.alterTable('stripe_webhook_events', (t) => {
    t.uuid('placement_id').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stripe_webhook_events', (t) => {
    t.dropColumn('placement_id');
  });
  await knex.schema.dropTable('payment_changes');
  await knex.schema.dropTable('placement_payments');
  await knex.schema.alterTable('placements', (t) => {
    t.dropColumn('payment_terms_days');
    t.dropColumn('refund_policy');
  });
  await knex.schema.alterTable('companies', (t) => {
    t.dropColumn('stripe_customer_id');
  });
}
