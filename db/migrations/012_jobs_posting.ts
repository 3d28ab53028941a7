import type { Knex } from 'knex';

/**
 * Jobs a company posts and edits itself (product §3.8): description, location, remote mode,
 * salary range, fee terms, whether the marketplace's recruiters see it, a `paused` status,
 * a weighted full-text search column, and the append-only `job_changes` audit.
 *
 * Every job was visible to every recruiter before, so existing rows (and ATS-synced ones,
 * which never set it) are shared by default. Rows from before have no fee terms; a row
 * holds at most one form of them (a percentage, or a fixed amount with its currency).
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/jobs.ts).
const JOB_STATUSES = ['open', 'paused', 'closed'] as const;
const REMOTE_MODES = ['on_site', 'hybrid', 'remote'] as const;
const LIMITS = {
  title: 200,
  description: 20_000,
  location: 200,
  salaryMax: 10_000_000_000,
  feeBps: [1, 10_000],
  fixedFee: [1, 1_000_000_000],
} as const;

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => {
    t.text('description').nullable();
    t.text('location').nullable();
    t.text('remote').nullable();
    t.bigInteger('salary_min_cents').nullable();
    t.bigInteger('salary_max_cents').nullable();
    t.text('salary_currency').nullable();
    t.integer('fee_percent_bps').nullable();
    t.bigInteger('fee_fixed_cents').nullable();
    t.text('fee_currency').nullable();
    t.boolean('shared_with_marketplace').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`update jobs set updated_at = created_at`);
  await knex.raw(`alter table jobs drop constraint jobs_status_valid`);
  await knex.raw(`alter table jobs add constraint jobs_status_valid check (status in (${inList(JOB_STATUSES)}))`);
  await knex.raw(`alter table jobs add constraint jobs_remote_valid check (remote in (${inList(REMOTE_MODES)}))`);
  // An ATS's titles are stored as the ATS has them; the limit is ours, for the jobs companies post here.
  await knex.raw(
    `alter table jobs add constraint jobs_title_length check (source_integration_id is not null or char_length(title) <= ${LIMITS.title})`,
  );
  await knex.raw(`alter table jobs add constraint jobs_description_length check (char_length(description) <= ${LIMITS.description})`);
  await knex.raw(`alter table jobs add constraint jobs_location_length check (char_length(location) <= ${LIMITS.location})`);
  await knex.raw(`alter table jobs add constraint jobs_salary_range check (
    num_nulls(salary_min_cents, salary_max_cents, salary_currency) in (0, 3)
    and salary_min_cents >= 0 and salary_max_cents <= ${LIMITS.salaryMax} and salary_min_cents <= salary_max_cents)`);
  await knex.raw(`alter table jobs add constraint jobs_fee_terms check (
    num_nonnulls(fee_percent_bps, fee_fixed_cents) <= 1
    and (fee_fixed_cents is null) = (fee_currency is null)
    and fee_percent_bps between ${LIMITS.feeBps[0]} and ${LIMITS.feeBps[1]}
    and fee_fixed_cents between ${LIMITS.fixedFee[0]} and ${LIMITS.fixedFee[1]})`);
  await knex.raw(`alter table jobs add column search tsvector generated always as (
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(location, '')), 'B')
    || setweight(to_tsvector('english', coalesce(description, '')), 'C')) stored`);
  await knex.raw(`create index jobs_search on jobs using gin (search)`);
  // The marketplace browse: open, shared, listed jobs newest first.
  await knex.raw(
    `create index jobs_marketplace on jobs (created_at desc, id desc) where status = 'open' and shared_with_marketplace and deleted_at is null`,
  );

  await knex.schema.createTable('job_changes', (t) => {
    t.bigIncrements('id');
    t.uuid('job_id').notNullable().references('jobs.id');
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('change').notNullable();
    t.jsonb('changes').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['job_id', 'occurred_at']);
  });
  await knex.raw(
    `alter table job_changes add constraint job_changes_change_valid check (change in ('created', 'edited', 'opened', 'paused', 'closed'))`,
  );
  await knex.raw(`create trigger job_changes_append_only before update or delete on job_changes
    for each row execute function forbid_history_change()`);
}

/**
 * Before this migration a job was open or closed: a paused job takes no proposals, so it
 * becomes closed (never open, which would let proposals in that its company had stopped).
 */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_changes');
  await knex.raw(`update jobs set status = 'closed' where status = 'paused'`);
  await knex.raw(`alter table jobs drop constraint jobs_status_valid`);
  await knex.raw(`alter table jobs add constraint jobs_status_valid check (status in ('open', 'closed'))`);
  for (const name of [
    'jobs_remote_valid',
    'jobs_title_length',
    'jobs_description_length',
    'jobs_location_length',
    'jobs_salary_range',
    'jobs_fee_terms',
  ]) {
    await knex.raw(`alter table jobs drop constraint ${name}`);
  }
  await knex.raw('drop index jobs_marketplace');
  await knex.schema.alterTable('jobs', (t) => {
    t.dropColumns(
      'search',
      'description',
      'location',
      'remote',
      'salary_min_cents',
      'salary_max_cents',
      'salary_currency',
      'fee_percent_bps',
      'fee_fixed_cents',
      'fee_currency',
      'shared_with_marketplace',
      'updated_at',
    );
  });
}
