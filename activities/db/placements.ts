import { ApplicationFailure } from '@temporalio/activity';
import { type Db, type Executor, isUniqueViolation } from '../../lib/db.js';
import { placementRecordsDal } from '../../db/dal/placement-records.js';
import { withTransaction } from '../../db/dal/once.js';
import { placementsDal } from '../../db/dal/placements.js';
import { LIVE_PLACEMENT_INDEX } from '../../db/migrations/008_one_live_per_candidate_job.js';
import { applicationsDal } from '../../db/dal/applications.js';
import { settingsDal } from '../../db/dal/settings.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { splitProblems, tranches } from '../../domain/money.js';
import type { PlacementInput, PlacementState } from '../../domain/placement.js';
import type { Actor } from '../../domain/actors.js';

export interface PlacementRecord {
  activationCents: number;
  holdbackCents: number;
  guaranteeDays: number;
  reminderDaysBefore: number;
  /** Midnight UTC of the start date. */
  startAt: string;
}

/** One recorded step of a placement; `key` makes it happen once however often it runs. */
export interface PlacementStep {
  placementId: string;
  key: string;
  actor: Actor;
  reason?: string | null;
  at: string;
}

/** A placement's move of its candidate's application: `hired`, or `left` when the hire left inside the guarantee. */
export interface ApplicationStep {
  placementId: string;
  candidateId: string;
  to: 'hired' | 'left';
  key: string;
  actor: Actor;
  reason: string;
  at: string;
}

/** What `application.stage_changed` carries about a move. */
export interface ApplicationMove {
  applicationId: string;
  candidateId: string;
  jobId: string;
  companyId: string;
  recruiterId: string | null;
  stageFrom: string | null;
  stageTo: string;
}

const refuse = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);
const duplicate = (candidateId: string) =>
  refuse(`candidate ${candidateId} already has a live placement for this job`, FAILURE_TYPES.DuplicatePlacement);

/** Runs a write that may take a candidate × job another live placement holds: a lost race is refused, not retried. */
async function asLivePlacement<T>(candidateId: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err, LIVE_PLACEMENT_INDEX)) throw duplicate(candidateId);
    throw err;
  }
}

