import type { Db, Executor } from '../../lib/db.js';

/** An outreach e-mail a recruiter sent to a candidate through Resend (SPEC §3.4). */
export interface OutreachRow {
  id: string;
  candidate_id: string;
  recruiter_id: string;
  to_email: string;
  subject: string;
  body: string;
  provider_message_id: string | null;
  idempotency_key: string;
  sent_at: Date;
}

/** A Resend webhook event (delivered, opened, clicked, bounced …) of an outreach e-mail. */
export interface OutreachEventRow {
  id: number;
  outreach_id: string;
  provider_event_id: string;
  type: string;
  occurred_at: Date;
  payload: unknown;
  received_at: Date;
}

const TABLE = 'candidate_outreach';
const EVENTS = 'candidate_outreach_events';

export const outreachDal = (db: Db) => ({
  findById: (id: string, trx: Executor = db) => trx<OutreachRow>(TABLE).where({ id }).first(),

  findByProviderMessageId: (messageId: string, trx: Executor = db) =>
    trx<OutreachRow>(TABLE).where({ provider_message_id: messageId }).first(),

  /** Idempotent on the id: a concurrent retry of the same send keeps the first row. */
  async insert(row: OutreachRow, trx: Executor = db): Promise<void> {
    await trx(TABLE).insert(row).onConflict('id').ignore();
  },

  /** Oldest first; `recruiterId` narrows the list to one sender's outreach. */
  listForCandidate(candidateId: string, filter: { recruiterId?: string }, trx: Executor = db): Promise<OutreachRow[]> {
    const q = trx<OutreachRow>(TABLE).where({ candidate_id: candidateId });
    if (filter.recruiterId) q.where({ recruiter_id: filter.recruiterId });
    return q.orderBy([{ column: 'sent_at', order: 'asc' }, { column: 'id', order: 'asc' }]);
  },

  /** The earliest outreach of anyone to the candidate: evidence of first contact in disputes. */
  async firstContactAt(candidateId: string, trx: Executor = db): Promise<Date | null> {
    const row = await trx(TABLE).where({ candidate_id: candidateId }).min({ first: 'sent_at' }).first();
    return (row?.first as Date | null | undefined) ?? null;
  },

  /** The events of these outreach e-mails, oldest first. */
  events(outreachIds: string[], trx: Executor = db): Promise<OutreachEventRow[]> {
    return trx<OutreachEventRow>(EVENTS)
      .whereIn('outreach_id', outreachIds)
      .orderBy([{ column: 'occurred_at', order: 'asc' }, { column: 'id', order: 'asc' }]);
  },

  /** Stores a webhook event once per delivery id (Resend redelivers until it gets a 2xx); false for a repeat. */
  async recordEvent(row: Omit<OutreachEventRow, 'id' | 'received_at'>, trx: Executor = db): Promise<boolean> {
    const inserted = await trx(EVENTS)
      .insert({ ...row, payload: JSON.stringify(row.payload) })
      .onConflict('provider_event_id')
      .ignore()
      .returning('id');
    return inserted.length > 0;
  },
});
