import type { Db, Executor } from '../../lib/db.js';
import { type Keyset, newestFirst } from './keyset.js';

/** Read access to the people and things proposals refer to. */
export interface JobRow {
  id: string;
  company_id: string;
  title: string;
  status: 'open' | 'closed';
  hiring_manager_user_id: string | null;
  created_at: Date;
}

export interface CandidateRow {
  id: string;
  full_name: string;
  email: string | null;
  created_at: Date;
}
export interface RecruiterRow {
  id: string;
  user_id: string;
  display_name: string;
  stripe_account_id: string | null;
}
export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  company_id: string | null;
}

export const directoryDal = (db: Db) => ({
  job: (id: string, trx: Executor = db) => trx<JobRow>('jobs').where({ id }).first(),
  candidate: (id: string, trx: Executor = db) => trx<CandidateRow>('candidates').where({ id }).first(),
  recruiter: (id: string, trx: Executor = db) => trx<RecruiterRow>('recruiters').where({ id }).first(),
  recruiters: (ids: string[], trx: Executor = db) => trx<RecruiterRow>('recruiters').whereIn('id', ids),
  user: (id: string, trx: Executor = db) => trx<UserRow>('users').where({ id }).first(),

  listJobs(filter: Keyset & { companyId?: string; status?: 'open' | 'closed' }, trx: Executor = db): Promise<JobRow[]> {
    // Records an ATS deleted stay for history but are no longer listed.
    const q = trx<JobRow>('jobs').whereNull('deleted_at');
    if (filter.companyId) q.where('company_id', filter.companyId);
    if (filter.status) q.where('status', filter.status);
    return newestFirst(q, filter);
  },

  listCandidates(filter: Keyset, trx: Executor = db): Promise<CandidateRow[]> {
    return newestFirst(trx<CandidateRow>('candidates').whereNull('deleted_at'), filter);
  },

  recruiterUser: (recruiterId: string, trx: Executor = db) =>
    trx<UserRow>('users')
      .join('recruiters', 'recruiters.user_id', 'users.id')
      .where('recruiters.id', recruiterId)
      .first('users.*'),

  /** A job's decision makers: the company's admins and the job's hiring manager. */
  async jobDecisionMakers(jobId: string, trx: Executor = db): Promise<UserRow[]> {
    return trx<UserRow>('users')
      .join('jobs', 'jobs.company_id', 'users.company_id')
      .where('jobs.id', jobId)
      .andWhere((w) =>
        w.where('users.role', 'company_admin').orWhereRaw('users.id = jobs.hiring_manager_user_id'),
      )
      .orderBy('users.email')
      .select('users.*');
  },
});
