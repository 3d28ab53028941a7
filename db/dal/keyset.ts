import type { Knex } from 'knex';

/** A page of a newest-first list: rows strictly older than `before` on (time column, id). */
export interface Keyset {
  before?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * `table` qualifies the columns when the query joins others; `column` is the time column
 * the list is ordered by (`created_at` unless the table records another, e.g. `occurred_at`).
 * Ordered and compared on the time truncated to the millisecond a cursor carries (a JS Date):
 * rows written by one statement share a microsecond time, and a cursor rounded below it
 * would skip the rest of them.
 */
export function newestFirst<TRecord extends object, TResult>(
  q: Knex.QueryBuilder<TRecord, TResult>,
  page: Keyset,
  table?: string,
  column = 'created_at',
): Knex.QueryBuilder<TRecord, TResult> {
  const [at, id] = [column, 'id'].map((c) => (table ? `${table}.${c}` : c)) as [string, string];
  q.orderByRaw(`date_trunc('milliseconds', ??) desc, ?? desc`, [at, id]);
  if (page.before) q.whereRaw(`(date_trunc('milliseconds', ??), ??) < (?, ?)`, [at, id, page.before.createdAt, page.before.id]);
  return q.limit(page.limit);
}
