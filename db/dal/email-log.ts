import type { Db, Executor } from '../../lib/db.js';

export interface EmailLogRow {
  idempotency_key: string;
  template: string;
  recipients: string[];
  subject: string;
  provider_message_id: string | null;
  sent_at: Date;
}

export const emailLogDal = (db: Db) => ({
  find: (key: string, trx: Executor = db) =>
    trx<EmailLogRow>('email_log').where({ idempotency_key: key }).first(),

  async record(row: Omit<EmailLogRow, 'sent_at'>, trx: Executor = db): Promise<void> {
    await trx('email_log').insert(row).onConflict('idempotency_key').ignore();
  },

  list: (trx: Executor = db) => trx<EmailLogRow>('email_log').orderBy('id', 'asc'),
});
