import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OwnershipActivities } from '../activities/index.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/actors.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { EXTENSION_DAYS } from '../domain/limits.js';
import {
  type ProtectionView,
  claimCandidateUpdate,
  extendProtectionUpdate,
  overrideAttributionUpdate,
  protectionQuery,
  releaseProtectionUpdate,
  submissionBlockedSignal,
} from '../domain/protection.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, DAY_MS, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { asRefusal, commandWriter } from './failures.js';
import { raiseDomainEvent } from './domain-events.js';

// The messages live in domain/ (the API sends them without loading workflow code); re-exported beside the workflow.
export {
  type ClaimCommand,
  type ProtectionState,
  type ProtectionView,
  claimCandidateUpdate,
  extendProtectionUpdate,
  overrideAttributionUpdate,
  protectionQuery,
  releaseProtectionUpdate,
  submissionBlockedSignal,
} from '../domain/protection.js';

const db = proxyActivities<OwnershipActivities>(DATABASE_ACTIVITY);
const email = proxyActivities<OwnershipActivities>(NOTIFICATION_ACTIVITY);

/** Release, override and extend change the view only once their projection write succeeded (before: at once, then written). */
const STATE_AFTER_WRITE = 'protection-state-after-write';


/**
 * A candidate's ownership (product §3.4): the first sourcing claim wins and starts a
 * protection window (default 30 days) that ends by its own timer, with a notice to the
 * sourcer 3 days before. The sourcer may release it early; a platform admin may override
 * the attribution or extend the window (reasons in decision_audit_log).
 */
