import type { Knex } from 'knex';

/**
 * Every list endpoint pages newest first on (time, id) (db/dal/keyset.ts). Without a
 * company or recruiter filter — platform admins, the directory — Postgres had no index in
 * that order and sorted the whole table for each page: 4–5 s per page of proposals at
 * 100k rows (bench/api.ts). One (time desc, id desc) index per listed table makes a page
 * an index scan of `limit` rows.
 */
const LISTS: [table: string, column: string][] = [
  ['candidate_role_assignments', 'created_at'],
  ['placements', 'created_at'],
  ['payout_schedules', 'created_at'],
  ['candidates', 'created_at'],
  ['jobs', 'created_at'],
  ['recruiters', 'created_at'],
  ['marketplace_events', 'occurred_at'],
  ['decision_audit_log', 'occurred_at'],
  ['automation_rules', 'created_at'],
  ['automation_executions', 'created_at'],
  ['automation_approvals', 'requested_at'],
  ['recruiter_tasks', 'created_at'],
  ['integrations', 'created_at'],
];

const indexName = (table: string) => `${table}_newest_first`;

export async function up(knex: Knex): Promise<void> {
  for (const [table, column] of LISTS) {
    await knex.raw('create index ?? on ?? (?? desc, id desc)', [indexName(table), table, column]);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [table] of LISTS) await knex.raw('drop index if exists ??', [indexName(table)]);
}
