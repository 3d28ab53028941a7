import type { Db, Executor } from '../../lib/db.js';
import { table } from './tables.js';

export interface PipelineApplication {
  id: string;
  candidate_id: string;
  full_name: string;
  stage: string;
  stage_label: string | null;
  status: string;
  stage_changed_at: Date | null;
  created_at: Date;
}

/** Reads behind a job's pipeline view. */
export const pipelineDal = (db: Db) => ({
  /** The job unless an ATS deleted it. */
  listedJob: (id: string, trx: Executor = db) => table(trx, 'jobs').where({ id }).whereNull('deleted_at').first(),

  /** The job's live applications with their candidates' names, oldest first. */
  applications: (jobId: string, trx: Executor = db): Promise<PipelineApplication[]> =>
    table(trx, 'applications')
      .join('candidates', 'candidates.id', 'applications.candidate_id')
      .where('applications.job_id', jobId)
      .whereNull('applications.deleted_at')
      .orderBy('applications.created_at')
      .select(
        'applications.id',
        'applications.candidate_id',
        'candidates.full_name',
        'applications.stage',
        'applications.stage_label',
        'applications.status',
        'applications.stage_changed_at',
        'applications.created_at',
      ) as never,

  /**
   * The average time (ms) the job's applications spent in each stage: from entering it to
   * leaving it (the next move, or now), over every move in the stage history.
   */
  async averageMsInStage(jobId: string, trx: Executor = db): Promise<Map<string, number>> {
    const durations = await trx.raw(
      `
      select to_stage as stage, avg(extract(epoch from (coalesce(next_at, now()) - occurred_at)) * 1000) as avg_ms
      from (select h.to_stage, h.occurred_at, lead(h.occurred_at) over (partition by h.application_id order by h.occurred_at, h.id) as next_at
            from application_stage_history h join applications a on a.id = h.application_id
            where a.job_id = ? and a.deleted_at is null) moves
      group by to_stage`,
      [jobId],
    );
    return new Map<string, number>(durations.rows.map((r: { stage: string; avg_ms: string }) => [r.stage, Number(r.avg_ms)]));
  },
});
