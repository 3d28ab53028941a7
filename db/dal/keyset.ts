import type { Knex } from 'knex';

/** A page of a newest-first list: rows strictly older than `before` on (created_at, id). */
export interface Keyset {
  before?: { createdAt: Date; id: string };
  limit: number;
}

export function newestFirst<T extends object>(q: Knex.QueryBuilder<T, T[]>, page: Keyset): Knex.QueryBuilder<T, T[]> {
  q.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (page.before) q.whereRaw('(created_at, id) < (?, ?)', [page.before.createdAt, page.before.id]);
  return q.limit(page.limit);
}
