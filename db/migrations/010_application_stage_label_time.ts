import type { Knex } from 'knex';

/**
 * When the ATS's stage name (`stage_label`) was last set. `stage_changed_at` moves only with
 * the canonical stage (it measures time in stage), so a rename inside one canonical stage
 * needs its own time: an older, out-of-order event must not put back an older name.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => t.timestamp('stage_label_changed_at', { useTz: true }).nullable());
  // Untyped on purpose: a migration runs against the schema of its time, not db/dal/tables.ts.
  await knex<Record<string, unknown>>('applications')
    .whereNotNull('stage_label')
    .update({ stage_label_changed_at: knex.ref('stage_changed_at') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => t.dropColumn('stage_label_changed_at'));
}
