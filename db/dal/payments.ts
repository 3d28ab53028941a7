import type { Db, Executor } from '../../lib/db.js';
import type { Actor } from '../../domain/actors.js';
import type { PaymentEvent } from '../../domain/payment.js';
import { insertOnce } from './once.js';
import { table, type PaymentChangesTable, type PlacementPaymentsTable, type PlacementsTable } from './tables.js';

export type PaymentRow = PlacementPaymentsTable;

/** What invoicing and refunding a placement's fee read of the placement (its terms as recorded). */
export type PlacementSnapshot = Pick<
  PlacementsTable,
  'id' | 'company_id' | 'fee_cents' | 'currency' | 'refund_policy' | 'payment_terms_days' | 'guarantee_days' | 'platform_fee_bps'
> & { company_name: string; job_title: string | null; candidate_name: string | null };

export interface PaymentAudit {
  placementId: string;
  event: PaymentEvent;
  oldState?: string | null;
  newState?: string | null;
  actor: Actor;
  reason?: string | null;
  details?: unknown;
  /** Written once per key: a retried activity records nothing twice. */
  key: string;
}

/** One fee invoice per placement (`placement_payments`) and its append-only audit (`payment_changes`), migration 019. */
export const paymentsDal = (db: Db) => ({
  find: (placementId: string, trx: Executor = db): Promise<PaymentRow | undefined> =>
    table(trx, 'placement_payments').where({ placement_id: placementId }).first(),

  lock: (placementId: string, trx: Executor): Promise<PaymentRow | undefined> =>
    table(trx, 'placement_payments').where({ placement_id: placementId }).forUpdate().first(),

  /** The payment row of the placement: this call's (state `creating`) or the one already there. */
  async insertIfAbsent(
    row: Pick<PaymentRow, 'placement_id' | 'company_id' | 'amount_cents' | 'currency' | 'stripe_customer_id'>,
    trx: Executor = db,
  ): Promise<PaymentRow> {
    const now = new Date();
    const { row: stored } = await insertOnce(
      trx,
      'placement_payments',
      { ...row, state: 'creating', created_at: now, updated_at: now },
      { key: ['placement_id'] },
    );
    return stored;
  },

  /** Writes the projection; returns the row as stored. */
  async update(
    placementId: string,
    patch: Partial<Omit<PaymentRow, 'placement_id' | 'created_at' | 'updated_at'>>,
    trx: Executor = db,
  ): Promise<PaymentRow> {
    const [row] = await table(trx, 'placement_payments')
      .where({ placement_id: placementId })
      .update({ ...patch, updated_at: new Date() })
      .returning('*');
    return row as PaymentRow;
  },

  /** Records one audit row per key; returns whether this call wrote it. */
  async audit(entry: PaymentAudit, trx: Executor = db): Promise<boolean> {
    const { inserted } = await insertOnce(
      trx,
      'payment_changes',
      {
        placement_id: entry.placementId,
        event: entry.event,
        old_state: entry.oldState ?? null,
        new_state: entry.newState ?? null,
        actor_user_id: entry.actor.userId,
        actor_role: entry.actor.role,
        reason: entry.reason ?? null,
        details: entry.details === undefined ? null : JSON.stringify(entry.details),
        event_key: entry.key,
      },
      { key: ['event_key'] },
    );
    return inserted;
  },

  changes: (placementId: string, trx: Executor = db): Promise<PaymentChangesTable[]> =>
    table(trx, 'payment_changes').where({ placement_id: placementId }).orderBy('id', 'asc'),

  customerId: async (companyId: string, trx: Executor = db): Promise<string | null> =>
    (await table(trx, 'companies').where({ id: companyId }).first('stripe_customer_id'))?.stripe_customer_id ?? null,

  /** Stores the company's Stripe customer unless it has one; returns the one it has now. */
  async setCustomerIdIfNull(companyId: string, customerId: string, trx: Executor = db): Promise<string> {
    await table(trx, 'companies').where({ id: companyId }).whereNull('stripe_customer_id').update({ stripe_customer_id: customerId });
    return (await table(trx, 'companies').where({ id: companyId }).first('stripe_customer_id'))!.stripe_customer_id!;
  },

  /** The placement's fee and the terms it was recorded with, with the names an invoice shows. */
  snapshot: (placementId: string, trx: Executor = db): Promise<PlacementSnapshot | undefined> =>
    table(trx, 'placements')
      .join('companies', 'companies.id', 'placements.company_id')
      .leftJoin('jobs', 'jobs.id', 'placements.job_id')
      .leftJoin('candidates', 'candidates.id', 'placements.candidate_id')
      .where('placements.id', placementId)
      .first(
        'placements.id',
        'placements.company_id',
        'placements.fee_cents',
        'placements.currency',
        'placements.refund_policy',
        'placements.payment_terms_days',
        'placements.guarantee_days',
        'placements.platform_fee_bps',
        'companies.name as company_name',
        'jobs.title as job_title',
        'candidates.full_name as candidate_name',
      ) as Promise<PlacementSnapshot | undefined>,

  /** Who receives the company's payment reminders: its company admins who are still active. */
  billingContacts: async (companyId: string, trx: Executor = db): Promise<string[]> =>
    (
      await table(trx, 'users')
        .where({ role: 'company_admin', company_id: companyId })
        .whereNull('deactivated_at')
        .orderBy('email')
        .select('email')
    ).map((u) => u.email),
});
