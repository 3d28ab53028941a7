import type { Db, Executor } from '../../lib/db.js';
import type { PlacementState } from '../../domain/placement.js';
import { insertOnce } from './once.js';
import { type AllTables, table } from './tables.js';

/** A placement's state-history row, as an activity step writes it. */
export interface PlacementStateEntry {
  placementId: string;
  oldState: PlacementState | null;
  newState: PlacementState;
  actor: { userId: string | null; role: string };
  reason: string | null;
  details?: unknown;
  at: Date;
  key: string;
}

/** The placement workflow's writes: the record, its collaborators, escrow and state history. */
export const placementRecordsDal = (db: Db) => ({
  find: (id: string, trx: Executor = db) => table(trx, 'placements').where({ id }).first(),

  /** The placement under a row lock, so its steps run one at a time. */
  lock: (id: string, trx: Executor) => table(trx, 'placements').where({ id }).forUpdate().first(),

  /** Whether the step keyed `key` already wrote its history row. */
  async stepRecorded(key: string, trx: Executor = db): Promise<boolean> {
    return !!(await table(trx, 'placement_states').where({ transition_key: key }).first('id'));
  },

  /** The history row of a step, once by its key; returns whether this call wrote it. */
  async recordState(e: PlacementStateEntry, trx: Executor = db): Promise<boolean> {
    const { inserted } = await insertOnce(
      trx,
      'placement_states',
      {
        placement_id: e.placementId,
        old_state: e.oldState,
        new_state: e.newState,
        actor_user_id: e.actor.userId,
        actor_role: e.actor.role,
        reason: e.reason,
        details: e.details === undefined ? null : JSON.stringify(e.details),
        occurred_at: e.at,
        transition_key: e.key,
      },
      { key: ['transition_key'] },
    );
    return inserted;
  },

  async insert(row: Partial<AllTables['placements']>, trx: Executor = db) {
    await table(trx, 'placements').insert(row);
  },

  async update(id: string, patch: Partial<AllTables['placements']>, trx: Executor = db) {
    await table(trx, 'placements').where({ id }).update(patch);
  },

  /** The placement's job and company (for its application). */
  jobOf: (id: string, trx: Executor = db) => table(trx, 'placements').where({ id }).first('job_id', 'company_id'),

  collaborators: (placementId: string, trx: Executor = db) =>
    table(trx, 'placement_collaborators').where({ placement_id: placementId }).select('recruiter_id', 'role', 'split_bps'),

  /** The collaborator an application made for the hire is credited to: the submitter, else the first added. */
  leadRecruiter: (placementId: string, trx: Executor = db) =>
    table(trx, 'placement_collaborators')
      .where({ placement_id: placementId })
      .orderByRaw("role = 'submitter' desc, created_at")
      .first('recruiter_id'),

  async insertCollaborators(rows: Partial<AllTables['placement_collaborators']>[], trx: Executor = db) {
    await table(trx, 'placement_collaborators').insert(rows);
  },

  async removeCollaborators(placementId: string, trx: Executor = db) {
    await table(trx, 'placement_collaborators').where({ placement_id: placementId }).delete();
  },

  async holdEscrow(row: Partial<AllTables['escrow_holds']>, trx: Executor = db) {
    await table(trx, 'escrow_holds').insert(row);
  },

  /** Settles a held escrow; false when it was not held. */
  async settleEscrow(
    placementId: string,
    to: { status: 'released' | 'refunded'; reason: string | null; at: Date },
    trx: Executor = db,
  ): Promise<boolean> {
    const updated = await table(trx, 'escrow_holds')
      .where({ placement_id: placementId, status: 'held' })
      .update({ status: to.status, reason: to.reason, settled_at: to.at });
    return updated > 0;
  },

  candidateExists: async (id: string, trx: Executor = db) => !!(await table(trx, 'candidates').where({ id }).first('id')),
  job: (id: string, trx: Executor = db) => table(trx, 'jobs').where({ id }).first(),

  /** The candidate's application for the job, locked for a stage move. */
  applicationFor: (candidateId: string, jobId: string, trx: Executor) =>
    table(trx, 'applications').where({ candidate_id: candidateId, job_id: jobId }).forUpdate().first(),

  /** An application for a hire who had none, once per candidate and job. */
  async openApplication(row: Partial<AllTables['applications']> & { candidate_id: string; job_id: string }, trx: Executor = db) {
    await insertOnce(trx, 'applications', row, { key: ['candidate_id', 'job_id'] });
  },

  /** Whether the stage move keyed `key` was already recorded (a retry). */
  stageMoveRecorded: async (key: string, trx: Executor = db) =>
    !!(await table(trx, 'application_stage_history').where({ change_key: key }).first('id')),
});
