import type { Db, Executor } from '../../lib/db.js';

export interface SourcerRow {
  candidate_id: string;
  recruiter_id: string;
  claimed_at: Date;
  window_days: number;
  protection_ends_at: Date;
  protection_state: 'protected' | 'released' | 'expired';
  workflow_id: string;
}

export const sourcingDal = (db: Db) => ({
  find: (candidateId: string, trx: Executor = db) => trx<SourcerRow>('candidate_sourcers').where({ candidate_id: candidateId }).first(),
});

/** Whether the sourcer's window blocks `recruiterId` at `at`. */
export const blocks = (row: SourcerRow | undefined, recruiterId: string | null | undefined, at: Date): row is SourcerRow =>
  !!row && row.protection_state === 'protected' && row.protection_ends_at > at && row.recruiter_id !== recruiterId;
