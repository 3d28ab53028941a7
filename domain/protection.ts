import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './actors.js';

/** A candidate's ownership and protection window (product §3.4): states, view, commands, messages. */
/** A protection row's states (the database's); the workflow's view also knows `unclaimed` (no row yet). */
export const PROTECTION_STATES = ['protected', 'released', 'expired'] as const;
export type ProtectionState = 'unclaimed' | (typeof PROTECTION_STATES)[number];

export interface ProtectionView {
  candidateId: string;
  state: ProtectionState;
  recruiterId: string | null;
  protectionEndsAt: string | null;
}

export interface ClaimCommand {
  recruiterId: string;
  actor: Actor;
  jobId?: string;
}

/** The first claim wins; a later one fails with AlreadySourced (and is recorded as a conflict). Used with update-with-start. */
export const claimCandidateUpdate = defineUpdate<ProtectionView, [ClaimCommand]>('claimCandidate');
export const releaseProtectionUpdate = defineUpdate<ProtectionView, [{ actor: Actor; reason?: string }]>('releaseProtection');
export const overrideAttributionUpdate = defineUpdate<ProtectionView, [{ actor: Actor; recruiterId: string; reason: string }]>(
  'overrideAttribution',
);
export const extendProtectionUpdate = defineUpdate<ProtectionView, [{ actor: Actor; days: number; reason: string }]>('extendProtection');
/**
 * Another recruiter's proposal (with its job) or outreach e-mail was refused: recorded as a
 * `protected_submission_blocked` or `protected_outreach_blocked` marketplace event.
 */
export const submissionBlockedSignal =
  defineSignal<[{ recruiterId: string; actor: Actor; at: string } & ({ jobId: string; via?: 'proposal' } | { via: 'outreach' })]>(
    'submissionBlocked',
  );
export const protectionQuery = defineQuery<ProtectionView>('protection');

/** The protection workflow's signature: started by name (WORKFLOW_TYPES.protection) with typed args. */
export type ProtectionWorkflow = (input: { candidateId: string }) => Promise<ProtectionView>;
