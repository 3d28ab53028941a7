import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './actors.js';
import type { CollaboratorRole } from './money.js';
import type { PaymentView } from './payment.js';

/** A placement and its escrow (product §3.2): states, input, view, commands and their limits. */
export const PLACEMENT_STATES = ['hired', 'active', 'completed', 'failed'] as const;
export type PlacementState = (typeof PLACEMENT_STATES)[number];
export const ESCROW_STATUSES = ['held', 'released', 'refunded'] as const;
export type EscrowStatus = (typeof ESCROW_STATUSES)[number];

export interface PlacementInput {
  placementId: string;
  companyId: string;
  jobId: string;
  candidateId: string;
  feeCents: number;
  currency: string;
  /** First working day, `YYYY-MM-DD` (UTC): the placement becomes active then. */
  startDate: string;
  collaborators: { recruiterId: string; role: CollaboratorRole; splitBps: number }[];
  actor: Actor;
}

export interface PlacementView {
  placementId: string;
  state: PlacementState | null;
  escrowStatus: EscrowStatus;
  candidateId: string;
  guaranteeEndsAt: string | null;
  /** A failure reported inside the guarantee, waiting for the company's choice. */
  failurePending: boolean;
  payoutIds: string[];
  /** The company's fee payment (null: a placement recorded before money in, or not invoiced yet). */
  payment?: PaymentView | null;
}

export interface PlacementCommand {
  actor: Actor;
  reason?: string;
}

/** Resolves once the placement is recorded (used with update-with-start). */
export const placementRecordedUpdate = defineUpdate<PlacementView>('placementRecorded');
export const activateEarlyUpdate = defineUpdate<PlacementView, [PlacementCommand]>('activateEarly');
export const extendGuaranteeUpdate = defineUpdate<PlacementView, [PlacementCommand & { days: number; reason: string }]>('extendGuarantee');
export const reportFailureUpdate = defineUpdate<PlacementView, [PlacementCommand & { reason: string }]>('reportFailure');
export const chooseReplacementUpdate = defineUpdate<PlacementView, [PlacementCommand & { candidateId: string }]>('chooseReplacement');
export const chooseRefundUpdate = defineUpdate<PlacementView, [PlacementCommand]>('chooseRefund');
export const releaseEarlyUpdate = defineUpdate<PlacementView, [PlacementCommand & { reason: string }]>('releaseEarly');
export const placementStateQuery = defineQuery<PlacementView>('placementState');
/** Replaces the collaborators and their splits; refused once the first payout has locked them. */
export const replaceCollaboratorsUpdate = defineUpdate<
  PlacementView,
  [PlacementCommand & { collaborators: PlacementInput['collaborators'] }]
>('replaceCollaborators');

/** The placement workflow's signature: started by name (WORKFLOW_TYPES.placement) with typed args. */
export type PlacementWorkflow = (input: PlacementInput) => Promise<PlacementView>;
