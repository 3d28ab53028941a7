import type { Request } from 'express';
import type { Client } from '@temporalio/client';
import { blocks, sourcingDal } from '../db/dal/sourcing.js';
import type { Db } from '../lib/db.js';
import { submissionBlockedSignal } from '../domain/protection.js';
import type { AuthedActor } from './auth.js';
import { protectedCandidate } from './errors.js';

type Attempt = { jobId: string } | { via: 'outreach' };

/**
 * Protection at sourcing, proposal and outreach time (product §3.4): when another recruiter's
 * window covers the candidate, the protection workflow records the attempt as a marketplace
 * event (evidence for disputes) and the caller gets 409 with the window's end, no owner named.
 */
export function protectionGuard({ temporal, db }: { temporal: Client; db: Db }) {
  const sourcing = sourcingDal(db);
  return async function refuseIfProtected(req: Request, actor: AuthedActor, candidateId: string, attempt: Attempt): Promise<void> {
    const sourcer = await sourcing.find(candidateId);
    const at = new Date();
    if (!blocks(sourcer, actor.recruiterId, at)) return;
    await temporal.workflow
      .getHandle(sourcer.workflow_id)
      .signal(submissionBlockedSignal, { recruiterId: actor.recruiterId!, actor, at: at.toISOString(), ...attempt })
      .catch((err: unknown) => req.log.warn({ err }, 'blocked attempt not recorded'));
    throw protectedCandidate(sourcer.protection_ends_at);
  };
}
