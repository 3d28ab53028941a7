import type { Knex } from 'knex';
import type { Db, Executor } from '../../lib/db.js';
import type { FeeType, JobStatus, RemoteMode } from '../../domain/jobs.js';
import { type Keyset, newestFirst } from './keyset.js';
import { table, type AllTables } from './tables.js';

/** A job as the jobs routes read it (everything but the generated search vector). */
export type JobRecord = Omit<AllTables['jobs'], 'search'>;
/** A job found by a full-text search, with its `ts_rank`. */
export type RankedJob = JobRecord & { rank: number };
export type JobChange = AllTables['job_changes'];

const COLUMNS = [
  'id',
  'company_id',
  'title',
  'status',
  'hiring_manager_user_id',
  'created_at',
  'source_integration_id',
  'deleted_at',
  'description',
  'location',
  'remote',
  'salary_min_cents',
  'salary_max_cents',
  'salary_currency',
  'fee_percent_bps',
  'fee_fixed_cents',
  'fee_currency',
  'shared_with_marketplace',
  'updated_at',
].map((c) => `jobs.${c}`);

export interface JobFilter {
  /** Only this company's jobs (company users: their own, in every status). */
  companyId?: string;
  status?: JobStatus;
  /** The recruiters' browse: open jobs their company shares with the marketplace. */
  marketplace?: boolean;
  /** With `marketplace`: also the open jobs this recruiter holds or was shared as a partner (product §3.8). */
  recruiterId?: string;
  remote?: RemoteMode;
  /** A case-insensitive part of the location. */
  location?: string;
  /** Jobs whose salary range reaches this many cents (in `currency`, when given). */
  salaryAtLeast?: number;
  currency?: string;
  feeType?: FeeType;
}

/** Keyset for a ranked search: rows after (rank, id) in (rank desc, id desc) order. */
export interface RankKeyset {
  after?: { rank: number; id: string };
  limit: number;
}

/** A LIKE pattern matching `text` literally anywhere. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filtered(trx: Executor, f: JobFilter): Knex.QueryBuilder {
  // Records an ATS deleted stay for history but are no longer listed.
  const q = table(trx, 'jobs').whereNull('jobs.deleted_at');
  if (f.companyId) q.where('jobs.company_id', f.companyId);
  if (f.marketplace) {
    q.where('jobs.status', 'open').where((shared) => {
      shared.where('jobs.shared_with_marketplace', true);
      if (f.recruiterId) {
        shared.orWhereExists(
          table(trx, 'job_recruiters').whereRaw('job_recruiters.job_id = jobs.id').where('job_recruiters.recruiter_id', f.recruiterId),
        );
      }
    });
  }
  if (f.status) q.where('jobs.status', f.status);
  if (f.remote) q.where('jobs.remote', f.remote);
  if (f.location) q.whereILike('jobs.location', containing(f.location));
  if (f.salaryAtLeast !== undefined) q.where('jobs.salary_max_cents', '>=', f.salaryAtLeast);
  if (f.currency) q.where('jobs.salary_currency', f.currency);
  if (f.feeType === 'percentage') q.whereNotNull('jobs.fee_percent_bps');
  if (f.feeType === 'fixed') q.whereNotNull('jobs.fee_fixed_cents');
  return q;
}

/** Jobs posted here or synced from an ATS, their edits and status changes, and their audit (product §3.8). */
export const jobsDal = (db: Db) => ({
  /** A listed job (not deleted by its ATS); `lock` holds it for an edit in `trx`. */
  async find(id: string, trx: Executor = db, opts: { lock?: boolean } = {}): Promise<JobRecord | undefined> {
    const q = table(trx, 'jobs').where({ id }).whereNull('deleted_at').first(COLUMNS);
    if (opts.lock) q.forUpdate();
    return (await q) as JobRecord | undefined;
  },

  async insert(row: Partial<JobRecord> & Pick<JobRecord, 'id' | 'company_id' | 'title'>, trx: Executor = db): Promise<JobRecord> {
    const [created] = await table(trx, 'jobs')
      .insert(row)
      .returning(COLUMNS.map((c) => c.slice(5)) as (keyof JobRecord)[]);
    return created as JobRecord;
  },

  async update(id: string, patch: Partial<JobRecord>, trx: Executor = db): Promise<JobRecord> {
    const [updated] = await table(trx, 'jobs')
      .where({ id })
      .update({ ...patch, updated_at: trx.fn.now() as unknown as Date })
      .returning(COLUMNS.map((c) => c.slice(5)) as (keyof JobRecord)[]);
    return updated as JobRecord;
  },

  /** One audit row: who changed what (`changes`: field → [old, new]). */
  async recordChange(row: Omit<JobChange, 'id' | 'occurred_at'>, trx: Executor = db): Promise<void> {
    await table(trx, 'job_changes').insert({ ...row, changes: JSON.stringify(row.changes) });
  },

  /** A job's audit, newest first, keyset-paginated on (occurred_at, id). */
  changes(jobId: string, page: Keyset, trx: Executor = db): Promise<JobChange[]> {
    return newestFirst(table(trx, 'job_changes').where({ job_id: jobId }), page, 'job_changes', 'occurred_at') as unknown as Promise<
      JobChange[]
    >;
  },

  /** Newest first on (created_at, id). */
  list(filter: JobFilter & Keyset, trx: Executor = db): Promise<JobRecord[]> {
    return newestFirst(filtered(trx, filter).select(COLUMNS), filter, 'jobs') as unknown as Promise<JobRecord[]>;
  },

  /**
   * Full-text search (websearch syntax) ranked by `ts_rank` on the weighted vector (title A,
   * location B, description C), best first; ties in rank are ordered by id, so the
   * (rank, id) keyset pages through them without skipping or repeating a row.
   */
  search(text: string, filter: JobFilter & RankKeyset, trx: Executor = db): Promise<RankedJob[]> {
    const query = trx.raw(`websearch_to_tsquery('english', ?)`, [text]);
    const ranked = filtered(trx, filter)
      .whereRaw('jobs.search @@ ?', [query])
      .select([...COLUMNS, trx.raw('ts_rank(jobs.search, ?) as rank', [query])]);
    const q = trx
      .from(ranked.as('ranked'))
      .select('*')
      .orderBy([
        { column: 'rank', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(filter.limit);
    // The rank goes back as float4, the type ts_rank computes, so a tie compares equal.
    if (filter.after) q.whereRaw('(rank, id) < (?::real, ?::uuid)', [filter.after.rank, filter.after.id]);
    return q as unknown as Promise<RankedJob[]>;
  },
});
