import type { Knex } from 'knex';

/**
 * Candidates recruiters add themselves (product §3.9): profile fields, the normalised e-mail
 * and phone duplicate detection looks up, a weighted full-text search vector, erasure, and
 * their CV files. The limits are frozen as written here (the current ones are in
 * domain/candidates.ts, which the API checks first).
 *
 * Existing rows (ATS-synced, seeded) migrate as they are: the new columns are null or empty,
 * the e-mail key is computed from their e-mail, and the name and e-mail limits apply only to
 * candidates a recruiter added, so a long ATS name neither fails this migration nor a later sync.
 *
 * CV bytes live in Postgres (`bytea`): a fresh machine has no object store, a 5 MiB cap keeps
 * rows small, and erasure deletes profile and file in one transaction with nothing left on disk.
 */
const L = {
  name: 200,
  email: 254,
  phone: 40,
  location: 200,
  headline: 300,
  linkedinUrl: 500,
  notes: 10_000,
  skills: 50,
  skill: 50,
  cvBytes: 5 * 1024 * 1024,
  cvFilename: 200,
};
const CV_TYPES = ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'text/plain'];

export async function up(knex: Knex): Promise<void> {
  // array_to_string is only STABLE; a generated column needs an IMMUTABLE expression (text[] output is fixed).
  await knex.raw(
    `create function candidate_skills_text(skills text[]) returns text language sql immutable parallel safe as $$ select coalesce(array_to_string(skills, ' '), '') $$`,
  );
  // Every skill at most L.skill characters: checked per element.
  await knex.raw(
    `create function candidate_skills_ok(skills text[], max_len int) returns boolean language sql immutable parallel safe as $$ select coalesce(bool_and(char_length(s) between 1 and max_len), true) from unnest(skills) s $$`,
  );

  await knex.schema.alterTable('candidates', (t) => {
    t.text('phone').nullable();
    t.text('phone_normalized').nullable();
    t.text('location').nullable();
    t.text('headline').nullable();
    t.text('linkedin_url').nullable();
    t.text('notes').nullable();
    t.specificType('skills', 'text[]').notNullable().defaultTo('{}');
    t.uuid('created_by_recruiter_id').nullable().references('recruiters.id');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('erased_at', { useTz: true }).nullable();
  });
  await knex.raw(`update candidates set updated_at = created_at`);
  await knex.raw(`alter table candidates add column email_normalized text generated always as (nullif(lower(btrim(email)), '')) stored`);
  await knex.raw(`
    alter table candidates add column search_vector tsvector generated always as (
      case when erased_at is null then
        setweight(to_tsvector('simple'::regconfig, coalesce(full_name, '')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(email, '') || ' ' || replace(replace(coalesce(email, ''), '@', ' '), '.', ' ')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, candidate_skills_text(skills)), 'B') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(headline, '')), 'C')
      else ''::tsvector end
    ) stored`);
  await knex.raw(`
    alter table candidates
      add constraint candidates_name_length check (created_by_recruiter_id is null or char_length(full_name) between 1 and ${L.name}),
      add constraint candidates_email_length check (created_by_recruiter_id is null or email is null or char_length(email) <= ${L.email}),
      add constraint candidates_phone_length check (phone is null or char_length(phone) <= ${L.phone}),
      add constraint candidates_location_length check (location is null or char_length(location) <= ${L.location}),
      add constraint candidates_headline_length check (headline is null or char_length(headline) <= ${L.headline}),
      add constraint candidates_linkedin_length check (linkedin_url is null or char_length(linkedin_url) <= ${L.linkedinUrl}),
      add constraint candidates_notes_length check (notes is null or char_length(notes) <= ${L.notes}),
      add constraint candidates_skills_limit check (coalesce(array_length(skills, 1), 0) <= ${L.skills} and candidate_skills_ok(skills, ${L.skill})),
      add constraint candidates_erased_clean check (erased_at is null or (email is null and phone is null and phone_normalized is null and notes is null and linkedin_url is null))`);
  // Duplicate lookup among live records; erased ones no longer match.
  await knex.raw(
    `create index candidates_email_normalized_idx on candidates (email_normalized) where email_normalized is not null and erased_at is null and deleted_at is null`,
  );
  await knex.raw(
    `create index candidates_phone_normalized_idx on candidates (phone_normalized) where phone_normalized is not null and erased_at is null and deleted_at is null`,
  );
  await knex.raw(`create index candidates_search_idx on candidates using gin (search_vector)`);

  await knex.schema.createTable('candidate_files', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('candidate_id').notNullable().references('candidates.id');
    t.uuid('uploaded_by_user_id').nullable().references('users.id');
    t.text('kind').notNullable().defaultTo('cv');
    t.text('original_filename').notNullable();
    t.text('content_type').notNullable();
    t.integer('size_bytes').notNullable();
    t.text('sha256').notNullable();
    t.binary('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['candidate_id', 'created_at']);
  });
  await knex.raw(`
    alter table candidate_files
      add constraint candidate_files_kind check (kind in ('cv')),
      add constraint candidate_files_type check (content_type in (${CV_TYPES.map((c) => `'${c}'`).join(', ')})),
      add constraint candidate_files_size check (size_bytes between 1 and ${L.cvBytes} and size_bytes = octet_length(content)),
      add constraint candidate_files_filename check (char_length(original_filename) between 1 and ${L.cvFilename}),
      add constraint candidate_files_sha256 check (sha256 ~ '^[0-9a-f]{64}$')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('candidate_files');
  await knex.schema.alterTable('candidates', (t) => {
    for (const c of [
      'search_vector',
      'email_normalized',
      'phone',
      'phone_normalized',
      'location',
      'headline',
      'linkedin_url',
      'notes',
      'skills',
      'created_by_recruiter_id',
      'updated_at',
      'erased_at',
    ])
      t.dropColumn(c);
  });
  for (const c of ['name_length', 'email_length']) await knex.raw(`alter table candidates drop constraint if exists candidates_${c}`);
  await knex.raw('drop function if exists candidate_skills_ok(text[], int)');
  await knex.raw('drop function if exists candidate_skills_text(text[])');
}
