import type { Knex } from 'knex';

/**
 * Real sign-in (issue 18): e-mailed magic links, server-side sessions, personal API keys,
 * the sign-in requests the rate limits count, and `users.deactivated_at` (a deactivated
 * user's sessions and keys stop working at once: every request checks it).
 *
 * Every secret is stored as its sha256 (hex): the links, session tokens, CSRF tokens and
 * keys are 256-bit random values, so a plain hash is enough and a database dump signs no one in.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.timestamp('deactivated_at', { useTz: true }).nullable());
  // Sign-in looks users up by the address they type; addresses are compared lower-cased.
  await knex.raw('create index users_email_lower on users (lower(email))');

  await knex.schema.createTable('magic_links', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('token_hash').notNullable().unique();
    t.uuid('user_id').notNullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.text('requested_ip').nullable();
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.createTable('sessions', (t) => {
    // sha256 of the cookie's token: the token itself is never stored.
    t.text('id').primary();
    t.uuid('user_id').notNullable().references('users.id');
    t.text('csrf_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.text('user_agent').nullable();
    t.text('created_ip').nullable();
  });
  await knex.raw('create index sessions_live_by_user on sessions (user_id) where revoked_at is null');

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id');
    t.text('name').notNullable();
    t.text('prefix').notNullable();
    t.text('key_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw('create index api_keys_live_by_user on api_keys (user_id, created_at) where revoked_at is null');
  await knex.raw(`alter table api_keys add constraint api_keys_name_length check (char_length(name) between 1 and 100)`);

  // One row per accepted magic-link request, whether or not the address belongs to anyone
  // (no enumeration): the per-address and per-IP limits count them, across API instances.
  await knex.schema.createTable('sign_in_requests', (t) => {
    t.bigIncrements('id');
    t.text('email_hash').notNullable();
    t.text('ip').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['email_hash', 'created_at']);
    t.index(['ip', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sign_in_requests');
  await knex.schema.dropTable('api_keys');
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('magic_links');
  await knex.raw('drop index users_email_lower');
  await knex.schema.alterTable('users', (t) => t.dropColumn('deactivated_at'));
}
