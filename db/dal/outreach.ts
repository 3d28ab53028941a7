import type { Db, Executor } from '../../lib/db.js';
import { type AllTables, refinedTable, table } from './tables.js';
import { insertOnce } from './once.js';

/**
 * An outreach e-mail a recruiter sends a candidate through Resend (product §3.4): recorded
 * `sending` before Resend is called, `sent` once Resend accepted it, `failed` if Resend refused it.
 */
export type OutreachRow = AllTables['candidate_outreach'];
export type SentOutreachRow = OutreachRow & { status: 'sent'; sent_at: Date };

/** A Resend webhook event (delivered, opened, clicked, bounced …) of an outreach e-mail. */
export type OutreachEventRow = AllTables['candidate_outreach_events'];

const TABLE = 'candidate_outreach';
const EVENTS = 'candidate_outreach_events';

export const outreachDal = (db: Db) => ({
  findById: (id: string, trx: Executor = db) => table(trx, TABLE).where({ id }).first(),

  findByProviderMessageId: (messageId: string, trx: Executor = db) => table(trx, TABLE).where({ provider_message_id: messageId }).first(),

  /**
   * Records the e-mail before it is sent (`sending`), or returns the row a first attempt with
   * the same id wrote (a retry then sends that row's e-mail, not a new one).
   */
  async record(row: Omit<OutreachRow, 'status' | 'provider_message_id' | 'sent_at'>, trx: Executor = db): Promise<OutreachRow> {
    return (await insertOnce(trx, TABLE, { ...row, status: 'sending' }, { key: ['id'] })).row;
  },

  /** Resend accepted the e-mail: it is sent, and webhook events find it by Resend's id. */
  async markSent(id: string, providerMessageId: string, at: Date, trx: Executor = db): Promise<SentOutreachRow> {
    const [row] = await table(trx, TABLE)
      .where({ id })
      .update({ status: 'sent', provider_message_id: providerMessageId, sent_at: at })
      .returning('*');
    return row as SentOutreachRow;
  },

  /** Resend refused the e-mail for good: nothing was sent (a retry with the same key tries again). */
  async markFailed(id: string, trx: Executor = db): Promise<void> {
    await table(trx, TABLE).where({ id, status: 'sending' }).update({ status: 'failed' });
  },

  /** Sent e-mails only, oldest first; `recruiterId` narrows the list to one sender's outreach. */
  listForCandidate(candidateId: string, filter: { recruiterId?: string }, trx: Executor = db): Promise<SentOutreachRow[]> {
    const q = refinedTable<typeof TABLE, SentOutreachRow>(trx, TABLE).where({ candidate_id: candidateId, status: 'sent' });
    if (filter.recruiterId) q.where({ recruiter_id: filter.recruiterId });
    return q.orderBy([
      { column: 'sent_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
  },

  /** The earliest sent outreach of anyone to the candidate: evidence of first contact in disputes (attempts never count). */
  async firstContactAt(candidateId: string, trx: Executor = db): Promise<Date | null> {
    const row = await table(trx, TABLE).where({ candidate_id: candidateId, status: 'sent' }).min({ first: 'sent_at' }).first();
    return (row?.first as Date | null | undefined) ?? null;
  },

  /** The events of these outreach e-mails, oldest first. */
  events(outreachIds: string[], trx: Executor = db): Promise<OutreachEventRow[]> {
    return table(trx, EVENTS)
      .whereIn('outreach_id', outreachIds)
      .orderBy([
        { column: 'occurred_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
  },

  /** Stores a webhook event once per delivery id (Resend redelivers until it gets a 2xx); false for a repeat. */
  async recordEvent(row: Omit<OutreachEventRow, 'id' | 'received_at'>, trx: Executor = db): Promise<boolean> {
    return (await insertOnce(trx, EVENTS, { ...row, payload: JSON.stringify(row.payload) }, { key: ['provider_event_id'] })).inserted;
  },
});
