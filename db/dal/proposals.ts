import type { Db, Executor } from '../../lib/db.js';
import { type AllTables, table } from './tables.js';
import type { ProposalState } from '../../domain/proposal.js';
import { type Keyset, newestFirst } from './keyset.js';
import { insertOnce } from './once.js';

export type ProposalRow = AllTables['candidate_role_assignments'];

/** A proposal with the names people read (for lists and detail views). */
export interface ProposalView extends ProposalRow {
  candidate_name: string;
  job_title: string;
  company_name: string;
  recruiter_name: string;
}

export type ProposalHistoryRow = AllTables['candidate_role_assignment_history'];

export interface ProposalListFilter extends Keyset {
  recruiterId?: string;
  companyId?: string;
  jobId?: string;
  candidateId?: string;
  states?: ProposalState[];
}

const TABLE = 'candidate_role_assignments';
const HISTORY = 'candidate_role_assignment_history';

export const proposalsDal = (db: Db) => ({
  async insert(row: Omit<ProposalRow, 'decided_at' | 'decision_reason'>, trx: Executor = db) {
    await table(trx, TABLE).insert(row);
  },

  async findById(id: string, trx: Executor = db): Promise<ProposalRow | undefined> {
    return table(trx, TABLE).where({ id }).first();
  },

  async viewById(id: string, trx: Executor = db): Promise<ProposalView | undefined> {
    return withNames(trx).where(`${TABLE}.id`, id).first();
  },

  /** Locks the row for the rest of the transaction (serialises concurrent transitions). */
  async lockById(id: string, trx: Executor): Promise<ProposalRow | undefined> {
    return table(trx, TABLE).where({ id }).forUpdate().first();
  },

  /** The open or accepted proposal of this candidate for this job (at most one: cra_one_live_per_candidate_job). */
  async findLive(candidateId: string, jobId: string, trx: Executor = db): Promise<ProposalRow | undefined> {
    return table(trx, TABLE)
      .where({ candidate_id: candidateId, job_id: jobId })
      .whereIn('state', ['proposed', 'company_reviewing', 'accepted'])
      .first();
  },

  async updateState(
    id: string,
    patch: Pick<ProposalRow, 'state' | 'updated_at'> & Partial<Pick<ProposalRow, 'decided_at' | 'decision_reason'>>,
    trx: Executor = db,
  ) {
    await table(trx, TABLE).where({ id }).update(patch);
  },

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(filter: ProposalListFilter, trx: Executor = db): Promise<ProposalView[]> {
    const q = withNames(trx);
    if (filter.recruiterId) q.where(`${TABLE}.recruiter_id`, filter.recruiterId);
    if (filter.companyId) q.where(`${TABLE}.company_id`, filter.companyId);
    if (filter.jobId) q.where(`${TABLE}.job_id`, filter.jobId);
    if (filter.candidateId) q.where(`${TABLE}.candidate_id`, filter.candidateId);
    if (filter.states?.length) q.whereIn(`${TABLE}.state`, filter.states);
    return newestFirst(q, filter, TABLE);
  },

  async insertHistory(row: Omit<ProposalHistoryRow, 'id'>, trx: Executor = db): Promise<boolean> {
    return (await insertOnce(trx, HISTORY, row, { key: ['transition_key'] })).inserted;
  },

  async history(assignmentId: string, trx: Executor = db): Promise<ProposalHistoryRow[]> {
    return table(trx, HISTORY).where({ assignment_id: assignmentId }).orderBy('id', 'asc');
  },
});

const withNames = (trx: Executor) =>
  table(trx, TABLE)
    .join('candidates', 'candidates.id', `${TABLE}.candidate_id`)
    .join('jobs', 'jobs.id', `${TABLE}.job_id`)
    .join('recruiters', 'recruiters.id', `${TABLE}.recruiter_id`)
    .join('companies', 'companies.id', `${TABLE}.company_id`)
    .select<ProposalView[]>(
      `${TABLE}.*`,
      'candidates.full_name as candidate_name',
      'jobs.title as job_title',
      'companies.name as company_name',
      'recruiters.display_name as recruiter_name',
    );
