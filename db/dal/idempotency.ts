import type { Db, Executor } from '../../lib/db.js';
import { type AllTables, table } from './tables.js';

export type IdempotencyRow = AllTables['api_idempotency_keys'];

export const idempotencyDal = (db: Db) => ({
  /**
   * Claims the key; returns false when another request already holds it. Not insertOnce:
   * a claim is deleted when its request is rejected (release), so the conflicting row may
   * be gone by the time it would be read; the caller handles "not claimed" itself.
   */
  async claim(row: Pick<IdempotencyRow, 'user_id' | 'key' | 'method' | 'path' | 'request_hash'>, trx: Executor = db) {
    const inserted = await table(trx, 'api_idempotency_keys').insert(row).onConflict(['user_id', 'key']).ignore().returning('key');
    return inserted.length > 0;
  },

  /**
   * Takes over a claim whose request never finished (the process died mid-request),
   * atomically, so of several retries exactly one proceeds.
   */
  async takeOverStale(row: Pick<IdempotencyRow, 'user_id' | 'key' | 'request_hash'>, staleAfterMs: number, trx: Executor = db) {
    const taken = await table(trx, 'api_idempotency_keys')
      .where({ user_id: row.user_id, key: row.key, request_hash: row.request_hash })
      .whereNull('status_code')
      .andWhere('created_at', '<', trx.raw(`now() - make_interval(secs => ?)`, [staleAfterMs / 1000]))
      .update({ created_at: trx.fn.now() })
      .returning('key');
    return taken.length > 0;
  },

  find: (userId: string, key: string, trx: Executor = db) => table(trx, 'api_idempotency_keys').where({ user_id: userId, key }).first(),

  async complete(userId: string, key: string, statusCode: number, body: unknown, trx: Executor = db) {
    await table(trx, 'api_idempotency_keys')
      .where({ user_id: userId, key })
      .update({ status_code: statusCode, response_body: JSON.stringify(body) });
  },

  /** Frees a key whose request was rejected, so nothing is written for it. */
  async release(userId: string, key: string, trx: Executor = db) {
    await table(trx, 'api_idempotency_keys').where({ user_id: userId, key }).whereNull('status_code').delete();
  },
});
