import type { Knex } from 'knex';

/** A page of a newest-first list: rows strictly older than `before` on (created_at, id). */
export interface Keyset {
  before?: { createdAt: Date; id: string };
  limit: number;
}

/** `table` qualifies the columns when the query joins others. */
export function newestFirst<T extends object>(q: Knex.QueryBuilder<T, T[]>, page: Keyset, table?: string): Knex.QueryBuilder<T, T[]> {
  const [createdAt, id] = table ? [`${table}.created_at`, `${table}.id`] : ['created_at', 'id'];
  q.orderBy([{ column: createdAt, order: 'desc' }, { column: id, order: 'desc' }]);
  if (page.before) q.whereRaw('(??, ??) < (?, ?)', [createdAt, id, page.before.createdAt, page.before.id]);
  return q.limit(page.limit);
}
