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
  type ProposalCommandInput,
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
} from '../domain/proposal.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, NOTIFICATION_ACTIVITY } from './activity-options.js';
import { answerWhenRecorded, refuse } from './commands.js';
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

const db = proxyActivities<Pick<ProposalActivities, 'createProposal' | 'transitionProposal' | 'publishDomainEvent'>>(DATABASE_ACTIVITY);
const email = proxyActivities<Pick<ProposalActivities, 'sendProposalEmail'>>(NOTIFICATION_ACTIVITY);

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
  const proposal = new Proposal(input);
  proposal.acceptCommands();

  if (await proposal.record()) {
    await proposal.notify('created');
    await proposal.awaitDecision();
    await proposal.announceDecision();
  }

  await condition(allHandlersFinished);
  return proposal.view;
}

/** One proposal's state, its commands (update handlers) and the steps of its life. */
class Proposal {
  readonly view: ProposalView;
  private readonly parties: { companyId: string; recruiterId: string };
  private refusal: ApplicationFailure | undefined;
  private decisionReason: string | undefined;
  private readonly commands = commandWriter(STATE_AFTER_WRITE);
  /** Transitions are persisted one after another, in the order the workflow decided them. */
  private persisted: Promise<unknown> = Promise.resolve();

  constructor(private readonly input: ProposalInput) {
    this.view = { proposalId: input.proposalId, state: null, decisionDeadline: null, reminderAt: null, applicationId: null };
    this.parties = { companyId: input.companyId, recruiterId: input.recruiterId };
  }

  // ── Commands ────────────────────────────────────────────────────────────────────────

  acceptCommands() {
    setHandler(proposalStateQuery, () => this.view);
    answerWhenRecorded(proposalRecordedUpdate, {
      recorded: () => this.view.state !== null,
      refusal: () => this.refusal,
      view: () => this.view,
    });
    for (const [command, update] of Object.entries(PROPOSAL_COMMAND_UPDATES) as [
      ProposalCommand,
      (typeof PROPOSAL_COMMAND_UPDATES)[ProposalCommand],
    ][]) {
      setHandler(update, (cmd) => this.decide(command, cmd), {
        validator: ({ actor }) => this.assertMayCommand(command, actor),
      });
    }
  }

  private assertMayCommand(command: ProposalCommand, actor: Actor) {
    if (this.view.state === null) refuse(FAILURE_TYPES.InvalidState, 'proposal is not recorded yet');
    const check = checkCommand(actor, command, this.parties, this.view.state);
    if (!check.ok) refuse(check.code === 'forbidden' ? FAILURE_TYPES.Forbidden : FAILURE_TYPES.InvalidState, check.message);
    if (this.commands.writing) refuse(FAILURE_TYPES.InvalidState, 'another command on this proposal is being recorded');
  }

  /** Review, accept, decline or withdraw. A refused write (e.g. data Postgres cannot store) leaves the proposal as it was, still decidable. */
  private async decide(command: ProposalCommand, { actor, reason }: ProposalCommandInput) {
    const to = COMMAND_TARGET[command];
    let applicationId: string | null | undefined;
    try {
      await this.commands.run(
        `proposal ${command}`,
        async () => {
          ({ applicationId } = await this.persist(to, actor, reason));
        },
        () => {
          this.setState(to);
          this.decisionReason = reason;
          this.clearFailure();
        },
      );
    } catch (err) {
      if (err instanceof ApplicationFailure) this.recordFailure(command, err);
      throw err;
    }
    this.view.applicationId = applicationId ?? this.view.applicationId;
    return this.view;
  }

  // ── The process ─────────────────────────────────────────────────────────────────────

