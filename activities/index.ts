import type { Resend } from 'resend';
import type { Db } from '../lib/db.js';
import { createProposalDbActivities } from './db/proposals.js';
import { createEmailActivities } from './email.js';

export interface ActivityDeps {
  db: Db;
  resend: Resend;
  emailFrom: string;
  appUrl: string;
}

/** Activities of the `proposals` task queue. */
export function createProposalActivities(deps: ActivityDeps) {
  return {
    ...createProposalDbActivities({ db: deps.db }),
    ...createEmailActivities({ resend: deps.resend, db: deps.db, from: deps.emailFrom, appUrl: deps.appUrl }),
  };
}

export type ProposalActivities = ReturnType<typeof createProposalActivities>;
