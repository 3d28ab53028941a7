import type { Knex } from 'knex';

/**
 * The rules the database backs (issue 14):
 * - one live placement per candidate × job. Live = not `failed`: a hired, active or
 *   completed placement is the hire (a completed one has been paid for); a failed one was
 *   refunded and frees the pair. A replacement relinks the same placement to the new
 *   candidate, so the replaced candidate's pair is freed and the new one's taken.
 * - one open or accepted proposal per candidate × job: an accepted candidate is not
 *   proposed again for the same job (declined, withdrawn and timed-out ones free the pair).
 * - an outreach e-mail is recorded before it is sent (`sending`), then marked `sent`: no
 *   e-mail leaves without its row, and a retry finds the row instead of sending again.
 * Existing duplicates are money or contact records a person must resolve: the migration
 * names them and stops rather than choosing one.
 */
export const LIVE_PLACEMENT_INDEX = 'placements_one_live_per_candidate_job';
export const LIVE_PROPOSAL_INDEX = 'cra_one_live_per_candidate_job';
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/).
const OUTREACH_STATUSES = ['sending', 'sent', 'failed'] as const;

async function refuseDuplicates(knex: Knex, table: string, where: string, what: string) {
  const { rows } = await knex.raw(
    `select candidate_id, job_id, count(*)::int as n from ?? where ${where} group by 1, 2 having count(*) > 1`,
    [table],
  );
  if (rows.length) {
    const pairs = rows
      .map((r: { candidate_id: string; job_id: string; n: number }) => `candidate ${r.candidate_id} × job ${r.job_id} (${r.n})`)
      .join('; ');
    throw new Error(`cannot enforce one ${what} per candidate × job; resolve these duplicates first: ${pairs}`);
  }
}

export async function up(knex: Knex): Promise<void> {
  const livePlacement = `state <> 'failed'`;
  const liveProposal = `state in ('proposed', 'company_reviewing', 'accepted')`;
  await refuseDuplicates(knex, 'placements', livePlacement, 'live placement');
  await refuseDuplicates(knex, 'candidate_role_assignments', liveProposal, 'open or accepted proposal');
  await knex.raw(`create unique index ${LIVE_PLACEMENT_INDEX} on placements (candidate_id, job_id) where ${livePlacement}`);
  await knex.raw(`create unique index ${LIVE_PROPOSAL_INDEX} on candidate_role_assignments (candidate_id, job_id) where ${liveProposal}`);
  // The new index covers the old one's states.
  await knex.raw('drop index cra_one_open_per_candidate_job');

  // Existing rows were written once Resend accepted them: sent, created when sent.
  await knex.schema.alterTable('candidate_outreach', (t) => {
    t.text('status').notNullable().defaultTo('sent');
    t.timestamp('created_at', { useTz: true }).nullable();
    t.setNullable('sent_at');
  });
  await knex.raw('update candidate_outreach set created_at = sent_at');
  await knex.raw('alter table candidate_outreach alter column created_at set not null, alter column created_at set default now()');
  await knex.raw(`alter table candidate_outreach add constraint outreach_status_valid check (
    status in (${OUTREACH_STATUSES.map((s) => `'${s}'`).join(', ')}) and (status <> 'sent' or (sent_at is not null and provider_message_id is not null)))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table candidate_outreach drop constraint outreach_status_valid');
  await knex('candidate_outreach').whereNot({ status: 'sent' }).delete();
  await knex.schema.alterTable('candidate_outreach', (t) => {
    t.dropColumn('status');
    t.dropColumn('created_at');
    t.dropNullable('sent_at');
  });
  await knex.raw(`create unique index cra_one_open_per_candidate_job on candidate_role_assignments (candidate_id, job_id)
    where state in ('proposed', 'company_reviewing')`);
  await knex.raw(`drop index ${LIVE_PROPOSAL_INDEX}`);
  await knex.raw(`drop index ${LIVE_PLACEMENT_INDEX}`);
}
