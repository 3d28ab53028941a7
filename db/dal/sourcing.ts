import type { Db, Executor } from '../../lib/db.js';
import { insertOnce } from './once.js';
import { type AllTables, table } from './tables.js';

export interface SourcerRow {
  candidate_id: string;
  recruiter_id: string;
  claimed_at: Date;
  window_days: number;
  protection_ends_at: Date;
  protection_state: 'protected' | 'released' | 'expired';
  workflow_id: string;
  /** The sourcer's display name, where the read joined it (for people, not ids). */
  recruiter_name?: string;
}

export const sourcingDal = (db: Db) => ({
  find: (candidateId: string, trx: Executor = db) => table(trx, 'candidate_sourcers').where({ candidate_id: candidateId }).first(),

  /** The candidate's sourcer with their display name, for showing. */
  findNamed: (candidateId: string, trx: Executor = db): Promise<SourcerRow | undefined> =>
    table(trx, 'candidate_sourcers')
      .join('recruiters', 'recruiters.id', 'candidate_sourcers.recruiter_id')
      .where('candidate_sourcers.candidate_id', candidateId)
      .first('candidate_sourcers.*', 'recruiters.display_name as recruiter_name'),

  /** The candidate's sourcer under a row lock, for a protection change. */
  lock: (candidateId: string, trx: Executor) => table(trx, 'candidate_sourcers').where({ candidate_id: candidateId }).forUpdate().first(),

  candidateExists: async (candidateId: string, trx: Executor = db) =>
    !!(await table(trx, 'candidates').where({ id: candidateId }).first('id')),

  /** The first sourcing claim: a plain insert, so a concurrent claim loses on the unique candidate (a retry, then refused). */
  async claimSourcing(row: Omit<SourcerRow, 'protection_state'> & { updated_at: Date }, trx: Executor = db) {
    await table(trx, 'candidate_sourcers').insert({ ...row, protection_state: 'protected' });
  },

  async changeProtection(candidateId: string, patch: Partial<AllTables['candidate_sourcers']>, trx: Executor = db) {
    await table(trx, 'candidate_sourcers').where({ candidate_id: candidateId }).update(patch);
  },

  /** Whether the marketplace event keyed `key` is recorded (a change already applied). */
  eventRecorded: async (key: string, trx: Executor = db) =>
    !!(await table(trx, 'marketplace_events').where({ event_key: key }).first('id')),

  /** A marketplace event, once by its key. */
  async recordEvent(row: Partial<AllTables['marketplace_events']> & { event_key: string }, trx: Executor = db) {
    await insertOnce(trx, 'marketplace_events', row, { key: ['event_key'] });
  },

  /** An admin's decision on the protection, once by its key. */
  async recordDecision(row: Partial<AllTables['decision_audit_log']> & { decision_key: string }, trx: Executor = db) {
    await insertOnce(trx, 'decision_audit_log', row, { key: ['decision_key'] });
  },
});

/** Whether the sourcer's window blocks `recruiterId` at `at`. */
export const blocks = (row: SourcerRow | undefined, recruiterId: string | null | undefined, at: Date): row is SourcerRow =>
  !!row && row.protection_state === 'protected' && row.protection_ends_at > at && row.recruiter_id !== recruiterId;
