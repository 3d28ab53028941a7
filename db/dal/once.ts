import type { Db, Executor, Transaction } from '../../lib/db.js';
import { type AllTables, type TableName, table } from './tables.js';

export interface Once<Row> {
  /** The row stored under the key: this call's, or the one an earlier (or concurrent) call wrote. */
  row: Row;
  /** Whether this call wrote it. */
  inserted: boolean;
}

/**
 * The one way to write a row once by an idempotency key (a unique constraint or index on
 * `key`): `insert … on conflict (key) do nothing returning *`, then, when another call had
 * written it, the existing row. Race-safe: of concurrent callers exactly one inserts, and
 * all get the same row (the conflict waits for the other insert's commit, so the row is
 * visible to the follow-up read). For tables whose keyed rows are never deleted: a row deleted
 * between the conflict and the read is reported as an error.
 *
 * The key columns differ by table (`transition_key`, `event_key`, `decision_key`,
 * `change_key`, `log_key`, `task_key`, `idempotency_key`, or a natural key such as
 * `(candidate_id, job_id)`); they are named here, at the call, rather than renamed in the schema.
 */
export async function insertOnce<N extends TableName>(
  x: Executor,
  name: N,
  row: Partial<AllTables[N]>,
  opts: { key: (keyof AllTables[N] & string)[] },
): Promise<Once<AllTables[N]>> {
  const [inserted] = (await table(x, name)
    .insert(row as never)
    .onConflict(opts.key)
    .ignore()
    .returning('*')) as AllTables[N][];
  if (inserted) return { row: inserted, inserted: true };
  const match = Object.fromEntries(opts.key.map((k) => [k, (row as Record<string, unknown>)[k]]));
  const existing = (await table(x, name)
    .where(match as never)
    .first()) as AllTables[N] | undefined;
  if (!existing) throw new Error(`${name}: no row for ${JSON.stringify(match)} after a conflicting insert`);
  return { row: existing, inserted: false };
}

/**
 * Writes many rows once each by `key`; returns those this call wrote (the others were
 * already there). For batches where the existing rows are not needed (a page of events).
 */
export async function insertManyOnce<N extends TableName>(
  x: Executor,
  name: N,
  rows: Partial<AllTables[N]>[],
  opts: { key: (keyof AllTables[N] & string)[] },
): Promise<AllTables[N][]> {
  if (rows.length === 0) return [];
  return (await table(x, name)
    .insert(rows as never)
    .onConflict(opts.key)
    .ignore()
    .returning('*')) as AllTables[N][];
}

/** Runs `work` in one transaction: activities and routes open theirs through this, never through knex. */
export const withTransaction = <T>(db: Db, work: (trx: Transaction) => Promise<T>): Promise<T> => db.transaction(work);
