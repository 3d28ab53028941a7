import type { Db, Executor } from '../../lib/db.js';
import type { Role } from '../../domain/actors.js';
import { type Keyset, newestFirst } from './keyset.js';
import type { SourcerRow } from './sourcing.js';
import { table } from './tables.js';

/** Read access to the people and things proposals refer to. */
export interface CandidateRow {
  id: string;
  full_name: string;
  email: string | null;
  created_at: Date;
  /** Set once the candidate's personal data was erased (migration 013, product §3.9). */
  erased_at?: Date | null;
}
export interface RecruiterRow {
  id: string;
  user_id: string;
  display_name: string;
  stripe_account_id: string | null;
  created_at: Date;
}
export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  company_id: string | null;
}

export type CandidateWithSourcer = CandidateRow & { sourcer?: SourcerRow };
type SourcerJson = Omit<SourcerRow, 'claimed_at' | 'protection_ends_at'> & { claimed_at: string; protection_ends_at: string };

/** Listed candidates (not deleted by an ATS) with their sourcing claim as JSON, if any. */
const withSourcer = (trx: Executor) =>
  table(trx, 'candidates')
    .leftJoin('candidate_sourcers as cs', 'cs.candidate_id', 'candidates.id')
    .leftJoin('recruiters as sourcer', 'sourcer.id', 'cs.recruiter_id')
    .whereNull('candidates.deleted_at')
    .select(
      'candidates.*',
      trx.raw(
        "case when cs.candidate_id is null then null else to_jsonb(cs) || jsonb_build_object('recruiter_name', sourcer.display_name) end as sourcer",
      ),
    );

/** jsonb carries timestamps as strings; the sourcing rules compare Dates. */
const sourcerDates = ({ sourcer, ...c }: CandidateRow & { sourcer: SourcerJson | null }): CandidateWithSourcer => ({
  ...c,
  sourcer: sourcer
    ? { ...sourcer, claimed_at: new Date(sourcer.claimed_at), protection_ends_at: new Date(sourcer.protection_ends_at) }
    : undefined,
});

export const directoryDal = (db: Db) => ({
  job: (id: string, trx: Executor = db) => table(trx, 'jobs').where({ id }).first(),
  candidate: (id: string, trx: Executor = db) => table(trx, 'candidates').where({ id }).first(),
  recruiter: (id: string, trx: Executor = db) => table(trx, 'recruiters').where({ id }).first(),
  recruiters: (ids: string[], trx: Executor = db) => table(trx, 'recruiters').whereIn('id', ids),
  user: (id: string, trx: Executor = db) => table(trx, 'users').where({ id }).first(),
  company: (id: string, trx: Executor = db) => table(trx, 'companies').where({ id }).first(),
  placement: (id: string, trx: Executor = db) => table(trx, 'placements').where({ id }).first(),

  /** The e-mail addresses of a company's users of `role` (platform admins: all of them), alphabetically. */
  usersWithRole: (role: Role, companyId: string | null, trx: Executor = db): Promise<{ email: string }[]> =>
    table(trx, 'users')
      .where({ role })
      .modify((q) => {
        if (role !== 'platform_admin') q.where({ company_id: companyId });
      })
      .orderBy('email')
      .select('email'),

  /** Candidates with their sourcing claim (if any); `sourcedBy` keeps only that recruiter's. */
  async listCandidates(filter: Keyset & { sourcedBy?: string }, trx: Executor = db): Promise<CandidateWithSourcer[]> {
    const q = withSourcer(trx);
    if (filter.sourcedBy) q.where('cs.recruiter_id', filter.sourcedBy);
    return (await newestFirst(q, filter, 'candidates')).map(sourcerDates);
  },

  async candidateWithSourcer(id: string, trx: Executor = db): Promise<CandidateWithSourcer | undefined> {
    const row = await withSourcer(trx).where('candidates.id', id).first();
    return row && sourcerDates(row);
  },

  /** Recruiters who can still be chosen (collaborators, holders, partners): deactivated people are left out (product §3.10). */
  listRecruiters(filter: Keyset, trx: Executor = db): Promise<RecruiterRow[]> {
    const q = table(trx, 'recruiters')
      .join('users', 'users.id', 'recruiters.user_id')
      .whereNull('users.deactivated_at')
      .select('recruiters.*');
    return newestFirst(q, filter, 'recruiters');
  },

  recruiterUser: (recruiterId: string, trx: Executor = db) =>
    table(trx, 'users').join('recruiters', 'recruiters.user_id', 'users.id').where('recruiters.id', recruiterId).first('users.*'),

  /** A job's decision makers: the company's admins and the job's hiring manager. */
  async jobDecisionMakers(jobId: string, trx: Executor = db): Promise<UserRow[]> {
    return table(trx, 'users')
      .join('jobs', 'jobs.company_id', 'users.company_id')
      .where('jobs.id', jobId)
      .andWhere((w) => w.where('users.role', 'company_admin').orWhereRaw('users.id = jobs.hiring_manager_user_id'))
      .orderBy('users.email')
      .select('users.*');
  },
});
