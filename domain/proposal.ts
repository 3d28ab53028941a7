import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './actors.js';

/**
 * The proposal state machine (product §3.1): pure and deterministic, shared by the
 * workflow (update validators), the activities (transition guard) and the API
 * (authorisation pre-checks), so the rules live in exactly one place.
 */
export const OPEN_STATES = ['proposed', 'company_reviewing'] as const;
export const FINAL_STATES = ['accepted', 'declined', 'withdrawn', 'timed_out'] as const;
export type OpenState = (typeof OPEN_STATES)[number];
export type FinalState = (typeof FINAL_STATES)[number];
export type ProposalState = OpenState | FinalState;
/** Every state, in the order of the database's check constraint. */
export const PROPOSAL_STATES: readonly ProposalState[] = [...OPEN_STATES, ...FINAL_STATES];

export type ProposalCommand = 'review' | 'accept' | 'decline' | 'withdraw';

/** What a proposal is created from: the workflow's input. */
export interface ProposalInput {
  proposalId: string;
  candidateId: string;
  jobId: string;
  companyId: string;
  recruiterId: string;
  pitch: string;
  actor: Actor;
}

/** The parties of one proposal, which decide who may command it. */
export interface ProposalParties {
  companyId: string;
  recruiterId: string;
}

export const COMMAND_TARGET: Record<ProposalCommand, ProposalState> = {
  review: 'company_reviewing',
  accept: 'accepted',
  decline: 'declined',
  withdraw: 'withdrawn',
};

export function isOpen(state: ProposalState): state is OpenState {
  return (OPEN_STATES as readonly string[]).includes(state);
}

/** The states each state may be entered from: reviewing only from `proposed`, decisions while open. */
export const ENTERED_FROM: Record<ProposalState, readonly ProposalState[]> = {
  proposed: [],
  company_reviewing: ['proposed'],
  accepted: OPEN_STATES,
  declined: OPEN_STATES,
  withdrawn: OPEN_STATES,
  timed_out: OPEN_STATES,
};

export function allowedFrom(command: ProposalCommand): readonly ProposalState[] {
  return ENTERED_FROM[COMMAND_TARGET[command]];
}

const COMPANY_ROLES: readonly string[] = ['company_admin', 'hiring_manager'];

/** Whether `actor` may issue `command` on a proposal with these parties. */
export function mayCommand(actor: Actor, command: ProposalCommand, parties: ProposalParties): boolean {
  if (command === 'withdraw') return actor.role === 'recruiter' && actor.recruiterId === parties.recruiterId;
  return COMPANY_ROLES.includes(actor.role) && actor.companyId === parties.companyId;
}

/** Whether `actor` may see the proposal at all. */
export function mayView(actor: Actor, parties: ProposalParties): boolean {
  if (actor.role === 'platform_admin') return true;
  if (actor.role === 'recruiter') return actor.recruiterId === parties.recruiterId;
  return COMPANY_ROLES.includes(actor.role) && actor.companyId === parties.companyId;
}

export type CommandCheck = { ok: true } | { ok: false; code: 'forbidden' | 'invalid_state'; message: string };

/** The one check behind both the API's pre-check and the workflow's update validator. */
export function checkCommand(actor: Actor, command: ProposalCommand, parties: ProposalParties, state: ProposalState): CommandCheck {
  if (!mayCommand(actor, command, parties)) {
    return { ok: false, code: 'forbidden', message: `not allowed to ${command} this proposal` };
  }
  if (!allowedFrom(command).includes(state)) {
    return { ok: false, code: 'invalid_state', message: `cannot ${command} a proposal that is ${state}` };
  }
  return { ok: true };
}

export interface ProposalView {
  proposalId: string;
  /** `null` until the proposal is recorded (or if recording was refused). */
  state: ProposalState | null;
  decisionDeadline: string | null;
  reminderAt: string | null;
  applicationId: string | null;
  /** The last write that failed (the state stayed as it was); `NeedsAttention` is set until a later write succeeds. */
  failure?: { command: ProposalCommand | 'create'; type: string | null; message: string; at: string };
}

export interface ProposalCommandInput {
  actor: Actor;
  reason?: string;
}

/** Resolves once the proposal is recorded; fails with the refusal (e.g. a duplicate). Used with update-with-start. */
export const proposalRecordedUpdate = defineUpdate<ProposalView>('proposalRecorded');
export const reviewProposalUpdate = defineUpdate<ProposalView, [ProposalCommandInput]>('reviewProposal');
export const acceptProposalUpdate = defineUpdate<ProposalView, [ProposalCommandInput]>('acceptProposal');
export const declineProposalUpdate = defineUpdate<ProposalView, [ProposalCommandInput]>('declineProposal');
export const withdrawProposalUpdate = defineUpdate<ProposalView, [ProposalCommandInput]>('withdrawProposal');
export const proposalStateQuery = defineQuery<ProposalView>('proposalState');

export const PROPOSAL_COMMAND_UPDATES = {
  review: reviewProposalUpdate,
  accept: acceptProposalUpdate,
  decline: declineProposalUpdate,
  withdraw: withdrawProposalUpdate,
} as const;

/** The e-mails a proposal sends. */
export type ProposalEmailEvent = 'created' | 'reminder' | 'accepted' | 'declined' | 'timed_out';

/** The proposal workflow's signature: started by name (WORKFLOW_TYPES.proposal) with typed args. */
export type ProposalWorkflow = (input: ProposalInput) => Promise<ProposalView>;
