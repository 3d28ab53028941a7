import type { Knex } from 'knex';

/**
 * Holders and partners of a job (product §3.8): the recruiter a job's company makes its
 * holder, and the partner recruiters the holder shares it with. One row per recruiter and
 * job (a recruiter is the holder or a partner, never both); one holder per job (a partial
 * unique index). The job's audit, `job_changes`, records who set or removed the holder and
 * who added or removed a partner.
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/jobs.ts).
const RELATIONS = ['holder', 'partner'] as const;
const CHANGES_BEFORE = ['created', 'edited', 'opened', 'paused', 'closed'] as const;
const CHANGES = [...CHANGES_BEFORE, 'holder_set', 'holder_removed', 'partner_added', 'partner_removed'] as const;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_recruiters', (t) => {
    t.uuid('job_id').notNullable().references('jobs.id');
    t.uuid('recruiter_id').notNullable().references('recruiters.id');
    t.text('relation').notNullable();
    t.uuid('added_by_user_id').nullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['job_id', 'recruiter_id']);
    // A recruiter's jobs, for their browse.
    t.index(['recruiter_id']);
  });
  await knex.raw(`alter table job_recruiters add constraint job_recruiters_relation_valid check (relation in (${inList(RELATIONS)}))`);
  await knex.raw(`create unique index job_recruiters_one_holder on job_recruiters (job_id) where relation = 'holder'`);

  await knex.raw(`alter table job_changes drop constraint job_changes_change_valid`);
  await knex.raw(`alter table job_changes add constraint job_changes_change_valid check (change in (${inList(CHANGES)}))`);
}

/**
 * The relations go; their audit stays, as edits: a holder or partner change becomes an
 * `edited` row with the same old → new values, so the history still says who shared the
 * job with whom. (The append-only trigger is lifted for that one statement only.)
 */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_recruiters');
  await knex.raw(`alter table job_changes drop constraint job_changes_change_valid`);
  await knex.raw(`alter table job_changes disable trigger job_changes_append_only`);
  await knex.raw(`update job_changes set change = 'edited' where change not in (${inList(CHANGES_BEFORE)})`);
  await knex.raw(`alter table job_changes enable trigger job_changes_append_only`);
  await knex.raw(`alter table job_changes add constraint job_changes_change_valid check (change in (${inList(CHANGES_BEFORE)}))`);
}
