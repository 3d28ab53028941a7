import type { Db, Executor } from '../../lib/db.js';
import { table } from './tables.js';
import { insertOnce } from './once.js';

export interface ApplicationRow {
  id: string;
  candidate_id: string;
  job_id: string;
  recruiter_id: string | null;
  stage: string;
  /** The ATS's own name of the stage, shown beside the canonical `stage` (null for our own moves). */
  stage_label: string | null;
  status: string;
  source_proposal_id: string | null;
  created_at: Date;
}

/** Who moved an application and why: one history row per `key`. */
export interface StageMoveInput {
  applicationId: string;
  to: string;
  /** The ATS's stage name when the ATS moved it; our own moves clear it. */
  label?: string | null;
  actor: { userId: string | null; role: string };
  source: 'ats' | 'automation' | 'placement';
  reason: string;
  at: Date;
  key: string;
}

/** The application status that goes with a canonical stage. */
const statusOf = (stage: string) => ({ hired: 'hired', rejected: 'rejected', left: 'closed' })[stage] ?? 'active';

export const applicationsDal = (db: Db) => ({
  /**
   * Creates the application of an accepted proposal once: a retry, or an application
   * the candidate already has for the job, leaves the existing row in place.
   */
  async createFromProposal(
    input: { candidateId: string; jobId: string; recruiterId: string; proposalId: string; at: Date },
    trx: Executor = db,
  ): Promise<ApplicationRow> {
    const { row } = await insertOnce(
      trx,
      'applications',
      {
        candidate_id: input.candidateId,
        job_id: input.jobId,
        recruiter_id: input.recruiterId,
        stage: 'submitted',
        source_proposal_id: input.proposalId,
        created_at: input.at,
      },
      { key: ['candidate_id', 'job_id'] },
    );
    return row;
  },

  /**
   * The one way an application changes stage (automation, placements): the row, and its
   * history row keyed by `key`, so a retried move writes nothing twice. Returns the move
   * as recorded, a retry included; the caller raises `application.stage_changed` for it.
   */
  async moveStage(input: StageMoveInput, trx: Executor): Promise<{ from: string | null; to: string }> {
    const done = await table(trx, 'application_stage_history').where({ change_key: input.key }).first('from_stage', 'to_stage');
    if (done) return { from: done.from_stage, to: done.to_stage };
    const app = await table(trx, 'applications').where({ id: input.applicationId }).forUpdate().first();
    if (!app) throw new Error(`application ${input.applicationId} not found`);
    await table(trx, 'applications')
      .where({ id: input.applicationId })
      .update({
        stage: input.to,
        stage_label: input.label ?? null,
        status: statusOf(input.to),
        stage_changed_at: input.at,
        stage_label_changed_at: input.at,
      });
    await table(trx, 'application_stage_history').insert({
      application_id: input.applicationId,
      from_stage: app.stage,
      to_stage: input.to,
      actor_user_id: input.actor.userId,
      actor_role: input.actor.role,
      source: input.source,
      reason: input.reason,
      occurred_at: input.at,
      change_key: input.key,
    });
    return { from: app.stage, to: input.to };
  },

  async findByProposal(proposalId: string, trx: Executor = db): Promise<ApplicationRow | undefined> {
    return table(trx, 'applications').where({ source_proposal_id: proposalId }).first();
  },
});
