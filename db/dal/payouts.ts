import type { Knex } from 'knex';
import type { Db, Executor } from '../../lib/db.js';
import { type Keyset, newestFirst } from './keyset.js';
import { insertOnce } from './once.js';
import { type AllTables, table } from './tables.js';
import type { PartyScope } from './placements.js';

import type { PayoutStatus, SplitStatus, Tranche } from '../../domain/payout.js';

export type { PayoutStatus, SplitStatus, Tranche };

export type PayoutRow = AllTables['payout_schedules'];

export type SplitRow = AllTables['payout_splits'];

export interface PayoutAuditEntry {
  payout_id: string;
  split_id?: string | null;
  event: string;
  old_status?: string | null;
  new_status?: string | null;
  actor_user_id?: string | null;
  actor_role: string;
  reason?: string | null;
  details?: unknown;
  /** Makes the entry idempotent: the same step is logged once however often it runs. */
  event_key: string;
}

export interface CollaboratorRow {
  id: string;
  placement_id: string;
  recruiter_id: string;
  role: string;
  split_bps: number;
  created_at: Date;
}

export interface PayoutListFilter extends Keyset, PartyScope {
  status?: PayoutStatus;
  placementId?: string;
}

export const payoutsDal = (db: Db) => ({
  findPayout: (id: string, trx: Executor = db) => table(trx, 'payout_schedules').where({ id }).first(),
  lockPayout: (id: string, trx: Executor) => table(trx, 'payout_schedules').where({ id }).forUpdate().first(),

  async insertPayout(row: Omit<PayoutRow, 'updated_at'>, trx: Executor = db) {
    await table(trx, 'payout_schedules').insert({ ...row, updated_at: row.created_at });
  },

  async setPayoutStatus(id: string, status: PayoutStatus, trx: Executor = db) {
    await table(trx, 'payout_schedules').where({ id }).update({ status, updated_at: trx.fn.now() });
  },

  splits: (payoutId: string, trx: Executor = db) => collaboratorOrder(trx).where('payout_splits.payout_id', payoutId),

  /** The splits of several payouts in one query, by payout id, with the recruiters' names. */
  async splitsByPayout(payoutIds: string[], trx: Executor = db): Promise<Map<string, Named<SplitRow>[]>> {
    const byPayout = new Map<string, Named<SplitRow>[]>(payoutIds.map((id) => [id, []]));
    if (payoutIds.length === 0) return byPayout;
    const rows: Named<SplitRow>[] = await named(collaboratorOrder(trx), 'payout_splits').whereIn('payout_splits.payout_id', payoutIds);
    for (const split of rows) byPayout.get(split.payout_id)!.push(split);
    return byPayout;
  },

  findVisible: (id: string, scope: PartyScope, trx: Executor = db): Promise<PayoutRow | undefined> =>
    visible(trx, scope).where('payout_schedules.id', id).first(),

  /** Newest first, keyset-paginated on (created_at, id). */
  list(filter: PayoutListFilter, trx: Executor = db): Promise<PayoutRow[]> {
    const q = visible(trx, filter);
    if (filter.status) q.where('payout_schedules.status', filter.status);
    if (filter.placementId) q.where('payout_schedules.placement_id', filter.placementId);
    return newestFirst(q, filter, 'payout_schedules');
  },

  /** A placement's payouts (one per tranche), oldest first. */
  ofPlacement: (placementId: string, trx: Executor = db): Promise<PayoutRow[]> =>
    table(trx, 'payout_schedules')
      .where({ placement_id: placementId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]),

  findSplit: (id: string, trx: Executor = db) => table(trx, 'payout_splits').where({ id }).first(),
  lockSplit: (id: string, trx: Executor) => table(trx, 'payout_splits').where({ id }).forUpdate().first(),

  async insertSplits(
    rows: Omit<SplitRow, 'id' | 'transfer_attempt' | 'status' | 'stripe_transfer_id' | 'reversed_cents' | 'block_reason'>[],
    trx: Executor = db,
  ) {
    if (rows.length) await table(trx, 'payout_splits').insert(rows);
  },

  async updateSplit(id: string, patch: Partial<Omit<SplitRow, 'id' | 'payout_id'>>, trx: Executor = db) {
    await table(trx, 'payout_splits')
      .where({ id })
      .update({ ...patch, updated_at: trx.fn.now() });
  },

  async audit(entry: PayoutAuditEntry, trx: Executor = db) {
    await insertOnce(
      trx,
      'payout_audit_log',
      { ...entry, details: entry.details === undefined ? null : JSON.stringify(entry.details) },
      { key: ['event_key'] },
    );
  },

  auditLog: (payoutId: string, trx: Executor = db) => table(trx, 'payout_audit_log').where({ payout_id: payoutId }).orderBy('id', 'asc'),

  collaborators: (placementId: string, trx: Executor = db) =>
    table(trx, 'placement_collaborators')
      .where({ placement_id: placementId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]),

  /** The collaborators with their names, for readers. */
  namedCollaborators: (placementId: string, trx: Executor = db): Promise<Named<CollaboratorRow>[]> =>
    named(table(trx, 'placement_collaborators').select('placement_collaborators.*'), 'placement_collaborators')
      .where({ placement_id: placementId })
      .orderBy([{ column: 'placement_collaborators.created_at' }, { column: 'placement_collaborators.id' }]),

  /** A placement's paid splits that have a transfer to reverse. */
  paidSplitsOf: (placementId: string, trx: Executor = db): Promise<SplitRow[]> =>
    table(trx, 'payout_splits')
      .join('payout_schedules', 'payout_schedules.id', 'payout_splits.payout_id')
      .where('payout_schedules.placement_id', placementId)
      .where('payout_splits.status', 'paid')
      .whereNotNull('payout_splits.stripe_transfer_id')
      .select('payout_splits.*'),

  /** The placement under a row lock: orders a payout's preparation against collaborator edits. */
  lockPlacement: (id: string, trx: Executor) => table(trx, 'placements').where({ id }).forUpdate().first(),

  /** From the first payout on, the placement's collaborators and splits may no longer change. */
  async lockSplitsOf(placementId: string, at: Date, trx: Executor = db) {
    await table(trx, 'placements').where({ id: placementId }).update({ splits_locked_at: at, updated_at: at });
  },

  /** The recruiters' connected accounts, by recruiter id. */
  async recruiterAccounts(recruiterIds: string[], trx: Executor = db): Promise<Map<string, string | null>> {
    const rows = await table(trx, 'recruiters').whereIn('id', recruiterIds).select('id', 'stripe_account_id');
    return new Map(rows.map((r) => [r.id, r.stripe_account_id]));
  },

  /** Makes `account` the recruiter's connected account for future payouts; returns the one it replaced. */
  async switchRecruiterAccount(recruiterId: string, account: string, trx: Executor): Promise<string | null> {
    const recruiter = await table(trx, 'recruiters').where({ id: recruiterId }).forUpdate().first('stripe_account_id');
    await table(trx, 'recruiters').where({ id: recruiterId }).update({ stripe_account_id: account });
    return recruiter?.stripe_account_id ?? null;
  },
});

