import { continueAsNew, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PlacementActivities } from '../activities/index.js';
import {
  type PayoutAccountInput,
  type PayoutAccountView,
  accountUpdatedSignal,
  payoutAccountStateQuery,
} from '../domain/payout-account.js';
import { DATABASE_ACTIVITY, STRIPE_REVERSAL_ACTIVITY } from './activity-options.js';

export {
  accountUpdatedSignal,
  payoutAccountStateQuery,
  type PayoutAccountInput,
  type PayoutAccountView,
} from '../domain/payout-account.js';

const stripe = proxyActivities<Pick<PlacementActivities, 'syncPayoutAccount'>>(STRIPE_REVERSAL_ACTIVITY);
const db = proxyActivities<Pick<PlacementActivities, 'retryBlockedSplitsOf'>>(DATABASE_ACTIVITY);

/** Events handled before the run continues as new (keeps the history short). */
export const PAYOUT_ACCOUNT_EVENTS_PER_RUN = 100;
/** With no event for this long the run ends; the next `account.updated` starts a new one (signalWithStart). */
export const PAYOUT_ACCOUNT_IDLE = '1 hour';

/**
 * One recruiter's connected account (product §3.3, "Connected accounts"), started or signalled by
 * each `account.updated` webhook. Each wake re-reads the account from Stripe and writes the
 * projection, so duplicate or out-of-order events converge on Stripe's current state (events that
 * arrive while a sync runs are covered by the next one). Once the account can receive transfers,
 * the recruiter's blocked splits are retried.
 */
export async function payoutAccountWorkflow(input: PayoutAccountInput): Promise<PayoutAccountView> {
  const view: PayoutAccountView = { stripeAccountId: input.stripeAccountId, status: input.status ?? 'not_connected', eventsSeen: 0 };
  let unseen = input.pending ? 1 : 0;
  setHandler(accountUpdatedSignal, () => {
    unseen++;
    view.eventsSeen++;
  });
  setHandler(payoutAccountStateQuery, () => view);

  for (let handled = 0; handled < PAYOUT_ACCOUNT_EVENTS_PER_RUN;) {
    if (!(await condition(() => unseen > 0, PAYOUT_ACCOUNT_IDLE))) return view;
    handled += unseen;
    unseen = 0;
    const synced = await stripe.syncPayoutAccount({ stripeAccountId: input.stripeAccountId });
    view.status = synced.status;
    if (synced.recruiterId && synced.transfersActive) {
      await db.retryBlockedSplitsOf({ recruiterId: synced.recruiterId, stripeAccountId: input.stripeAccountId });
    }
  }
  // Events that arrived during the last sync are carried over as a pending wake.
  return continueAsNew<typeof payoutAccountWorkflow>({ stripeAccountId: input.stripeAccountId, pending: unseen > 0, status: view.status });
}