export async function protectionWorkflow(input: { candidateId: string }): Promise<ProtectionView> {
  const view: ProtectionView = { candidateId: input.candidateId, state: 'unclaimed', recruiterId: null, protectionEndsAt: null };
  let noticeDaysBefore = 3;
  let claiming = false;
  let firstClaimRefused = false;
  const commands = commandWriter(STATE_AFTER_WRITE);
  let step = 0;
  const now = () => new Date().toISOString();
  const key = (name: string) => `${workflowInfo().workflowId}:${++step}:${name}`;
  const refuse = (type: string, message: string): never => { throw ApplicationFailure.create({ type, message }); };
  const show = () =>
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.ProtectionState, value: view.state },
      ...(view.protectionEndsAt ? [{ key: SEARCH_ATTRIBUTES.ProtectionEndsAt, value: new Date(view.protectionEndsAt) }] : []),
    ]);
  const requireAdmin = (actor: Actor, reason: string | undefined) => {
    if (actor.role !== 'platform_admin') refuse(FAILURE_TYPES.Forbidden, 'only a platform admin can do this');
    if (!reason?.trim()) refuse(FAILURE_TYPES.InvalidState, 'a reason is required');
    if (view.state !== 'protected') refuse(FAILURE_TYPES.InvalidState, `the candidate is ${view.state}, not protected`);
    refuseWhileWriting();
  };
  const refuseWhileWriting = () => {
    if (commands.writing) refuse(FAILURE_TYPES.InvalidState, 'another change of this protection is being recorded');
  };

  setHandler(protectionQuery, () => view);

  setHandler(claimCandidateUpdate, async ({ recruiterId, actor, jobId }) => {
    if (view.state !== 'unclaimed' || claiming) {
      // A lost race or a late claim: the conflict is evidence, then the refusal.
      const conflictKey = key('claim-conflict');
      await db.recordMarketplaceEvent({ key: conflictKey, type: 'sourcing_conflict', candidateId: input.candidateId, recruiterId, actor, details: { owner: view.recruiterId, jobId: jobId ?? null }, at: now() });
      await raiseDomainEvent(db.publishDomainEvent, {
        type: 'sourcing.conflict', occasion: `claim-conflict:${step}`, companyId: null, entityType: 'candidate', entityId: input.candidateId,
        data: { candidateId: input.candidateId, recruiterId, ownerRecruiterId: view.recruiterId, jobId: jobId ?? null },
      });
      return refuse(FAILURE_TYPES.AlreadySourced, 'this candidate has already been sourced by another recruiter');
    }
    claiming = true;
    try {
      const claimed = await db.claimCandidate({ candidateId: input.candidateId, recruiterId, actor, jobId, workflowId: workflowInfo().workflowId, at: now() });
      Object.assign(view, { state: 'protected', recruiterId: claimed.recruiterId, protectionEndsAt: claimed.protectionEndsAt });
      noticeDaysBefore = claimed.noticeDaysBefore;
      show();
      return view;
    } catch (err) {
      firstClaimRefused = true;
      throw asRefusal(err);
    } finally {
      claiming = false;
    }
  });

  setHandler(submissionBlockedSignal, async (blocked) => {
    // The same activity either way (histories from before outreach was covered replay unchanged).
    const outreach = blocked.via === 'outreach';
    await db.recordMarketplaceEvent({
      key: key('submission-blocked'), type: outreach ? 'protected_outreach_blocked' : 'protected_submission_blocked',
      candidateId: input.candidateId, recruiterId: blocked.recruiterId, actor: blocked.actor,
      details: { ...(outreach ? { via: 'outreach' } : { jobId: blocked.jobId }), protectionEndsAt: view.protectionEndsAt, owner: view.recruiterId }, at: blocked.at,
    });
  });

  setHandler(releaseProtectionUpdate, async ({ actor, reason }) => {
    await commands.run(
      'protection release',
      () => db.changeProtection({ candidateId: input.candidateId, key: key('released'), actor, at: now(), reason: reason ?? null, state: 'released', decision: 'release' }),
      () => {
        view.state = 'released';
        show();
      },
    );
    return view;
  }, {
    validator: ({ actor }) => {
      if (actor.role !== 'recruiter' || actor.recruiterId !== view.recruiterId) refuse(FAILURE_TYPES.Forbidden, 'only the sourcer can release the protection');
      if (view.state !== 'protected') refuse(FAILURE_TYPES.InvalidState, `the candidate is ${view.state}, not protected`);
      refuseWhileWriting();
    },
  });

  setHandler(overrideAttributionUpdate, async ({ actor, recruiterId, reason }) => {
    const loser = view.recruiterId!;
    await commands.run(
      'protection override',
      () => db.changeProtection({ candidateId: input.candidateId, key: key('override'), actor, at: now(), reason, recruiterId, decision: 'override_attribution' }),
      () => { view.recruiterId = recruiterId; },
    );
    await notify(loser, 'overridden', reason);
    return view;
  }, {
    validator: ({ actor, recruiterId, reason }) => {
      requireAdmin(actor, reason);
      if (recruiterId === view.recruiterId) refuse(FAILURE_TYPES.InvalidState, 'this recruiter already owns the candidate');
    },
  });

  setHandler(extendProtectionUpdate, async ({ actor, days, reason }) => {
    const protectionEndsAt = new Date(new Date(view.protectionEndsAt!).getTime() + days * DAY_MS).toISOString();
    await commands.run(
      'protection extension',
      () => db.changeProtection({ candidateId: input.candidateId, key: key('extend'), actor, at: now(), reason, protectionEndsAt, decision: 'extend_protection' }),
      () => {
        view.protectionEndsAt = protectionEndsAt;
        show();
      },
    );
    return view;
  }, {
    validator: ({ actor, days, reason }) => {
      requireAdmin(actor, reason);
      if (!Number.isInteger(days) || days < EXTENSION_DAYS.min || days > EXTENSION_DAYS.max) refuse(FAILURE_TYPES.InvalidState, `extend by ${EXTENSION_DAYS.min} to ${EXTENSION_DAYS.max} days`);
    },
  });

  show();
  await condition(() => view.state !== 'unclaimed' || firstClaimRefused);
  if (view.state === 'unclaimed') {
    await condition(allHandlersFinished);
    return view;
  }

  // The window: a notice before its end, then it lapses by itself (unless released first).
  let noticeFor: string | null = null;
  while (view.state === 'protected') {
    const ends = view.protectionEndsAt!;
    const changed = () => view.state !== 'protected' || view.protectionEndsAt !== ends;
    const noticeAt = new Date(ends).getTime() - noticeDaysBefore * DAY_MS;
    if (noticeFor !== ends && noticeAt > Date.now() && !(await condition(changed, noticeAt - Date.now()))) {
      noticeFor = ends;
      await notify(view.recruiterId!, 'ending');
      continue;
    }
    if (!(await condition(changed, Math.max(1, new Date(ends).getTime() - Date.now())))) {
      // A command being written at the end decides first (a release or extension wins; a refused one does not).
      if (commands.writing) {
        await commands.settled();
        continue;
      }
      view.state = 'expired';
      show();
      await db.changeProtection({ candidateId: input.candidateId, key: key('expired'), actor: SYSTEM_ACTOR, at: now(), state: 'expired', reason: 'protection window ended' });
      await raiseDomainEvent(db.publishDomainEvent, {
        type: 'protection.expired', occasion: 'expired', companyId: null, entityType: 'candidate', entityId: input.candidateId,
        data: { candidateId: input.candidateId, recruiterId: view.recruiterId },
      });
    }
  }
  await condition(allHandlersFinished);
  return view;

  async function notify(recruiterId: string, event: 'ending' | 'overridden', reason?: string) {
    try {
      await email.sendProtectionEmail({ candidateId: input.candidateId, recruiterId, event, protectionEndsAt: view.protectionEndsAt!, reason, key: key(`email-${event}`) });
    } catch {
      // A notice that keeps failing must not hold the window.
    }
  }
}
