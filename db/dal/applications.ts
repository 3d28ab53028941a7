import type { Db, Executor } from '../../lib/db.js';

export interface ApplicationRow {
  id: string;
  candidate_id: string;
  job_id: string;
  recruiter_id: string | null;
  stage: string;
  source_proposal_id: string | null;
  created_at: Date;
}

export const applicationsDal = (db: Db) => ({
  /**
   * Creates the application of an accepted proposal once: a retry, or an application
   * the candidate already has for the job, leaves the existing row in place.
   */
  async createFromProposal(
    input: { candidateId: string; jobId: string; recruiterId: string; proposalId: string; at: Date },
    trx: Executor = db,
  ): Promise<ApplicationRow> {
    await trx('applications')
      .insert({
        candidate_id: input.candidateId,
        job_id: input.jobId,
        recruiter_id: input.recruiterId,
        stage: 'submitted',
        source_proposal_id: input.proposalId,
        created_at: input.at,
      })
      .onConflict(['candidate_id', 'job_id'])
      .ignore();
    const row = await trx<ApplicationRow>('applications')
      .where({ candidate_id: input.candidateId, job_id: input.jobId })
      .first();
    if (!row) throw new Error('application missing after insert');
    return row;
  },

  async findByProposal(proposalId: string, trx: Executor = db): Promise<ApplicationRow | undefined> {
    return trx<ApplicationRow>('applications').where({ source_proposal_id: proposalId }).first();
  },
});
