import type { Knex } from 'knex';

// Frozen as this migration wrote them: a past migration never changes (the current list is in domain/).
const APPLICATION_STAGES = ['submitted', 'screening', 'interview', 'offer', 'hired', 'rejected', 'left'] as const;
type Stage = (typeof APPLICATION_STAGES)[number];
const PATTERNS: [RegExp, Stage][] = [
  [/\bhired?\b/i, 'hired'],
  [/reject|disqualif|archiv|declin/i, 'rejected'],
  [/offer/i, 'offer'],
  [/interview|on-?site|assessment|panel|technical|take.?home/i, 'interview'],
  [/screen/i, 'screening'],
];
/** The ATS stage name → canonical stage mapping as it was when this migration ran (today's: domain/ats-stages.ts). */
function canonicalStage(name: string, status: 'active' | 'rejected' | 'hired'): Stage {
  if (status === 'hired' || status === 'rejected') return status;
  return PATTERNS.find(([pattern]) => pattern.test(name))?.[1] ?? 'submitted';
}

/**
 * Applications keep a canonical stage (`stage`) and, when an ATS moved them, the ATS's
 * own name of it (`stage_label`). Rows synced before held the ATS's name in `stage`:
 * it becomes the label and `stage` its canonical stage.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => t.text('stage_label').nullable());
  const synced: { id: string; stage: string; status: 'active' | 'rejected' | 'hired' }[] = await knex('applications')
    .whereNotIn('stage', APPLICATION_STAGES)
    .select('id', 'stage', 'status');
  for (const a of synced) {
    await knex('applications')
      .where({ id: a.id })
      .update({ stage: canonicalStage(a.stage, a.status), stage_label: a.stage });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('applications')
    .whereNotNull('stage_label')
    .update({ stage: knex.ref('stage_label') });
  await knex.schema.alterTable('applications', (t) => t.dropColumn('stage_label'));
}
