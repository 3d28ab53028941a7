import type { Db, Executor } from '../../lib/db.js';
import type { StripeAccountFacts } from '../../domain/payout-account.js';
import { payoutAccountStatus } from '../../domain/payout-account.js';
import { insertOnce, withTransaction } from './once.js';
import { type AllTables, table } from './tables.js';

export type PayoutAccountRow = AllTables['recruiter_payout_accounts'];

/** A blocked split of a recruiter and the payout workflow that waits on it. */
export interface BlockedSplitRef {
  splitId: string;
  payoutId: string;
  workflowId: string;
}

/** Recruiters' connected accounts (product §3.3), the Stripe events received, and the audit of status changes. */
export const payoutAccountsDal = (db: Db) => ({
  ofRecruiter: (recruiterId: string, trx: Executor = db) =>
    table(trx, 'recruiter_payout_accounts').where({ recruiter_id: recruiterId }).first(),

  byStripeAccount: (stripeAccountId: string, trx: Executor = db) =>
    table(trx, 'recruiter_payout_accounts').where({ stripe_account_id: stripeAccountId }).first(),

  /** The recruiter's row, written once: its idempotency key is stored before Stripe is asked for an account. */
  claim: (recruiterId: string, idempotencyKey: string, at: Date) =>
    insertOnce(
      db,
      'recruiter_payout_accounts',
      { recruiter_id: recruiterId, idempotency_key: idempotencyKey, status: 'onboarding', created_at: at, updated_at: at },
      { key: ['recruiter_id'] },
    ),

  /** The account Stripe created under the row's key (the same id on every retry). */
  async setAccount(
    recruiterId: string,
    stripeAccountId: string,
    actor: { userId: string | null; role: string },
  ): Promise<PayoutAccountRow> {
    return withTransaction(db, async (trx) => {
      const row = await table(trx, 'recruiter_payout_accounts').where({ recruiter_id: recruiterId }).forUpdate().first();
      if (row?.stripe_account_id) return row;
      const [updated] = await table(trx, 'recruiter_payout_accounts')
        .where({ recruiter_id: recruiterId })
        .update({ stripe_account_id: stripeAccountId, updated_at: trx.fn.now() })
        .returning('*');
      await table(trx, 'payout_account_changes').insert({
        recruiter_id: recruiterId,
        stripe_account_id: stripeAccountId,
        old_status: 'not_connected',
        new_status: updated!.status,
        actor_user_id: actor.userId,
        actor_role: actor.role,
        details: JSON.stringify({ event: 'account_created' }),
      });
      return updated!;
    });
  },

  /**
   * Writes what Stripe says about the account now. Makes it the recruiter's payout account once
   * transfers to it are active. A status change is audited (system actor); the same facts twice change nothing.
   */
  async project(stripeAccountId: string, facts: StripeAccountFacts): Promise<{ row: PayoutAccountRow; changed: boolean } | undefined> {
    return withTransaction(db, async (trx) => {
      const row = await table(trx, 'recruiter_payout_accounts').where({ stripe_account_id: stripeAccountId }).forUpdate().first();
      if (!row) return undefined;
      const next = {
        status: payoutAccountStatus(facts),
        payouts_enabled: facts.payoutsEnabled,
        transfers_active: facts.transfersActive,
        currently_due: facts.currentlyDue,
        disabled_reason: facts.disabledReason,
      };
      const same =
        row.status === next.status &&
        row.payouts_enabled === next.payouts_enabled &&
        row.transfers_active === next.transfers_active &&
        row.disabled_reason === next.disabled_reason &&
        JSON.stringify(row.currently_due) === JSON.stringify(next.currently_due);
      if (same) return { row, changed: false };
      const [updated] = await table(trx, 'recruiter_payout_accounts')
        .where({ recruiter_id: row.recruiter_id })
        .update({ ...next, currently_due: JSON.stringify(next.currently_due) as never, updated_at: trx.fn.now() })
        .returning('*');
      if (facts.transfersActive) {
        await table(trx, 'recruiters').where({ id: row.recruiter_id }).update({ stripe_account_id: stripeAccountId });
      }
      if (row.status !== next.status) {
        await table(trx, 'payout_account_changes').insert({
          recruiter_id: row.recruiter_id,
          stripe_account_id: stripeAccountId,
          old_status: row.status,
          new_status: next.status,
          actor_user_id: null,
          actor_role: 'system',
          details: JSON.stringify({ currentlyDue: next.currently_due, disabledReason: next.disabled_reason }),
        });
      }
      return { row: updated!, changed: true };
    });
  },

  /** The account's audit, oldest first. */
  changes: (recruiterId: string, trx: Executor = db) =>
    table(trx, 'payout_account_changes').where({ recruiter_id: recruiterId }).orderBy('id', 'asc'),

  /** The recruiter's blocked splits in payouts still running, with the workflow each waits in. */
  async blockedSplitsOf(recruiterId: string, trx: Executor = db): Promise<BlockedSplitRef[]> {
    const rows = await table(trx, 'payout_splits')
      .join('payout_schedules', 'payout_schedules.id', 'payout_splits.payout_id')
      .where('payout_splits.recruiter_id', recruiterId)
      .where('payout_splits.status', 'blocked')
      .orderBy('payout_splits.id')
      .select('payout_splits.id as splitId', 'payout_splits.payout_id as payoutId', 'payout_schedules.workflow_id as workflowId');
    return rows as unknown as BlockedSplitRef[];
  },

  /** Records a Stripe event id; false when it was received before (a repeat delivery). */
  async recordEvent(event: { id: string; type: string; account: string | null }, trx: Executor = db): Promise<boolean> {
    const { inserted } = await insertOnce(trx, 'stripe_webhook_events', event, { key: ['id'] });
    return inserted;
  },

  eventKnown: async (id: string, trx: Executor = db) => !!(await table(trx, 'stripe_webhook_events').where({ id }).first('id')),
});
