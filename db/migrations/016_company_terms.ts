import type { Knex } from 'knex';

/**
 * Company terms through the API (product §3.11): the terms money in will use (refund policy,
 * payment terms, platform fee) as company columns and marketplace defaults, the same limits
 * on the marketplace defaults as on a company's own values, and the append-only
 * `terms_changes` audit (who changed which term, when, old → new).
 *
 * Migrations 001–003 limit the company columns of the first four terms already; marketplace
 * defaults (`marketplace_config`, jsonb) had no limits until this one.
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/terms.ts).
const REFUND_POLICIES = ['full', 'pro_rata', 'none'] as const;
const TERM_NAMES = [
  'proposalDecisionHours',
  'guaranteeDays',
  'holdbackBps',
  'protectionWindowDays',
  'refundPolicy',
  'paymentTermsDays',
  'platformFeeBps',
] as const;
/** Marketplace default keys and their integer limits (the first four as migrations 001–003 limit the company columns). */
const INTEGER_DEFAULTS: Record<string, [number, number]> = {
  proposal_timeout_hours: [1, 720],
  guarantee_days: [1, 365],
  holdback_bps: [0, 10_000],
  protection_window_days: [1, 365],
  payment_terms_days: [0, 120],
  platform_fee_bps: [0, 5000],
};
const REASON_MAX_LENGTH = 2000;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
/** A jsonb whole number within [min, max] (the nested case never casts a non-number). */
const jsonbInteger = ([min, max]: [number, number]) =>
  `case when jsonb_typeof(value) = 'number' then (value)::numeric between ${min} and ${max} and (value)::numeric = trunc((value)::numeric) else false end`;

export async function up(knex: Knex): Promise<void> {
  await knex('marketplace_config').insert([
    { key: 'refund_policy', value: JSON.stringify('full') },
    { key: 'payment_terms_days', value: JSON.stringify(30) },
    { key: 'platform_fee_bps', value: JSON.stringify(0) },
  ]);
  const cases = Object.entries(INTEGER_DEFAULTS).map(([key, range]) => `when '${key}' then ${jsonbInteger(range)}`);
  cases.push(
    `when 'refund_policy' then case when jsonb_typeof(value) = 'string' then (value #>> '{}') in (${inList(REFUND_POLICIES)}) else false end`,
  );
  await knex.raw(
    `alter table marketplace_config add constraint marketplace_config_terms_valid check (case key ${cases.join(' ')} else true end)`,
  );

  await knex.schema.alterTable('company_settings', (t) => {
    t.text('refund_policy').nullable();
    t.integer('payment_terms_days').nullable();
    t.integer('platform_fee_bps').nullable();
  });
  await knex.raw(`alter table company_settings add constraint company_settings_refund_policy_valid
    check (refund_policy in (${inList(REFUND_POLICIES)}))`);
  await knex.raw(`alter table company_settings add constraint company_settings_payment_terms_range
    check (payment_terms_days is null or payment_terms_days between ${INTEGER_DEFAULTS.payment_terms_days![0]} and ${INTEGER_DEFAULTS.payment_terms_days![1]})`);
  await knex.raw(`alter table company_settings add constraint company_settings_platform_fee_range
    check (platform_fee_bps is null or platform_fee_bps between ${INTEGER_DEFAULTS.platform_fee_bps![0]} and ${INTEGER_DEFAULTS.platform_fee_bps![1]})`);

  await knex.schema.createTable('terms_changes', (t) => {
    t.bigIncrements('id');
    t.text('scope').notNullable();
    t.uuid('company_id').nullable().references('companies.id');
    t.text('term').notNullable();
    /** A company's own value before and after (null: the marketplace default applied); for the marketplace, its default. */
    t.jsonb('old_value').nullable();
    t.jsonb('new_value').nullable();
    /** The value in force before and after, whichever its source. */
    t.jsonb('old_effective').notNullable();
    t.jsonb('new_effective').notNullable();
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('reason').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['company_id', 'occurred_at']);
    t.index(['scope', 'occurred_at']);
  });
  await knex.raw(`alter table terms_changes add constraint terms_changes_scope_valid check (
    scope in ('marketplace', 'company') and (scope = 'company') = (company_id is not null))`);
  await knex.raw(`alter table terms_changes add constraint terms_changes_term_valid check (term in (${inList(TERM_NAMES)}))`);
  await knex.raw(
    `alter table terms_changes add constraint terms_changes_reason_length check (char_length(reason) <= ${REASON_MAX_LENGTH})`,
  );
  await knex.raw(`create trigger terms_changes_append_only before update or delete on terms_changes
    for each row execute function forbid_history_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('terms_changes');
  for (const name of [
    'company_settings_refund_policy_valid',
    'company_settings_payment_terms_range',
    'company_settings_platform_fee_range',
  ]) {
    await knex.raw(`alter table company_settings drop constraint ${name}`);
  }
  await knex.schema.alterTable('company_settings', (t) => t.dropColumns('refund_policy', 'payment_terms_days', 'platform_fee_bps'));
  await knex.raw('alter table marketplace_config drop constraint marketplace_config_terms_valid');
  await knex('marketplace_config').whereIn('key', ['refund_policy', 'payment_terms_days', 'platform_fee_bps']).delete();
}