  /** Records the proposal and its timeline; a refusal (e.g. a duplicate) is kept for the caller of `proposalRecorded`. */
  async record(): Promise<boolean> {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: this.input.companyId }]);
    try {
      const timeline = await db.createProposal({
        ...this.input,
        workflowId: workflowInfo().workflowId,
        createdAt: new Date().toISOString(),
      });
      this.view.decisionDeadline = timeline.decisionDeadline;
      this.view.reminderAt = timeline.reminderAt;
      this.setState('proposed');
      return true;
    } catch (err) {
      this.refusal = asRefusal(err);
      // A refusal of the data itself (not a business rule such as a duplicate) is something for ops to look at.
      if (this.refusal.type === FAILURE_TYPES.InvalidData) this.recordFailure('create', flagRefusedWrite('proposal create', err));
      return false;
    }
  }

  /** A reminder before the deadline, then the deadline: undecided by then, the proposal times out. */
  async awaitDecision() {
    const { view } = this;
    const decided = () => !isOpen(view.state!);
    if (view.reminderAt && !(await condition(decided, msUntil(view.reminderAt)))) {
      await this.notify('reminder');
    }
    if (!decided() && !(await condition(decided, msUntil(view.decisionDeadline!))) && !(await this.commandWritten(decided))) {
      this.setState('timed_out');
      await this.persist('timed_out', SYSTEM_ACTOR, 'no decision before the deadline');
    }
  }

  /** Once the decision is persisted: its e-mail, and the domain event other processes react to. */
  async announceDecision() {
    const { input, view } = this;
    await this.persisted;
    const decisionEmail = DECISION_EMAIL[view.state!];
    if (decisionEmail) await this.notify(decisionEmail);
    const decision = view.state as keyof typeof DECISION_EVENT;
    if (!DECISION_EVENT[decision]) return;
    await raiseDomainEvent(db.publishDomainEvent, {
      type: DECISION_EVENT[decision],
      occasion: decision,
      companyId: input.companyId,
      entityType: 'proposal',
      entityId: input.proposalId,
      data: {
        proposalId: input.proposalId,
        candidateId: input.candidateId,
        jobId: input.jobId,
        companyId: input.companyId,
        recruiterId: input.recruiterId,
        ...(view.applicationId && { applicationId: view.applicationId }),
        ...(decision === 'declined' && this.decisionReason && { reason: this.decisionReason }),
      },
    });
  }

  async notify(event: ProposalEmailEvent) {
    try {
      await email.sendProposalEmail({ proposalId: this.input.proposalId, event });
    } catch (err) {
      log.error('proposal e-mail not sent', { event, error: String(err) });
    }
  }

  // ── Steps ───────────────────────────────────────────────────────────────────────────

  /** Whether a command whose write was in flight at the deadline decided the proposal (a failed one did not). */
  private async commandWritten(decided: () => boolean): Promise<boolean> {
    await this.commands.settled();
    return decided();
  }

  private persist(to: ProposalState, actor: Actor, reason?: string) {
    const done = this.persisted.then(() =>
      db.transitionProposal({ proposalId: this.input.proposalId, to, actor, reason: reason ?? null, at: new Date().toISOString() }),
    );
    this.persisted = done.catch(() => undefined);
    return done;
  }

  private setState(state: ProposalState) {
    this.view.state = state;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.ProposalState, value: state }]);
  }

  /** Keeps a write the database refused in the view (for ops, beside `NeedsAttention`). */
  private recordFailure(command: ProposalCommand | 'create', refusal: ApplicationFailure) {
    this.view.failure = { command, type: refusal.type ?? null, message: refusal.message, at: new Date().toISOString() };
  }

  /** A later write that succeeded clears the last failure and `NeedsAttention`. */
  private clearFailure() {
    if (!this.view.failure) return;
    this.view.failure = undefined;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.NeedsAttention, value: false }]);
  }
}

/** Milliseconds from workflow time to `iso`, at least 1 (a zero timeout would mean "no timeout"). */
function msUntil(iso: string): number {
  return Math.max(1, new Date(iso).getTime() - Date.now());
}
