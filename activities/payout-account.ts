import { log } from '@temporalio/activity';
import { type Client, WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type Stripe from 'stripe';
import type { Db } from '../lib/db.js';
import { payoutAccountsDal } from '../db/dal/payout-accounts.js';
import { SYSTEM_ACTOR } from '../domain/actors.js';
import { changeSplitAccountUpdate } from '../domain/payout.js';
import { type PayoutAccountStatus, type StripeAccountFacts, payoutAccountStatus } from '../domain/payout-account.js';

/** What the product reads of Stripe's Account object (https://docs.stripe.com/api/accounts/object). */
export function accountFacts(account: Stripe.Account): StripeAccountFacts {
  return {
    detailsSubmitted: account.details_submitted === true,
    payoutsEnabled: account.payouts_enabled === true,
    transfersActive: account.capabilities?.transfers === 'active',
    currentlyDue: account.requirements?.currently_due ?? [],
    disabledReason: account.requirements?.disabled_reason ?? null,
  };
}

export interface PayoutAccountSync {
  /** Null when no recruiter connected this account through the product: nothing was written. */
  recruiterId: string | null;
  status: PayoutAccountStatus;
  transfersActive: boolean;
}

/** The payout-account workflow's steps: re-read the account from Stripe, project it, retry blocked splits. */
export function createPayoutAccountActivities({ stripe, db, temporal }: { stripe: Stripe; db: Db; temporal: Client }) {
  const accounts = payoutAccountsDal(db);
  return {
    /**
     * Retrieves the account from Stripe (not from the event: duplicate and out-of-order events
     * then converge on Stripe's current state) and writes the recruiter's projection.
     */
    async syncPayoutAccount(input: { stripeAccountId: string }): Promise<PayoutAccountSync> {
      let account: Stripe.Account;
      try {
        account = await stripe.accounts.retrieve(input.stripeAccountId);
      } catch (err) {
        // Stripe refuses the account for good (gone, or access revoked: 403 account_invalid): nothing to project.
        const type = (err as Partial<Stripe.errors.StripeError>)?.type;
        if (type !== 'StripePermissionError' && type !== 'StripeInvalidRequestError') throw err;
        log.warn('Stripe refused to retrieve the account', { stripeAccountId: input.stripeAccountId, error: String(err) });
        const row = await accounts.byStripeAccount(input.stripeAccountId);
        return { recruiterId: null, status: row?.status ?? 'not_connected', transfersActive: false };
      }
      const facts = accountFacts(account);
      const projected = await accounts.project(input.stripeAccountId, facts);
      if (!projected) log.warn('account.updated for an account no recruiter connected here', { stripeAccountId: input.stripeAccountId });
      return {
        recruiterId: projected?.row.recruiter_id ?? null,
        status: projected?.row.status ?? payoutAccountStatus(facts),
        transfersActive: facts.transfersActive,
      };
    },

    /**
     * Asks each payout that holds a blocked split of the recruiter to transfer it again, to this
     * account (the existing `changeSplitAccount` update, sent as the system). A split answered
     * meanwhile (retried, cancelled, paid) is refused by the payout's validator and skipped.
     */
    async retryBlockedSplitsOf(input: { recruiterId: string; stripeAccountId: string }): Promise<{ retried: string[] }> {
      const retried: string[] = [];
      for (const split of await accounts.blockedSplitsOf(input.recruiterId)) {
        try {
          await temporal.workflow.getHandle(split.workflowId).executeUpdate(changeSplitAccountUpdate, {
            args: [
              {
                splitId: split.splitId,
                actor: SYSTEM_ACTOR,
                stripeAccountId: input.stripeAccountId,
                updateRecruiterAccount: false,
                reason: "the recruiter's connected account can receive transfers",
              },
            ],
          });
          retried.push(split.splitId);
        } catch (err) {
          if (!(err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError)) throw err;
          log.info('blocked split not retried', { splitId: split.splitId, reason: String(err.cause ?? err.message) });
        }
      }
      return { retried };
    },
  };
}
