import type { Db, Executor } from '../../lib/db.js';
import { table } from './tables.js';
import { insertOnce } from './once.js';

export interface EmailLogRow {
  idempotency_key: string;
  template: string;
  recipients: string[];
  subject: string;
  provider_message_id: string | null;
  sent_at: Date;
}

export const emailLogDal = (db: Db) => ({
  find: (key: string, trx: Executor = db) => table(trx, 'email_log').where({ idempotency_key: key }).first(),

  async record(row: Omit<EmailLogRow, 'sent_at'>, trx: Executor = db): Promise<void> {
    await insertOnce(trx, 'email_log', row, { key: ['idempotency_key'] });
  },

  /** Notes Resend's id of an e-mail recorded before it was sent. */
  async setProviderMessageId(key: string, providerMessageId: string, trx: Executor = db): Promise<void> {
    await table(trx, 'email_log').where({ idempotency_key: key }).update({ provider_message_id: providerMessageId });
  },

  list: (trx: Executor = db) => table(trx, 'email_log').orderBy('id', 'asc'),
});
