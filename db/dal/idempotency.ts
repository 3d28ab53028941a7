import type { Db, Executor } from '../../lib/db.js';

export interface IdempotencyRow {
  user_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number | null;
  response_body: unknown;
  created_at: Date;
}

export const idempotencyDal = (db: Db) => ({
  /** Claims the key; returns false when another request already holds it. */
  async claim(row: Pick<IdempotencyRow, 'user_id' | 'key' | 'method' | 'path' | 'request_hash'>, trx: Executor = db) {
    const inserted = await trx('api_idempotency_keys').insert(row).onConflict(['user_id', 'key']).ignore().returning('key');
    return inserted.length > 0;
  },

  find: (userId: string, key: string, trx: Executor = db) =>
    trx<IdempotencyRow>('api_idempotency_keys').where({ user_id: userId, key }).first(),

  async complete(userId: string, key: string, statusCode: number, body: unknown, trx: Executor = db) {
    await trx('api_idempotency_keys')
      .where({ user_id: userId, key })
      .update({ status_code: statusCode, response_body: JSON.stringify(body) });
  },

  /** Frees a key whose request was rejected, so nothing is written for it. */
  async release(userId: string, key: string, trx: Executor = db) {
    await trx('api_idempotency_keys').where({ user_id: userId, key }).whereNull('status_code').delete();
  },
});