export type Named<T> = T & { recruiter_name: string };

/** Adds the recruiter's display name to rows of `table` (which has a recruiter_id). */
const named = (q: Knex.QueryBuilder, table: string) =>
  q.join('recruiters', 'recruiters.id', `${table}.recruiter_id`).select('recruiters.display_name as recruiter_name');

/** Splits in the order of the placement's collaborators. */
const collaboratorOrder = (trx: Executor) =>
  table(trx, 'payout_splits')
    .join('placement_collaborators', 'placement_collaborators.id', 'payout_splits.collaborator_id')
    .orderBy([{ column: 'placement_collaborators.created_at' }, { column: 'placement_collaborators.id' }])
    .select('payout_splits.*');

/** Company users see their placements' payouts; recruiters the payouts holding a split of theirs. */
const visible = (trx: Executor, scope: PartyScope) => {
  const q = table(trx, 'payout_schedules').select<PayoutRow[]>('payout_schedules.*');
  if (scope.companyId)
    q.whereIn('payout_schedules.placement_id', table(trx, 'placements').select('id').where('company_id', scope.companyId));
  if (scope.recruiterId) {
    q.whereExists(
      table(trx, 'payout_splits')
        .whereRaw('payout_splits.payout_id = payout_schedules.id')
        .where('payout_splits.recruiter_id', scope.recruiterId),
    );
  }
  return q;
};
