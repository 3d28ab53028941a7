import type { Knex } from 'knex';

/**
 * The platform fee in use (product §3.3, §3.11): a placement keeps the fee in force when it
 * was recorded (`placements.platform_fee_bps`, like its guarantee days and holdback), and each
 * payout (one per tranche) records the cents the platform kept of it
 * (`payout_schedules.platform_fee_cents`; the collaborators' splits are the rest). Rows from
 * before this migration had no fee: both default to 0, which pays exactly as before.
 */
// Frozen as this migration wrote it: a past migration never changes (the current limit is domain/terms.ts TERMS.platformFeeBps).
const PLATFORM_FEE_BPS: [number, number] = [0, 5000];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('placements', (t) => {
    t.integer('platform_fee_bps').notNullable().defaultTo(0);
  });
  await knex.raw(`alter table placements add constraint placements_platform_fee_range
    check (platform_fee_bps between ${PLATFORM_FEE_BPS[0]} and ${PLATFORM_FEE_BPS[1]})`);
  await knex.schema.alterTable('payout_schedules', (t) => {
    t.bigInteger('platform_fee_cents').notNullable().defaultTo(0);
  });
  await knex.raw(`alter table payout_schedules add constraint payout_platform_fee_within_amount
    check (platform_fee_cents between 0 and amount_cents)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payout_schedules', (t) => {
    t.dropColumn('platform_fee_cents');
  });
  await knex.schema.alterTable('placements', (t) => {
    t.dropColumn('platform_fee_bps');
  });
}
