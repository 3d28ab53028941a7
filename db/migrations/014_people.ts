import type { Knex } from 'knex';

/**
 * People management (product §3.10): invitations (who invited whom, when), the first sign-in
 * that turns an invitation into an active account, the purpose of a magic link (a sign-in
 * link or a 7-day invitation) and its revocation when its user is deactivated or re-invited,
 * and the append-only `people_changes` audit.
 *
 * Existing users were never invited: `invited_at` stays null, so they are active (or
 * deactivated). Addresses become unique lower-cased (the API compares them so), and the name
 * and address limits apply to rows written from now on (`not valid`: a long seeded name does
 * not fail this migration).
 */
// Frozen as this migration wrote them: a past migration never changes (the current lists are in domain/people.ts).
const PEOPLE_CHANGES = [
  'invited',
  'invitation_resent',
  'role_changed',
  'deactivated',
  'reactivated',
  'company_created',
  'signed_in_first_time',
] as const;
const LINK_PURPOSES = ['sign_in', 'invitation'] as const;
const L = { name: 200, email: 254, companyName: 200, reason: 2000 };

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('invited_at', { useTz: true }).nullable();
    t.uuid('invited_by_user_id').nullable().references('users.id');
    t.timestamp('last_signed_in_at', { useTz: true }).nullable();
  });
  // Two invitations of the same address (in any case) cannot both succeed.
  await knex.raw('create unique index users_email_lower_unique on users (lower(email))');
  await knex.raw(`alter table users
    add constraint users_name_length check (char_length(name) between 1 and ${L.name}) not valid,
    add constraint users_email_length check (char_length(email) between 3 and ${L.email}) not valid`);
  await knex.raw(
    `alter table companies add constraint companies_name_length check (char_length(name) between 1 and ${L.companyName}) not valid`,
  );
  await knex.raw(
    `alter table recruiters add constraint recruiters_display_name_length check (char_length(display_name) between 1 and ${L.name}) not valid`,
  );

  await knex.schema.alterTable('magic_links', (t) => {
    t.text('purpose').notNullable().defaultTo('sign_in');
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw(`alter table magic_links add constraint magic_links_purpose_valid check (purpose in (${inList(LINK_PURPOSES)}))`);

  await knex.schema.createTable('people_changes', (t) => {
    t.bigIncrements('id');
    t.uuid('user_id').notNullable().references('users.id');
    t.uuid('company_id').nullable().references('companies.id');
    t.uuid('actor_user_id').nullable();
    t.text('actor_role').notNullable();
    t.text('change').notNullable();
    t.jsonb('old').nullable();
    t.jsonb('new').nullable();
    t.text('reason').nullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'occurred_at']);
  });
  await knex.raw(`alter table people_changes
    add constraint people_changes_change_valid check (change in (${inList(PEOPLE_CHANGES)})),
    add constraint people_changes_reason_length check (reason is null or char_length(reason) <= ${L.reason})`);
  await knex.raw(`create trigger people_changes_append_only before update or delete on people_changes
    for each row execute function forbid_history_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('people_changes');
  await knex.raw('alter table magic_links drop constraint magic_links_purpose_valid');
  await knex.schema.alterTable('magic_links', (t) => {
    t.dropColumn('revoked_at');
    t.dropColumn('purpose');
  });
  await knex.raw('alter table recruiters drop constraint recruiters_display_name_length');
  await knex.raw('alter table companies drop constraint companies_name_length');
  await knex.raw('alter table users drop constraint users_name_length, drop constraint users_email_length');
  await knex.raw('drop index users_email_lower_unique');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('last_signed_in_at');
    t.dropColumn('invited_by_user_id');
    t.dropColumn('invited_at');
  });
}
