import type { Knex } from 'knex';
import { canonicalStage } from '../../activities/ats/stages.js';
import { APPLICATION_STAGES } from '../../workflows/automation-rules.js';

/**
 * Applications keep a canonical stage (`stage`) and, when an ATS moved them, the ATS's
 * own name of it (`stage_label`). Rows synced before held the ATS's name in `stage`:
 * it becomes the label and `stage` its canonical stage.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => t.text('stage_label').nullable());
  const synced: { id: string; stage: string; status: 'active' | 'rejected' | 'hired' }[] = await knex('applications')
    .whereNotIn('stage', APPLICATION_STAGES).select('id', 'stage', 'status');
  for (const a of synced) {
    await knex('applications').where({ id: a.id }).update({ stage: canonicalStage(a.stage, a.status), stage_label: a.stage });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('applications').whereNotNull('stage_label').update({ stage: knex.ref('stage_label') });
  await knex.schema.alterTable('applications', (t) => t.dropColumn('stage_label'));
}
