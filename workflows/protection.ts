import type { SignalDefinition } from '@temporalio/common';
import { allHandlersFinished, condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OwnershipActivities } from '../activities/index.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/actors.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import {
  type ClaimCommand,
  type ProtectionView,
  claimCandidateUpdate,
  extendProtectionUpdate,
  overrideAttributionUpdate,
  protectionQuery,
  releaseProtectionUpdate,
  submissionBlockedSignal,
} from '../domain/protection.js';
import { type ProtectionCommandCall, checkProtectionCommand } from '../domain/protection-rules.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, DAY_MS, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { refuse, refuseIf } from './commands.js';
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

const db =
  proxyActivities<Pick<OwnershipActivities, 'claimCandidate' | 'changeProtection' | 'recordMarketplaceEvent' | 'publishDomainEvent'>>(
    DATABASE_ACTIVITY,
  );
const email = proxyActivities<Pick<OwnershipActivities, 'sendProtectionEmail'>>(NOTIFICATION_ACTIVITY);

/** Release, override and extend change the view only once their projection write succeeded (before: at once, then written). */
const STATE_AFTER_WRITE = 'protection-state-after-write';

/**
 * A candidate's ownership (product §3.4): the first sourcing claim wins and starts a
 * protection window (default 30 days) that ends by its own timer, with a notice to the
 * sourcer 3 days before. The sourcer may release it early; a platform admin may override
 * the attribution or extend the window (reasons in decision_audit_log).
 */
export async function protectionWorkflow(input: { candidateId: string }): Promise<ProtectionView> {
  const protection = new Protection(input.candidateId);
  protection.acceptCommands();

  if (await protection.claimed()) await protection.runWindow();

  await condition(allHandlersFinished);
  return protection.view;
}

/** What the `submissionBlocked` signal carries. */
type BlockedSubmission = typeof submissionBlockedSignal extends SignalDefinition<[infer Blocked]> ? Blocked : never;

/** One candidate's protection, its commands (update handlers) and the steps of its window. */
class Protection {
  readonly view: ProtectionView;
  private noticeDaysBefore = 3;
  private claiming = false;
  private firstClaimRefused = false;
  private readonly commands = commandWriter(STATE_AFTER_WRITE);
  private step = 0;

  constructor(private readonly candidateId: string) {
    this.view = { candidateId, state: 'unclaimed', recruiterId: null, protectionEndsAt: null };
  }

  // ── Commands ────────────────────────────────────────────────────────────────────────

  acceptCommands() {
    setHandler(protectionQuery, () => this.view);
    setHandler(claimCandidateUpdate, (claim) => this.claim(claim));
    setHandler(submissionBlockedSignal, (blocked) => this.recordBlockedSubmission(blocked));
    setHandler(releaseProtectionUpdate, (cmd) => this.release(cmd), {
      validator: ({ actor }) => this.check({ command: 'release', actor }),
    });
    setHandler(overrideAttributionUpdate, (cmd) => this.overrideAttribution(cmd), {
      validator: ({ actor, recruiterId, reason }) => this.check({ command: 'override', actor, recruiterId, reason }),
    });
    setHandler(extendProtectionUpdate, (cmd) => this.extend(cmd), {
      validator: ({ actor, days, reason }) => this.check({ command: 'extend', actor, days, reason }),
    });
  }

  private check(call: ProtectionCommandCall) {
    const { state, recruiterId } = this.view;
    refuseIf(checkProtectionCommand(call, { state, recruiterId, changing: this.commands.writing }));
  }

  /** The first claim wins; a lost race or a late claim is recorded as a conflict (evidence), then refused. */
  private async claim({ recruiterId, actor, jobId }: ClaimCommand): Promise<ProtectionView> {
    if (this.view.state !== 'unclaimed' || this.claiming) {
      await this.recordConflict(recruiterId, actor, jobId);
      return refuse(FAILURE_TYPES.AlreadySourced, 'this candidate has already been sourced by another recruiter');
    }
    this.claiming = true;
    try {
      const claimed = await db.claimCandidate({
        candidateId: this.candidateId,
        recruiterId,
        actor,
        jobId,
        workflowId: workflowInfo().workflowId,
        at: this.now(),
      });
      Object.assign(this.view, { state: 'protected', recruiterId: claimed.recruiterId, protectionEndsAt: claimed.protectionEndsAt });
      this.noticeDaysBefore = claimed.noticeDaysBefore;
      this.show();
      return this.view;
    } catch (err) {
      this.firstClaimRefused = true;
      throw asRefusal(err);
    } finally {
      this.claiming = false;
    }
  }

  private async recordConflict(recruiterId: string, actor: Actor, jobId: string | undefined) {
    const { candidateId, view } = this;
    await db.recordMarketplaceEvent({
      key: this.key('claim-conflict'),
      type: 'sourcing_conflict',
      candidateId,
      recruiterId,
      actor,
      details: { owner: view.recruiterId, jobId: jobId ?? null },
      at: this.now(),
    });
    await raiseDomainEvent(db.publishDomainEvent, {
      type: 'sourcing.conflict',
      occasion: `claim-conflict:${this.step}`,
      companyId: null,
      entityType: 'candidate',
      entityId: candidateId,
      data: { candidateId, recruiterId, ownerRecruiterId: view.recruiterId, jobId: jobId ?? null },
    });
  }

