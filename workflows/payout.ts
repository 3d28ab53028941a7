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
  STRIPE_ACCOUNT_ID,
  cancelSplitUpdate,
  changeSplitAccountUpdate,
  payoutStateQuery,
  retrySplitUpdate,
} from '../domain/payout.js';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';
import { DATABASE_ACTIVITY } from './activity-options.js';
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

const db = proxyActivities<PlacementActivities>(DATABASE_ACTIVITY);
/** Transient Stripe errors (5xx, 429, network) retry with backoff, without limit: money must move or block. */
const stripe = proxyActivities<PlacementActivities>({
  startToCloseTimeout: '30 seconds', // above the SDK's 20 s request timeout (lib/providers.ts)
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: [FAILURE_TYPES.TransferRefused] },
});

/** A split Stripe refuses raises `payout.blocked` at once, not after the round's other transfers (patched() rule). */
export const BLOCKED_AT_REFUSAL_PATCH = 'payout-blocked-at-refusal';

/**
 * One tranche paid to a placement's collaborators: one Stripe transfer per split, exactly
 * once. A split Stripe refuses is `blocked` and the payout waits, visible in the Web UI as
 * `PayoutStatus = "blocked" AND NeedsAttention = true`, until an admin retries it, changes
 * the account, or cancels it.
 */
export async function payoutWorkflow(input: PayoutInput): Promise<PayoutView> {
  const view: PayoutView = { payoutId: input.payoutId, status: 'processing', splits: [] };
  const splitById = (id: string) => view.splits.find((s) => s.splitId === id);
  /** Transfer attempt each split is on: an admin action names the attempt it answers. */
  const attempts = new Map<string, number>();

  const setStatus = (status: PayoutStatus) => {
    view.status = status;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.PayoutStatus, value: status },
      { key: SEARCH_ATTRIBUTES.NeedsAttention, value: status === 'blocked' },
    ]);
  };

  setHandler(payoutStateQuery, () => view);

  const refuse = (type: string, message: string) => { throw ApplicationFailure.create({ type, message }); };
  const validateBlocked = ({ splitId, actor }: SplitCommand) => {
    if (actor.role !== 'platform_admin') refuse(FAILURE_TYPES.Forbidden, 'only a platform admin can resolve a blocked split');
    const split = splitById(splitId);
    if (!split) refuse(FAILURE_TYPES.InvalidState, `split ${splitId} is not part of this payout`);
    else if (split.status !== 'blocked' || resolving.has(splitId)) refuse(FAILURE_TYPES.InvalidState, `split ${splitId} is ${resolving.has(splitId) ? 'being resolved' : split.status}, not blocked`);
  };
  // The split stays blocked until the database has the admin's answer: only then may the
  // main loop transfer it. Claiming it at once refuses a concurrent second answer.
  const resolving = new Set<string>();
  const resolve = async ({ splitId, actor, reason }: SplitCommand, action: AdminSplitAction) => {
    resolving.add(splitId);
    try {
      const attempt = attempts.get(splitId) ?? 1;
      const resolved = await db.resolveBlockedSplit({ payoutId: input.payoutId, splitId, action, actor, reason, attempt });
      if (resolved.status === 'pending') attempts.set(splitId, attempt + 1);
      return Object.assign(splitById(splitId)!, resolved);
    } finally {
      resolving.delete(splitId);
    }
  };

  setHandler(retrySplitUpdate, (cmd) => resolve(cmd, { kind: 'retry' }), { validator: validateBlocked });
  setHandler(
    changeSplitAccountUpdate,
    // Only the activity's input grows (no new command): runs recorded before replay unchanged.
    (cmd) => resolve(cmd, { kind: 'change_account', stripeAccountId: cmd.stripeAccountId, updateRecruiterAccount: cmd.updateRecruiterAccount === true }),
    {
      validator: (cmd) => {
        validateBlocked(cmd);
        if (!STRIPE_ACCOUNT_ID.test(cmd.stripeAccountId)) refuse(FAILURE_TYPES.InvalidState, 'not a Stripe connected account id (acct_…)');
      },
    },
  );
  setHandler(cancelSplitUpdate, (cmd) => resolve(cmd, { kind: 'cancel', reason: cmd.reason }), {
    validator: (cmd) => {
      validateBlocked(cmd);
      if (!cmd.reason?.trim()) refuse(FAILURE_TYPES.InvalidState, 'cancelling a split requires a reason');
    },
  });

  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.CompanyId, value: input.companyId }]);
  setStatus('processing');
  view.splits = await db.preparePayout({ ...input, workflowId: workflowInfo().workflowId, at: new Date().toISOString() });

  const has = (status: SplitState['status']) => view.splits.some((s) => s.status === status);
  for (let round = 1; ; round++) {
    await Promise.all(view.splits.filter((s) => s.status === 'pending').map((split) => transfer(split, round)));
    if (has('pending')) continue; // resolved by an admin while the others transferred
    if (!has('blocked')) break;
    setStatus('blocked');
    // Runs from before BLOCKED_AT_REFUSAL_PATCH announce here, once every transfer of the round is done.
    if (!patched(BLOCKED_AT_REFUSAL_PATCH)) for (const split of view.splits.filter((s) => s.status === 'blocked')) await announceBlocked(split, round);
    await condition(() => !has('blocked'));
    setStatus('processing');
  }

  setStatus(await db.completePayout({ payoutId: input.payoutId }));
  await condition(allHandlersFinished);
  return view;

  async function transfer(split: SplitState, round: number) {
    try {
      Object.assign(split, await stripe.transferSplit({ splitId: split.splitId }));
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.TransferRefused)) throw err;
      Object.assign(split, { status: 'blocked', blockReason: cause.message });
      // At once: an admin may resolve the split before the round's other transfers finish, and the
      // block still happened (the crash-temporal drill found blocks never announced that way).
      if (patched(BLOCKED_AT_REFUSAL_PATCH)) await announceBlocked(split, round);
    }
  }

  function announceBlocked(split: SplitState, round: number) {
    return raiseDomainEvent(db.publishDomainEvent, {
      type: 'payout.blocked', occasion: `blocked:${round}:${split.splitId}`, companyId: input.companyId, entityType: 'payout', entityId: input.payoutId,
      data: {
        payoutId: input.payoutId, placementId: input.placementId, companyId: input.companyId, recruiterId: split.recruiterId,
        amountCents: split.amountCents, currency: input.currency, reason: split.blockReason,
      },
    });
  }
}
