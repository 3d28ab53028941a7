import { ApplicationFailure } from '@temporalio/activity';
import { type Db, isUniqueViolation } from '../../lib/db.js';
import { LIVE_PROPOSAL_INDEX } from '../../db/migrations/008_one_live_per_candidate_job.js';
import { proposalsDal } from '../../db/dal/proposals.js';
import { withTransaction } from '../../db/dal/once.js';
import { applicationsDal } from '../../db/dal/applications.js';
import { settingsDal } from '../../db/dal/settings.js';
import { directoryDal } from '../../db/dal/directory.js';
import { jobRecruitersDal } from '../../db/dal/job-recruiters.js';
import { blocks, sourcingDal } from '../../db/dal/sourcing.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import type { Actor } from '../../domain/actors.js';
import { type ProposalInput, type ProposalState, ENTERED_FROM, isOpen } from '../../domain/proposal.js';

export interface CreateProposalInput extends ProposalInput {
  workflowId: string;
  /** Workflow time of creation (ISO), so deadlines follow the workflow clock. */
  createdAt: string;
}

export interface ProposalTimeline {
  decisionDeadline: string;
  /** When the company is reminded; null when the window is shorter than the reminder lead. */
  reminderAt: string | null;
}

export interface TransitionInput {
  proposalId: string;
  to: ProposalState;
  actor: Actor;
  reason?: string | null;
  at: string;
}

export interface TransitionResult {
  state: ProposalState;
  applicationId: string | null;
}

const HOUR_MS = 3_600_000;

/** Postgres writes of the proposal lifecycle: projection row, history, application. */
export function createProposalDbActivities({ db }: { db: Db }) {
  const proposals = proposalsDal(db);
  const applications = applicationsDal(db);
  const settings = settingsDal(db);
  const directory = directoryDal(db);
  const jobRecruiters = jobRecruitersDal(db);
  const sourcing = sourcingDal(db);

  return {
    /** Inserts the proposal and its first history row; a retry returns the stored timeline. */
    async createProposal(input: CreateProposalInput): Promise<ProposalTimeline> {
      try {
        return await withTransaction(db, async (trx) => {
          const existing = await proposals.findById(input.proposalId, trx);
          if (existing) return timelineOf(existing);

          const job = await directory.job(input.jobId, trx);
          // The recruiter must still see the job: shared with the marketplace, or held or shared
          // with them by its holder (product §3.8); a company may have stopped either since the API checked.
          if (!job || !(await jobRecruiters.recruiterSees(job, input.recruiterId, trx))) {
            throw ApplicationFailure.nonRetryable(`job ${input.jobId} not found`, FAILURE_TYPES.JobNotFound);
          }
          if (job.status !== 'open') {
            throw ApplicationFailure.nonRetryable(`job ${input.jobId} is not open`, FAILURE_TYPES.JobNotOpen);
          }
          const createdAt = new Date(input.createdAt);
          if (blocks(await sourcing.find(input.candidateId, trx), input.recruiterId, createdAt)) {
            throw ApplicationFailure.nonRetryable(
              "this candidate is under another recruiter's protection window",
              FAILURE_TYPES.CandidateProtected,
            );
          }
          const timing = await settings.proposalTiming(input.companyId, trx);
          const deadline = new Date(createdAt.getTime() + timing.timeoutHours * HOUR_MS);
          const reminder = new Date(deadline.getTime() - timing.reminderHoursBefore * HOUR_MS);
          const row = {
            id: input.proposalId,
            candidate_id: input.candidateId,
            job_id: input.jobId,
            company_id: input.companyId,
            recruiter_id: input.recruiterId,
            pitch: input.pitch,
            state: 'proposed' as const,
            decision_deadline: deadline,
            reminder_at: reminder > createdAt ? reminder : null,
            workflow_id: input.workflowId,
            created_at: createdAt,
            updated_at: createdAt,
          };
          await proposals.insert(row, trx);
          await proposals.insertHistory(
            {
              assignment_id: input.proposalId,
              old_state: null,
              new_state: 'proposed',
              actor_user_id: input.actor.userId,
              actor_role: input.actor.role,
              reason: null,
              occurred_at: createdAt,
              transition_key: `${input.proposalId}:proposed`,
            },
            trx,
          );
          return timelineOf(row);
        });
      } catch (err) {
        if (isUniqueViolation(err, LIVE_PROPOSAL_INDEX)) {
          throw ApplicationFailure.nonRetryable(
            'this candidate already has an open or accepted proposal for this job',
            FAILURE_TYPES.DuplicateOpenProposal,
          );
        }
        throw err;
      }
    },

    /**
     * Moves the proposal to `to` with a history row, and on acceptance creates the
     * application, all in one transaction. Re-running it after success is a no-op.
     */
    async transitionProposal(input: TransitionInput): Promise<TransitionResult> {
      return withTransaction(db, async (trx) => {
        const row = await proposals.lockById(input.proposalId, trx);
        if (!row) {
          throw ApplicationFailure.nonRetryable(`proposal ${input.proposalId} not found`, FAILURE_TYPES.ProposalNotFound);
        }
        const accepted = async (at: Date) =>
          input.to === 'accepted'
            ? (
                await applications.createFromProposal(
                  { candidateId: row.candidate_id, jobId: row.job_id, recruiterId: row.recruiter_id, proposalId: row.id, at },
                  trx,
                )
              ).id
            : null;

        if (row.state === input.to) {
          // Already applied by an earlier attempt of this activity.
          const app = input.to === 'accepted' ? await applications.findByProposal(row.id, trx) : undefined;
          return { state: row.state, applicationId: app?.id ?? null };
        }
        if (!ENTERED_FROM[input.to].includes(row.state)) {
          throw ApplicationFailure.nonRetryable(`cannot move proposal from ${row.state} to ${input.to}`, FAILURE_TYPES.InvalidTransition);
        }
        const at = new Date(input.at);
        await proposals.updateState(
          row.id,
          {
            state: input.to,
            updated_at: at,
            ...(isOpen(input.to) ? {} : { decided_at: at, decision_reason: input.reason ?? null }),
          },
          trx,
        );
        await proposals.insertHistory(
          {
            assignment_id: row.id,
            old_state: row.state,
            new_state: input.to,
            actor_user_id: input.actor.userId,
            actor_role: input.actor.role,
            reason: input.reason ?? null,
            occurred_at: at,
            transition_key: `${row.id}:${input.to}`,
          },
          trx,
        );
        return { state: input.to, applicationId: await accepted(at) };
      });
    },
  };
}

function timelineOf(row: { decision_deadline: Date; reminder_at: Date | null }): ProposalTimeline {
  return {
    decisionDeadline: row.decision_deadline.toISOString(),
    reminderAt: row.reminder_at ? row.reminder_at.toISOString() : null,
  };
}
