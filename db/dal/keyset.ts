import type { Knex } from 'knex';

/** A page of a newest-first list: rows strictly older than `before` on (time column, id). */
export interface Keyset {
  before?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * `table` qualifies the columns when the query joins others; `column` is the time column
 * the list is ordered by (`created_at` unless the table records another, e.g. `occurred_at`).
 */
export function newestFirst<TRecord extends object, TResult>(
  q: Knex.QueryBuilder<TRecord, TResult>,
  page: Keyset,
  table?: string,
  column = 'created_at',
): Knex.QueryBuilder<TRecord, TResult> {
  const [at, id] = [column, 'id'].map((c) => (table ? `${table}.${c}` : c)) as [string, string];
  q.orderBy([
    { column: at, order: 'desc' },
    { column: id, order: 'desc' },
  ]);
  if (page.before) q.whereRaw('(??, ??) < (?, ?)', [at, id, page.before.createdAt, page.before.id]);
  return q.limit(page.limit);
}
