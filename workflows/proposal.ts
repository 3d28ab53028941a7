import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProposalActivities } from '../activities/index.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/actors.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import {
  type ProposalCommand,
  type ProposalEmailEvent,
  type ProposalInput,
  type ProposalState,
  type ProposalView,
  COMMAND_TARGET,
  PROPOSAL_COMMAND_UPDATES,
  checkCommand,
  isOpen,
  proposalRecordedUpdate,
  proposalStateQuery,
  type reviewProposalUpdate,
} from '../domain/proposal.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { asRefusal, commandWriter, flagRefusedWrite } from './failures.js';
import { raiseDomainEvent } from './domain-events.js';

// The messages live in domain/ (the API sends them without loading workflow code); re-exported beside the workflow.
export {
  type ProposalCommandInput,
  type ProposalInput,
  type ProposalView,
  PROPOSAL_COMMAND_UPDATES,
  acceptProposalUpdate,
  declineProposalUpdate,
  proposalRecordedUpdate,
  proposalStateQuery,
  reviewProposalUpdate,
  withdrawProposalUpdate,
} from '../domain/proposal.js';

const db = proxyActivities<ProposalActivities>(DATABASE_ACTIVITY);
const email = proxyActivities<ProposalActivities>(NOTIFICATION_ACTIVITY);

/** Decisions other processes may react to (through automation rules). */
const DECISION_EVENT = { accepted: 'proposal.accepted', declined: 'proposal.declined', timed_out: 'proposal.timed_out' } as const;

const DECISION_EMAIL: Partial<Record<ProposalState, ProposalEmailEvent>> = {
  accepted: 'accepted',
  declined: 'declined',
  timed_out: 'timed_out',
};

/** Commands change the state only once their projection write succeeded (before: at once, then written). */
const STATE_AFTER_WRITE = 'proposal-state-after-write';

/**
 * One proposal's life (product §3.1): recorded, company notified, reminder 24 h before the
 * deadline, decided by accept / decline / withdraw updates or timed out by a timer.
 */
export async function proposalWorkflow(input: ProposalInput): Promise<ProposalView> {
  const view: ProposalView = {
    proposalId: input.proposalId,
    state: null,
    decisionDeadline: null,
    reminderAt: null,
    applicationId: null,
  };
  const parties = { companyId: input.companyId, recruiterId: input.recruiterId };
  let refusal: ApplicationFailure | undefined;
  let decisionReason: string | undefined;
  const commands = commandWriter(STATE_AFTER_WRITE);
  // Transitions are persisted one after another, in the order the workflow decided them.
  let persisted: Promise<unknown> = Promise.resolve();

  const setState = (state: ProposalState) => {
    view.state = state;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.ProposalState, value: state }]);
  };

  const persist = (to: ProposalState, actor: Actor, reason?: string) => {
    const done = persisted.then(() =>
      db.transitionProposal({ proposalId: input.proposalId, to, actor, reason: reason ?? null, at: new Date().toISOString() }),
    );
    persisted = done.catch(() => undefined);
    return done;
  };

  /** Keeps a write the database refused in the view (for ops, beside `NeedsAttention`). */
  const recordFailure = (command: ProposalCommand | 'create', refusal: ApplicationFailure) => {
    view.failure = { command, type: refusal.type ?? null, message: refusal.message, at: new Date().toISOString() };
  };

  setHandler(proposalStateQuery, () => view);
  setHandler(proposalRecordedUpdate, async () => {
    await condition(() => view.state !== null || refusal !== undefined);
    if (refusal) throw refusal;
    return view;
  });

  for (const [command, update] of Object.entries(PROPOSAL_COMMAND_UPDATES) as [ProposalCommand, typeof reviewProposalUpdate][]) {
    setHandler(
      update,
      async ({ actor, reason }) => {
        const to = COMMAND_TARGET[command];
        let applicationId: string | null | undefined;
        try {
          // A refused write (e.g. data Postgres cannot store) leaves the proposal as it was, still decidable.
          await commands.run(`proposal ${command}`, async () => {
            ({ applicationId } = await persist(to, actor, reason));
          }, () => {
            setState(to);
            decisionReason = reason;
            if (view.failure) {
              view.failure = undefined;
              upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.NeedsAttention, value: false }]);
            }
          });
        } catch (err) {
          if (err instanceof ApplicationFailure) recordFailure(command, err);
          throw err;
        }
        view.applicationId = applicationId ?? view.applicationId;
        return view;
      },
      {
        validator: ({ actor }) => {
          if (view.state === null) throw ApplicationFailure.create({ type: FAILURE_TYPES.InvalidState, message: 'proposal is not recorded yet' });
          const check = checkCommand(actor, command, parties, view.state);
          if (!check.ok) {
            throw ApplicationFailure.create({
              type: check.code === 'forbidden' ? FAILURE_TYPES.Forbidden : FAILURE_TYPES.InvalidState,
              message: check.message,
            });
          }
          if (commands.writing) throw ApplicationFailure.create({ type: FAILURE_TYPES.InvalidState, message: 'another command on this proposal is being recorded' });
        },
      },
    );
  }

  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: input.companyId }]);
  try {
    const timeline = await db.createProposal({ ...input, workflowId: workflowInfo().workflowId, createdAt: new Date().toISOString() });
    view.decisionDeadline = timeline.decisionDeadline;
    view.reminderAt = timeline.reminderAt;
    setState('proposed');
  } catch (err) {
    refusal = asRefusal(err);
    // A refusal of the data itself (not a business rule such as a duplicate) is something for ops to look at.
    if (refusal.type === FAILURE_TYPES.InvalidData) recordFailure('create', flagRefusedWrite('proposal create', err));
    await condition(allHandlersFinished);
    return view;
  }

  await notify('created');

  const decided = () => !isOpen(view.state!);
  if (view.reminderAt && !(await condition(decided, msUntil(view.reminderAt)))) {
    await notify('reminder');
  }
  if (!decided() && !(await condition(decided, msUntil(view.decisionDeadline!))) && !(await commandWritten())) {
    setState('timed_out');
    await persist('timed_out', SYSTEM_ACTOR, 'no decision before the deadline');
  }

  await persisted;
  const decisionEmail = DECISION_EMAIL[view.state!];
  if (decisionEmail) await notify(decisionEmail);
  const decision = view.state as keyof typeof DECISION_EVENT;
  if (DECISION_EVENT[decision]) {
    await raiseDomainEvent(db.publishDomainEvent, {
      type: DECISION_EVENT[decision], occasion: decision, companyId: input.companyId, entityType: 'proposal', entityId: input.proposalId,
      data: {
        proposalId: input.proposalId, candidateId: input.candidateId, jobId: input.jobId, companyId: input.companyId, recruiterId: input.recruiterId,
        ...(view.applicationId && { applicationId: view.applicationId }), ...(decision === 'declined' && decisionReason && { reason: decisionReason }),
      },
    });
  }
  await condition(allHandlersFinished);
  return view;

  /** Whether a command whose write was in flight at the deadline decided the proposal (a failed one did not). */
  async function commandWritten(): Promise<boolean> {
    await commands.settled();
    return decided();
  }

  async function notify(event: ProposalEmailEvent) {
    try {
      await email.sendProposalEmail({ proposalId: input.proposalId, event });
    } catch (err) {
      log.error('proposal e-mail not sent', { event, error: String(err) });
    }
  }
}

/** Milliseconds from workflow time to `iso`, at least 1 (a zero timeout would mean "no timeout"). */
function msUntil(iso: string): number {
  return Math.max(1, new Date(iso).getTime() - Date.now());
}