/** Postgres side of placements: the record, its state history, escrow, replacement, collaborators. */
export function createPlacementDbActivities({ db }: { db: Db }) {
  const settings = settingsDal(db);
  const placements = placementsDal(db);
  const applications = applicationsDal(db);
  const records = placementRecordsDal(db);
  const history = (trx: Executor, step: PlacementStep, oldState: PlacementState | null, newState: PlacementState, details?: unknown) =>
    records.recordState(
      {
        placementId: step.placementId,
        oldState,
        newState,
        actor: step.actor,
        reason: step.reason ?? null,
        details,
        at: new Date(step.at),
        key: step.key,
      },
      trx,
    );

  /** Runs `change` once per step key, under the placement's row lock. */
  async function once(
    step: PlacementStep,
    change: (trx: Executor, placement: { state: PlacementState; candidate_id: string; splits_locked_at: Date | null }) => Promise<void>,
  ) {
    await withTransaction(db, async (trx) => {
      const placement = await records.lock(step.placementId, trx);
      if (!placement) throw refuse(`placement ${step.placementId} not found`, FAILURE_TYPES.PlacementNotFound);
      if (await records.stepRecorded(step.key, trx)) return;
      await change(trx, placement);
    });
  }

  async function insertCollaborators(trx: Executor, placementId: string, collaborators: PlacementInput['collaborators'], at: Date) {
    const problems = splitProblems(collaborators);
    if (problems.length) throw refuse(problems.map((p) => p.message).join('; '), FAILURE_TYPES.InvalidSplits);
    await records.insertCollaborators(
      collaborators.map((c, i) => ({
        placement_id: placementId,
        recruiter_id: c.recruiterId,
        role: c.role,
        split_bps: c.splitBps,
        created_at: new Date(at.getTime() + i),
      })),
      trx,
    );
  }

  return {
    /** Records the hired placement, its collaborators and the escrow hold of the holdback; a retry returns the record. */
    async createPlacement(input: PlacementInput & { workflowId: string; at: string }): Promise<PlacementRecord> {
      return asLivePlacement(input.candidateId, () =>
        withTransaction(db, async (trx) => {
          const terms = await settings.placementTerms(input.companyId, trx);
          const existing = await records.find(input.placementId, trx);
          const startAt = new Date(`${input.startDate}T00:00:00.000Z`).toISOString();
          if (existing) {
            return {
              ...tranches(existing.fee_cents, existing.holdback_bps),
              guaranteeDays: existing.guarantee_days,
              reminderDaysBefore: terms.reminderDaysBefore,
              startAt,
            };
          }
          const job = await records.job(input.jobId, trx);
          if (!job || job.company_id !== input.companyId)
            throw refuse(`job ${input.jobId} is not a job of company ${input.companyId}`, FAILURE_TYPES.InvalidState);
          if (await placements.findLive(input.candidateId, input.jobId, trx)) throw duplicate(input.candidateId);
          const split = tranches(input.feeCents, terms.holdbackBps);
          const at = new Date(input.at);
          await records.insert(
            {
              id: input.placementId,
              company_id: input.companyId,
              job_id: input.jobId,
              candidate_id: input.candidateId,
              fee_cents: input.feeCents,
              currency: input.currency,
              holdback_bps: terms.holdbackBps,
              platform_fee_bps: terms.platformFeeBps,
              // The placement keeps the terms it was recorded with (a later change applies to new ones).
              refund_policy: terms.refundPolicy,
              payment_terms_days: terms.paymentTermsDays,
              start_date: input.startDate,
              guarantee_days: terms.guaranteeDays,
              state: 'hired',
              workflow_id: input.workflowId,
              created_at: at,
              updated_at: at,
            },
            trx,
          );
          await insertCollaborators(trx, input.placementId, input.collaborators, at);
          await records.holdEscrow(
            { placement_id: input.placementId, amount_cents: split.holdbackCents, currency: input.currency, status: 'held', held_at: at },
            trx,
          );
          await history(
            trx,
            { placementId: input.placementId, key: `${input.placementId}:hired`, actor: input.actor, at: input.at },
            null,
            'hired',
            {
              feeCents: input.feeCents,
              currency: input.currency,
              ...split,
              platformFeeBps: terms.platformFeeBps,
              escrow: 'held',
            },
          );
          return { ...split, guaranteeDays: terms.guaranteeDays, reminderDaysBefore: terms.reminderDaysBefore, startAt };
        }),
      );
    },

    /** Moves the placement to `to` (or keeps its state, e.g. for an extension), setting the guarantee end if given. */
    async transitionPlacement(step: PlacementStep & { to: PlacementState; guaranteeEndsAt?: string; details?: unknown }): Promise<void> {
      await once(step, async (trx, placement) => {
        await records.update(
          step.placementId,
          {
            state: step.to,
            updated_at: new Date(step.at),
            ...(step.guaranteeEndsAt && { guarantee_ends_at: new Date(step.guaranteeEndsAt) }),
          },
          trx,
        );
        await history(trx, step, placement.state, step.to, {
          ...(step.guaranteeEndsAt && { guaranteeEndsAt: step.guaranteeEndsAt }),
          ...(step.details as object),
        });
      });
    },

    /** Releases the escrow to the collaborators (with the holdback payout) or refunds it to the company. */
    async settleEscrow(step: PlacementStep & { status: 'released' | 'refunded' }): Promise<void> {
      await once(step, async (trx, placement) => {
        const settled = await records.settleEscrow(
          step.placementId,
          { status: step.status, reason: step.reason ?? null, at: new Date(step.at) },
          trx,
        );
        if (!settled) throw refuse(`escrow of placement ${step.placementId} is not held`, FAILURE_TYPES.InvalidState);
        await history(trx, step, placement.state, placement.state, { escrow: { from: 'held', to: step.status } });
      });
    },

    /** Links the replacement candidate; the guarantee restarts from `guaranteeEndsAt`'s new value. */
    async recordReplacement(step: PlacementStep & { candidateId: string; guaranteeEndsAt: string }): Promise<void> {
      await asLivePlacement(step.candidateId, () =>
        once(step, async (trx, placement) => {
          if (!(await records.candidateExists(step.candidateId, trx)))
            throw refuse(`candidate ${step.candidateId} not found`, FAILURE_TYPES.CandidateNotFound);
          await records.update(
            step.placementId,
            { candidate_id: step.candidateId, guarantee_ends_at: new Date(step.guaranteeEndsAt), updated_at: new Date(step.at) },
            trx,
          );
          await history(trx, step, placement.state, placement.state, {
            replacement: { from: placement.candidate_id, to: step.candidateId },
            guaranteeEndsAt: step.guaranteeEndsAt,
          });
        }),
      );
    },

    /**
     * Moves the candidate's application for the placement's job through the shared stage
     * move (history row, keyed), so the pipeline and the rules see the hire. A candidate
     * hired without one (a replacement found elsewhere) gets an application, submitted then
     * hired. null when there is nothing to move (already there, or nothing to leave).
     */
    async moveApplication(step: ApplicationStep): Promise<ApplicationMove | null> {
      return withTransaction(db, async (trx) => {
        const placement = await records.jobOf(step.placementId, trx);
        if (!placement) throw refuse(`placement ${step.placementId} not found`, FAILURE_TYPES.PlacementNotFound);
        const ofCandidate = () => records.applicationFor(step.candidateId, placement.job_id, trx);
        let app = await ofCandidate();
        const retried = await records.stageMoveRecorded(step.key, trx);
        if (!retried && (app ? app.stage === step.to : step.to === 'left')) return null;
        if (!app) {
          const lead = await records.leadRecruiter(step.placementId, trx);
          await records.openApplication(
            {
              candidate_id: step.candidateId,
              job_id: placement.job_id,
              recruiter_id: lead?.recruiter_id ?? null,
              stage: 'submitted',
              created_at: new Date(step.at),
            },
            trx,
          );
          // The row exists now (this insert's or a concurrent one's).
          app = (await ofCandidate())!;
        }
        const move = await applications.moveStage(
          {
            applicationId: app.id,
            to: step.to,
            actor: step.actor,
            source: 'placement',
            reason: step.reason,
            at: new Date(step.at),
            key: step.key,
          },
          trx,
        );
        return {
          applicationId: app.id,
          candidateId: step.candidateId,
          jobId: placement.job_id,
          companyId: placement.company_id,
          recruiterId: app.recruiter_id,
          stageFrom: move.from,
          stageTo: move.to,
        };
      });
    },

    /** Replaces collaborators and splits while no payout has locked them. */
    async replaceCollaborators(step: PlacementStep & { collaborators: PlacementInput['collaborators'] }): Promise<void> {
      await once(step, async (trx, placement) => {
        if (placement.splits_locked_at)
          throw refuse('splits are locked: a payout of this placement has started', FAILURE_TYPES.SplitsLocked);
        const before = await records.collaborators(step.placementId, trx);
        await records.removeCollaborators(step.placementId, trx);
        await insertCollaborators(trx, step.placementId, step.collaborators, new Date(step.at));
        await history(trx, step, placement.state, placement.state, { collaborators: { from: before, to: step.collaborators } });
      });
    },
  };
}
