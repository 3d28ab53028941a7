import type { Db, Executor } from '../../lib/db.js';
import { type AllTables, table } from './tables.js';
import type { EscrowStatus, PlacementState } from '../../domain/placement.js';
import { type Keyset, newestFirst } from './keyset.js';

/** A placement row as the DAL reads it: its start day as `YYYY-MM-DD`. */
export type PlacementRow = Omit<AllTables['placements'], 'start_date'> & { start_date: string };

/** A placement as listed: with its job's title, the candidate's name and the escrow's status. */
export interface PlacementListRow extends PlacementRow {
  job_title: string;
  candidate_name: string;
  escrow_status: EscrowStatus | null;
}

export type PlacementHistoryRow = Omit<AllTables['placement_states'], 'transition_key'>;

export type EscrowRow = AllTables['escrow_holds'];

/** Whose records a reader sees: one company's, one recruiter's (as a collaborator), or all when empty. */
export interface PartyScope {
  companyId?: string;
  recruiterId?: string;
}

export interface PlacementListFilter extends Keyset, PartyScope {
  states?: PlacementState[];
  escrowStatus?: EscrowStatus;
}

/** Reads of placements for the API; the placement workflow's activities write them. */
export const placementsDal = (db: Db) => ({
  findVisible: (id: string, scope: PartyScope, trx: Executor = db): Promise<PlacementListRow | undefined> =>
    visible(trx, scope).where('placements.id', id).first(),

  /** The live (not failed) placement of this candidate for this job: at most one (migration 008). */
  findLive: (candidateId: string, jobId: string, trx: Executor = db): Promise<{ id: string } | undefined> =>
    table(trx, 'placements').where({ candidate_id: candidateId, job_id: jobId }).whereNot({ state: 'failed' }).first('id'),

  /** Newest first, keyset-paginated on (created_at, id). */
  list(filter: PlacementListFilter, trx: Executor = db): Promise<PlacementListRow[]> {
    const q = visible(trx, filter);
    if (filter.states?.length) q.whereIn('placements.state', filter.states);
    if (filter.escrowStatus) q.where('escrow_holds.status', filter.escrowStatus);
    return newestFirst(q, filter, 'placements');
  },

  history: (placementId: string, trx: Executor = db): Promise<PlacementHistoryRow[]> =>
    table(trx, 'placement_states').where({ placement_id: placementId }).orderBy('id', 'asc'),

  escrow: (placementId: string, trx: Executor = db): Promise<EscrowRow | undefined> =>
    table(trx, 'escrow_holds').where({ placement_id: placementId }).first(),
});

const visible = (trx: Executor, scope: PartyScope) => {
  // pg turns a `date` into local midnight; as text it stays the calendar day it is (the later column wins).
  const q = table(trx, 'placements')
    .join('jobs', 'jobs.id', 'placements.job_id')
    .join('candidates', 'candidates.id', 'placements.candidate_id')
    .leftJoin('escrow_holds', 'escrow_holds.placement_id', 'placements.id')
    .select<PlacementListRow[]>(
      'placements.*',
      trx.raw('placements.start_date::text as start_date'),
      'jobs.title as job_title',
      'candidates.full_name as candidate_name',
      'escrow_holds.status as escrow_status',
    );
  if (scope.companyId) q.where('placements.company_id', scope.companyId);
  if (scope.recruiterId) {
    q.whereExists(
      table(trx, 'placement_collaborators')
        .whereRaw('placement_collaborators.placement_id = placements.id')
        .where('placement_collaborators.recruiter_id', scope.recruiterId),
    );
  }
  return q;
};
