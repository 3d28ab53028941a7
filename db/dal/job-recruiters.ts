import type { Db, Executor } from '../../lib/db.js';
import type { JobRecruiterRelation } from '../../domain/jobs.js';
import { table } from './tables.js';

/** A job's holder or partner, with the name people know them by. */
export interface JobRecruiterRow {
  job_id: string;
  recruiter_id: string;
  relation: JobRecruiterRelation;
  display_name: string;
  created_at: Date;
}

/** A recruiter who may be made a job's holder or partner: their name, and whether their user is deactivated. */
export interface RecruiterStatus {
  id: string;
  display_name: string;
  deactivated: boolean;
}

/** Holders and partners of jobs (product §3.8, migration 015). */
export const jobRecruitersDal = (db: Db) => ({
  /** A job's holder and partners, holder first, then partners in the order they were added. */
  of(jobId: string, trx: Executor = db): Promise<JobRecruiterRow[]> {
    return table(trx, 'job_recruiters')
      .join('recruiters', 'recruiters.id', 'job_recruiters.recruiter_id')
      .where('job_recruiters.job_id', jobId)
      .orderByRaw(`job_recruiters.relation = 'holder' desc, job_recruiters.created_at, job_recruiters.recruiter_id`)
      .select(
        'job_recruiters.job_id',
        'job_recruiters.recruiter_id',
        'job_recruiters.relation',
        'recruiters.display_name',
        'job_recruiters.created_at',
      ) as unknown as Promise<JobRecruiterRow[]>;
  },

  /** The holders of these jobs, by job id. */
  async holders(jobIds: string[], trx: Executor = db): Promise<Map<string, { recruiterId: string; displayName: string }>> {
    if (jobIds.length === 0) return new Map();
    const rows: { job_id: string; recruiter_id: string; display_name: string }[] = await table(trx, 'job_recruiters')
      .join('recruiters', 'recruiters.id', 'job_recruiters.recruiter_id')
      .whereIn('job_recruiters.job_id', jobIds)
      .where('job_recruiters.relation', 'holder')
      .select('job_recruiters.job_id', 'job_recruiters.recruiter_id', 'recruiters.display_name');
    return new Map(rows.map((r) => [r.job_id, { recruiterId: r.recruiter_id, displayName: r.display_name }]));
  },

  /** One recruiter's relation to each of these jobs they hold or partner, by job id. */
  async relationsOf(recruiterId: string, jobIds: string[], trx: Executor = db): Promise<Map<string, JobRecruiterRelation>> {
    if (jobIds.length === 0) return new Map();
    const rows = await table(trx, 'job_recruiters')
      .where('recruiter_id', recruiterId)
      .whereIn('job_id', jobIds)
      .select('job_id', 'relation');
    return new Map(rows.map((r) => [r.job_id, r.relation]));
  },

  /**
   * Whether a recruiter may see a job and propose for it (product §3.8): it is shared with the
   * marketplace, or they hold it or its holder shared it with them.
   */
  async recruiterSees(
    job: { id: string; shared_with_marketplace: boolean },
    recruiterId: string | null,
    trx: Executor = db,
  ): Promise<boolean> {
    if (job.shared_with_marketplace) return true;
    if (!recruiterId) return false;
    return !!(await table(trx, 'job_recruiters').where({ job_id: job.id, recruiter_id: recruiterId }).first('relation'));
  },

  /** A recruiter by id with their user's state; undefined when there is no such recruiter. */
  recruiter(id: string, trx: Executor = db): Promise<RecruiterStatus | undefined> {
    return table(trx, 'recruiters')
      .join('users', 'users.id', 'recruiters.user_id')
      .where('recruiters.id', id)
      .first('recruiters.id', 'recruiters.display_name', trx.raw('users.deactivated_at is not null as deactivated')) as unknown as Promise<
      RecruiterStatus | undefined
    >;
  },

  add(
    row: { job_id: string; recruiter_id: string; relation: JobRecruiterRelation; added_by_user_id: string | null },
    trx: Executor = db,
  ): Promise<unknown> {
    return table(trx, 'job_recruiters').insert(row);
  },

  /** Removes one recruiter's relation to the job. */
  remove(jobId: string, recruiterId: string, trx: Executor = db): Promise<number> {
    return table(trx, 'job_recruiters').where({ job_id: jobId, recruiter_id: recruiterId }).delete();
  },

  /** Removes the job's holder and every partner (a holder's sharing ends with their holding). */
  removeAll(jobId: string, trx: Executor = db): Promise<number> {
    return table(trx, 'job_recruiters').where({ job_id: jobId }).delete();
  },
});
