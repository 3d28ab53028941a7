import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PlacementActivities } from '../activities/index.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import {
  type AdminSplitAction,
  type PayoutInput,
  type PayoutStatus,
  type PayoutView,
  type SplitCommand,
  type SplitState,
  cancelSplitUpdate,
  changeSplitAccountUpdate,
  payoutStateQuery,
  retrySplitUpdate,
} from '../domain/payout.js';
import { type SplitCommandCall, checkSplitCommand } from '../domain/payout-rules.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY, STRIPE_TRANSFER_ACTIVITY } from './activity-options.js';
import { refuseIf } from './commands.js';
import { raiseDomainEvent } from './domain-events.js';

// The messages live in domain/ (the API sends them without loading workflow code); re-exported beside the workflow.
export {
  type PayoutInput,
  type PayoutStatus,
  type PayoutView,
  type SplitCommand,
  STRIPE_ACCOUNT_ID,
  cancelSplitUpdate,
  changeSplitAccountUpdate,
  payoutStateQuery,
  retrySplitUpdate,
} from '../domain/payout.js';

const db =
  proxyActivities<Pick<PlacementActivities, 'preparePayout' | 'resolveBlockedSplit' | 'completePayout' | 'publishDomainEvent'>>(
    DATABASE_ACTIVITY,
  );
const stripe = proxyActivities<Pick<PlacementActivities, 'transferSplit'>>(STRIPE_TRANSFER_ACTIVITY);

/** A split Stripe refuses raises `payout.blocked` at once, not after the round's other transfers (patched() rule). */
export const BLOCKED_AT_REFUSAL_PATCH = 'payout-blocked-at-refusal';

/**
 * One tranche paid to a placement's collaborators: one Stripe transfer per split, exactly
 * once. A split Stripe refuses is `blocked` and the payout waits, visible in the Web UI as
 * `PayoutStatus = "blocked" AND NeedsAttention = true`, until an admin retries it, changes
 * the account, or cancels it.
 */
export async function payoutWorkflow(input: PayoutInput): Promise<PayoutView> {
  const payout = new Payout(input);
  payout.acceptCommands();

  await payout.prepare();
  for (let round = 1; ; round++) {
    await payout.transferPending(round);
    if (payout.has('pending')) continue; // resolved by an admin while the others transferred
    if (!payout.has('blocked')) break;
    await payout.waitForBlockedSplits(round);
  }
  await payout.complete();

  await condition(allHandlersFinished);
  return payout.view;
}

/** One payout's splits, the admins' answers to blocked ones (update handlers) and its steps. */
class Payout {
  readonly view: PayoutView;
  /** Transfer attempt each split is on: an admin action names the attempt it answers. */
  private readonly attempts = new Map<string, number>();
  /**
   * Splits whose admin answer is being recorded. The split stays blocked until the database has
   * the answer: only then may the main loop transfer it. Claiming it at once refuses a second answer.
   */
  private readonly resolving = new Set<string>();

  constructor(private readonly input: PayoutInput) {
    this.view = { payoutId: input.payoutId, status: 'processing', splits: [] };
  }

  // ── Commands ────────────────────────────────────────────────────────────────────────

  acceptCommands() {
    setHandler(payoutStateQuery, () => this.view);
    setHandler(retrySplitUpdate, (cmd) => this.resolve(cmd, { kind: 'retry' }), {
      validator: ({ actor, splitId }) => this.check({ command: 'retry', actor, splitId }),
    });
    setHandler(
      changeSplitAccountUpdate,
      // Only the activity's input grows (no new command): runs recorded before replay unchanged.
      (cmd) =>
        this.resolve(cmd, {
          kind: 'change_account',
          stripeAccountId: cmd.stripeAccountId,
          updateRecruiterAccount: cmd.updateRecruiterAccount === true,
        }),
      { validator: ({ actor, splitId, stripeAccountId }) => this.check({ command: 'changeAccount', actor, splitId, stripeAccountId }) },
    );
    setHandler(cancelSplitUpdate, (cmd) => this.resolve(cmd, { kind: 'cancel', reason: cmd.reason }), {
      validator: ({ actor, splitId, reason }) => this.check({ command: 'cancel', actor, splitId, reason }),
    });
  }

  private check(call: SplitCommandCall) {
    refuseIf(checkSplitCommand(call, { split: this.split(call.splitId), resolving: this.resolving.has(call.splitId) }));
  }

  private async resolve({ splitId, actor, reason }: SplitCommand, action: AdminSplitAction) {
    this.resolving.add(splitId);
    try {
      const attempt = this.attempts.get(splitId) ?? 1;
      const resolved = await db.resolveBlockedSplit({ payoutId: this.input.payoutId, splitId, action, actor, reason, attempt });
      if (resolved.status === 'pending') this.attempts.set(splitId, attempt + 1);
      return Object.assign(this.split(splitId)!, resolved);
    } finally {
      this.resolving.delete(splitId);
    }
  }

  // ── The process ─────────────────────────────────────────────────────────────────────

  async prepare() {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: this.input.companyId }]);
    this.setStatus('processing');
    this.view.splits = await db.preparePayout({ ...this.input, workflowId: workflowInfo().workflowId, at: new Date().toISOString() });
  }

  has(status: SplitState['status']): boolean {
    return this.view.splits.some((s) => s.status === status);
  }

  async transferPending(round: number) {
    await Promise.all(this.view.splits.filter((s) => s.status === 'pending').map((split) => this.transfer(split, round)));
  }

  /** Blocked until an admin has answered every blocked split. */
  async waitForBlockedSplits(round: number) {
    this.setStatus('blocked');
    // Runs from before BLOCKED_AT_REFUSAL_PATCH announce here, once every transfer of the round is done.
    if (!patched(BLOCKED_AT_REFUSAL_PATCH))
      for (const split of this.view.splits.filter((s) => s.status === 'blocked')) await this.announceBlocked(split, round);
    await condition(() => !this.has('blocked'));
    this.setStatus('processing');
  }

  async complete() {
    this.setStatus(await db.completePayout({ payoutId: this.input.payoutId }));
  }

  // ── Steps ───────────────────────────────────────────────────────────────────────────

  private async transfer(split: SplitState, round: number) {
    try {
      Object.assign(split, await stripe.transferSplit({ splitId: split.splitId }));
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.TransferRefused)) throw err;
      Object.assign(split, { status: 'blocked', blockReason: cause.message });
      // At once: an admin may resolve the split before the round's other transfers finish, and the
      // block still happened (the crash-temporal drill found blocks never announced that way).
      if (patched(BLOCKED_AT_REFUSAL_PATCH)) await this.announceBlocked(split, round);
    }
  }

  private announceBlocked(split: SplitState, round: number) {
    const { input } = this;
    return raiseDomainEvent(db.publishDomainEvent, {
      type: 'payout.blocked',
      occasion: `blocked:${round}:${split.splitId}`,
      companyId: input.companyId,
      entityType: 'payout',
      entityId: input.payoutId,
      data: {
        payoutId: input.payoutId,
        placementId: input.placementId,
        companyId: input.companyId,
        recruiterId: split.recruiterId,
        amountCents: split.amountCents,
        currency: input.currency,
        reason: split.blockReason,
      },
    });
  }

  private setStatus(status: PayoutStatus) {
    this.view.status = status;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.PayoutStatus, value: status },
      { key: SEARCH_ATTRIBUTES.NeedsAttention, value: status === 'blocked' },
    ]);
  }

  private split(splitId: string): SplitState | undefined {
    return this.view.splits.find((s) => s.splitId === splitId);
  }
}