  private async recordBlockedSubmission(blocked: BlockedSubmission) {
    // The same activity either way (histories from before outreach was covered replay unchanged).
    const outreach = blocked.via === 'outreach';
    await db.recordMarketplaceEvent({
      key: this.key('submission-blocked'),
      type: outreach ? 'protected_outreach_blocked' : 'protected_submission_blocked',
      candidateId: this.candidateId,
      recruiterId: blocked.recruiterId,
      actor: blocked.actor,
      details: {
        ...(outreach ? { via: 'outreach' } : { jobId: blocked.jobId }),
        protectionEndsAt: this.view.protectionEndsAt,
        owner: this.view.recruiterId,
      },
      at: blocked.at,
    });
  }

  private async release({ actor, reason }: { actor: Actor; reason?: string }) {
    await this.commands.run(
      'protection release',
      () =>
        db.changeProtection({
          candidateId: this.candidateId,
          key: this.key('released'),
          actor,
          at: this.now(),
          reason: reason ?? null,
          state: 'released',
          decision: 'release',
        }),
      () => {
        this.view.state = 'released';
        this.show();
      },
    );
    return this.view;
  }

  private async overrideAttribution({ actor, recruiterId, reason }: { actor: Actor; recruiterId: string; reason: string }) {
    const loser = this.view.recruiterId!;
    await this.commands.run(
      'protection override',
      () =>
        db.changeProtection({
          candidateId: this.candidateId,
          key: this.key('override'),
          actor,
          at: this.now(),
          reason,
          recruiterId,
          decision: 'override_attribution',
        }),
      () => {
        this.view.recruiterId = recruiterId;
      },
    );
    await this.notify(loser, 'overridden', reason);
    return this.view;
  }

  private async extend({ actor, days, reason }: { actor: Actor; days: number; reason: string }) {
    const protectionEndsAt = new Date(new Date(this.view.protectionEndsAt!).getTime() + days * DAY_MS).toISOString();
    await this.commands.run(
      'protection extension',
      () =>
        db.changeProtection({
          candidateId: this.candidateId,
          key: this.key('extend'),
          actor,
          at: this.now(),
          reason,
          protectionEndsAt,
          decision: 'extend_protection',
        }),
      () => {
        this.view.protectionEndsAt = protectionEndsAt;
        this.show();
      },
    );
    return this.view;
  }

  // ── The process ─────────────────────────────────────────────────────────────────────

  /** Waits for the first claim: whether it was recorded (a refused first claim ends the run unclaimed). */
  async claimed(): Promise<boolean> {
    this.show();
    await condition(() => this.view.state !== 'unclaimed' || this.firstClaimRefused);
    return this.view.state !== 'unclaimed';
  }

  /** The window: a notice before its end, then it lapses by itself (unless released first). */
  async runWindow() {
    let noticeFor: string | null = null;
    while (this.view.state === 'protected') {
      const ends = this.view.protectionEndsAt!;
      const changed = () => this.view.state !== 'protected' || this.view.protectionEndsAt !== ends;
      const noticeAt = new Date(ends).getTime() - this.noticeDaysBefore * DAY_MS;
      if (noticeFor !== ends && noticeAt > Date.now() && !(await condition(changed, noticeAt - Date.now()))) {
        noticeFor = ends;
        await this.notify(this.view.recruiterId!, 'ending');
        continue;
      }
      if (!(await condition(changed, Math.max(1, new Date(ends).getTime() - Date.now())))) {
        // A command being written at the end decides first (a release or extension wins; a refused one does not).
        if (this.commands.writing) {
          await this.commands.settled();
          continue;
        }
        await this.expire();
      }
    }
  }

  private async expire() {
    this.view.state = 'expired';
    this.show();
    await db.changeProtection({
      candidateId: this.candidateId,
      key: this.key('expired'),
      actor: SYSTEM_ACTOR,
      at: this.now(),
      state: 'expired',
      reason: 'protection window ended',
    });
    await raiseDomainEvent(db.publishDomainEvent, {
      type: 'protection.expired',
      occasion: 'expired',
      companyId: null,
      entityType: 'candidate',
      entityId: this.candidateId,
      data: { candidateId: this.candidateId, recruiterId: this.view.recruiterId },
    });
  }

  // ── Steps ───────────────────────────────────────────────────────────────────────────

  private async notify(recruiterId: string, event: 'ending' | 'overridden', reason?: string) {
    try {
      await email.sendProtectionEmail({
        candidateId: this.candidateId,
        recruiterId,
        event,
        protectionEndsAt: this.view.protectionEndsAt!,
        reason,
        key: this.key(`email-${event}`),
      });
    } catch {
      // A notice that keeps failing must not hold the window.
    }
  }

  private show() {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.ProtectionState, value: this.view.state },
      ...(this.view.protectionEndsAt ? [{ key: SEARCH_ATTRIBUTES.ProtectionEndsAt, value: new Date(this.view.protectionEndsAt) }] : []),
    ]);
  }

  /** A key unique within this run: each step's write happens once, however often retried. */
  private key(name: string): string {
    return `${workflowInfo().workflowId}:${++this.step}:${name}`;
  }

  private now(): string {
    return new Date().toISOString();
  }
}
