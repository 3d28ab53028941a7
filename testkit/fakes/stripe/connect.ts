// Money out and the accounts it goes to: Connect accounts, onboarding links, transfers (optionally
// funded by a charge through `source_transaction`) and transfer reversals.
import type Stripe from 'stripe';
import {
  emptyList,
  getter,
  invalid,
  list,
  lister,
  mask,
  metadataOf,
  noSuch,
  now,
  ok,
  optEnum,
  optInt,
  optObject,
  optString,
  ParamError,
  randomId,
  reqInt,
  reqString,
  stripeError,
  type Params,
  type Req,
  type Result,
  type Route,
} from './wire.js';
import type { Account, State } from './state.js';

/** What an Express account still owes Stripe before onboarding (https://docs.stripe.com/connect/required-verification-information). */
const ONBOARDING_DUE = ['business_type', 'external_account', 'tos_acceptance.date', 'tos_acceptance.ip'];

function requirements(due: string[], disabledReason: string | null): Stripe.Account.Requirements {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: disabledReason as Stripe.Account.Requirements.DisabledReason | null,
    errors: [],
    eventually_due: due,
    past_due: due,
    pending_verification: [],
  };
}

/** The onboarding-dependent fields, for `previous_attributes` and for flipping them together. */
function onboarding(a: Account) {
  return {
    capabilities: a.capabilities,
    charges_enabled: a.charges_enabled,
    details_submitted: a.details_submitted,
    payouts_enabled: a.payouts_enabled,
    requirements: a.requirements,
  };
}

/**
 * An account with (`enabled`) or without a finished onboarding. Real Stripe refuses transfers on
 * the `transfers` capability; an account that has not finished onboarding has it inactive and
 * payouts disabled together, which is what this models.
 */
function setOnboarded(a: Account, enabled: boolean, due: string[] = ONBOARDING_DUE): void {
  const state = enabled ? 'active' : 'inactive';
  a.capabilities = Object.fromEntries(Object.keys(a.capabilities ?? { transfers: 1 }).map((k) => [k, state]));
  a.charges_enabled = enabled;
  a.payouts_enabled = enabled;
  // "Whether account details have been submitted" (https://docs.stripe.com/api/accounts/object):
  // once onboarding was submitted it stays so when Stripe later asks for more (`/require`).
  a.details_submitted = enabled || a.details_submitted === true;
  a.requirements = requirements(enabled ? [] : due, enabled ? null : 'requirements.past_due');
}

export function newAccount(s: State, payoutsEnabled: boolean, p: Params = {}): Account {
  const controller = optObject(p, 'controller');
  const dashboard = optString(optObject(controller ?? {}, 'stripe_dashboard') ?? {}, 'type');
  // https://docs.stripe.com/api/accounts/create: either `type` or `controller` properties. The
  // reference does not say what `type` reads for a controller-created account; an account whose
  // dashboard is Express is served as `express`, any other as `none`.
  const type =
    optEnum(p, 'type', ['express', 'standard', 'custom'] as const) ??
    (controller ? (dashboard === 'express' ? 'express' : 'none') : 'express');
  const requested = Object.keys(optObject(p, 'capabilities') ?? {});
  const account: Account = {
    id: randomId('acct', 16),
    object: 'account',
    type,
    business_type: null,
    capabilities: Object.fromEntries((requested.length ? requested : ['transfers']).map((k) => [k, 'inactive'])),
    charges_enabled: false,
    payouts_enabled: false,
    details_submitted: false,
    country: optString(p, 'country') ?? 'US',
    default_currency: 'usd',
    email: optString(p, 'email') ?? null,
    created: now(),
    metadata: metadataOf(p),
    ...(controller && {
      controller: {
        fees: { payer: optString(optObject(controller, 'fees') ?? {}, 'payer') ?? 'application' },
        is_controller: true,
        losses: { payments: optString(optObject(controller, 'losses') ?? {}, 'payments') ?? 'application' },
        requirement_collection: optString(controller, 'requirement_collection') ?? 'stripe',
        stripe_dashboard: { type: dashboard ?? 'express' },
        type: 'application',
      } as Stripe.Account.Controller,
    }),
  };
  setOnboarded(account, payoutsEnabled);
  s.accounts.set(account.id, account);
  return account;
}

export function connectRoutes(s: State): Route[] {
  function getAccount(id: string, req: Req): Result {
    const account = s.accounts.get(id);
    if (account) return ok(account);
    return stripeError(
      403,
      'invalid_request_error',
      `The provided key '${mask(req.apiKey)}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
      { code: 'account_invalid' },
    );
  }

  // https://docs.stripe.com/api/account_links/create: a single-use URL for Stripe-hosted
  // onboarding; `refresh_url` and `return_url` are where Stripe sends the user afterwards. The
  // reference's example object expires 300 s after it was created. "You can't create [links of
  // type account_update] for accounts that have access to a Stripe-hosted Dashboard" (Express
  // accounts do); the refusal's wording is not published, the fake's is its own.
  function createAccountLink(p: Params, req: Req): Result {
    const id = reqString(p, 'account');
    const type = optEnum(p, 'type', ['account_onboarding', 'account_update'] as const);
    if (!type) throw new ParamError('Missing required param: type.', 'type', 'parameter_missing');
    const account = s.accounts.get(id);
    if (!account) return getAccount(id, req);
    const dashboard = account.controller?.stripe_dashboard?.type ?? (account.type === 'custom' ? 'none' : account.type);
    if (type === 'account_update' && dashboard !== 'none') {
      return invalid(`You cannot create \`account_update\` links for account ${id}: it has access to a Stripe-hosted Dashboard.`, {
        param: 'type',
      });
    }
    const returnUrl = optString(p, 'return_url') ?? '';
    const created = now();
    const url = `${s.url}/_fake/connect/onboarding/${id}?${new URLSearchParams({ return_url: returnUrl, refresh_url: optString(p, 'refresh_url') ?? '' })}`;
    return ok({ object: 'account_link', created, expires_at: created + 300, url } satisfies Stripe.AccountLink);
  }

  /** Fake-only: the user finished (or lost) onboarding; Stripe then sends `account.updated`. */
  function changeOnboarding(id: string, enabled: boolean, due?: string[]): Result {
    const account = s.accounts.get(id);
    if (!account) return noSuch('account', id);
    const previous = structuredClone(onboarding(account));
    setOnboarded(account, enabled, due);
    s.webhooks.emit('account.updated', account, { previous, account: account.id });
    return ok(account);
  }

  /** A page the account link points to, with the button a recruiter clicks in dev. */
  function onboardingPage(id: string, p: Params): Result {
    if (!s.accounts.has(id)) return noSuch('account', id);
    const back = optString(p, 'return_url') ?? '';
    const html = `<!doctype html><title>Fake Stripe onboarding</title><h1>Onboarding ${id}</h1>
<form method="post" action="/_fake/accounts/${id}/complete-onboarding?return_url=${encodeURIComponent(back)}">
<button>Complete onboarding</button></form>`;
    return { status: 200, body: html, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
  }

  function completeOnboarding(id: string, p: Params): Result {
    const result = changeOnboarding(id, true);
    const back = optString(p, 'return_url');
    return back && result.status === 200 ? { status: 303, body: '', headers: { Location: back } } : result;
  }

  /**
   * https://docs.stripe.com/api/transfers/create. With `source_transaction` the transfer is tied
   * to a charge; "Transfer and charge amounts don't have to match" but a transfer funded by a
   * charge cannot take more than that charge has left
   * (https://docs.stripe.com/connect/separate-charges-and-transfers#transfer-availability).
   * The reference does not publish the refusal's wording or code; the fake answers
   * `invalid_request_error` with `balance_insufficient` (the code Stripe's error-codes page gives
   * for a transfer an account's balance cannot cover) and `param: source_transaction`.
   */
  function createTransfer(p: Params): Result {
    const amount = reqInt(p, 'amount');
    const currency = reqString(p, 'currency').toLowerCase();
    const destination = reqString(p, 'destination');
    const sourceTransaction = optString(p, 'source_transaction') ?? null;
    const metadata = metadataOf(p);

    const account = s.accounts.get(destination);
    if (!account) return invalid(`No such destination: '${destination}'`, { code: 'resource_missing', param: 'destination' });
    if (account.capabilities?.transfers !== 'active') {
      return invalid(
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        { code: 'insufficient_capabilities_for_transfer', param: 'destination' },
      );
    }
    if (sourceTransaction) {
      const refused = refuseFromCharge(sourceTransaction, amount, currency);
      if (refused) return refused;
    }
    const id = randomId('tr');
    const transfer: Stripe.Transfer = {
      id,
      object: 'transfer',
      amount,
      amount_reversed: 0,
      balance_transaction: randomId('txn'),
      created: now(),
      currency,
      description: optString(p, 'description') ?? null,
      destination,
      destination_payment: randomId('py'),
      livemode: false,
      metadata,
      reversals: emptyList(`/v1/transfers/${id}/reversals`),
      reversed: false,
      source_transaction: sourceTransaction,
      source_type: 'card',
      transfer_group: optString(p, 'transfer_group') ?? null,
    };
    s.transfers.set(id, transfer);
    return ok(transfer);
  }

  /** Why a transfer of `amount` cannot draw on charge `id`, if it cannot. */
  function refuseFromCharge(id: string, amount: number, currency: string): Result | undefined {
    const charge = s.charges.get(id);
    // `source_transaction` takes a charge id (ch_…), not a PaymentIntent's (stripe-php issue #1074).
    if (!charge) return invalid(`No such charge: '${id}'`, { code: 'resource_missing', param: 'source_transaction' });
    if (charge.status !== 'succeeded') {
      return invalid(`The source transaction ${id} has not succeeded, so it cannot fund a transfer.`, {
        code: 'balance_insufficient',
        param: 'source_transaction',
      });
    }
    if (charge.currency !== currency) {
      return invalid(`The currency of the transfer (${currency}) must match the source transaction's (${charge.currency}).`, {
        param: 'currency',
      });
    }
    const drawn = [...s.transfers.values()]
      .filter((t) => t.source_transaction === id)
      .reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);
    const available = charge.amount - charge.amount_refunded - drawn;
    if (amount > available) {
      return invalid(
        `Insufficient funds on the source transaction ${id}: the transfer amount (${amount}) exceeds the amount still available to transfer from it (${available}).`,
        { code: 'balance_insufficient', param: 'source_transaction' },
      );
    }
    return undefined;
  }

  // https://docs.stripe.com/api/transfer_reversals/create
  function createReversal(transferId: string, p: Params): Result {
    const requested = optInt(p, 'amount');
    const metadata = metadataOf(p);
    const transfer = s.transfers.get(transferId);
    if (!transfer) return noSuch('transfer', transferId);
    const remaining = transfer.amount - transfer.amount_reversed;
    const amount = requested ?? remaining;
    if (remaining === 0 || amount > remaining) {
      return invalid(
        `Transfer reversal amount (${amount}) is greater than the unreversed amount on transfer ${transferId} (${remaining}).`,
        { param: 'amount' },
      );
    }
    const reversal: Stripe.TransferReversal = {
      id: randomId('trr'),
      object: 'transfer_reversal',
      amount,
      balance_transaction: randomId('txn'),
      created: now(),
      currency: transfer.currency,
      destination_payment_refund: randomId('pyr'),
      metadata,
      source_refund: null,
      transfer: transfer.id,
    };
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    transfer.reversals.data.unshift(reversal);
    return ok(reversal);
  }

  return [
    ['POST', /^\/v1\/accounts$/, (_id, p) => ok(newAccount(s, false, p))],
    ['GET', /^\/v1\/accounts$/, (_id, p) => list([...s.accounts.values()], p, '/v1/accounts')],
    ['GET', /^\/v1\/accounts\/([^/]+)$/, (id, _p, req) => getAccount(id, req)],
    ['POST', /^\/v1\/account_links$/, (_id, p, req) => createAccountLink(p, req)],
    ['GET', /^\/_fake\/connect\/onboarding\/([^/]+)$/, (id, p) => onboardingPage(id, p)],
    ['POST', /^\/_fake\/accounts\/([^/]+)\/complete-onboarding$/, (id, p) => completeOnboarding(id, p)],
    [
      'POST',
      /^\/_fake\/accounts\/([^/]+)\/require$/,
      (id, p) => {
        const due = Object.values(optObject(p, 'currently_due') ?? {}).filter((v): v is string => typeof v === 'string');
        return changeOnboarding(id, false, due.length ? due : ONBOARDING_DUE);
      },
    ],
    ['POST', /^\/v1\/transfers$/, (_id, p) => createTransfer(p)],
    ['GET', /^\/v1\/transfers$/, lister(s.transfers, '/v1/transfers', ['transfer_group', 'destination'])],
    ['GET', /^\/v1\/transfers\/([^/]+)$/, getter(s.transfers, 'transfer')],
    ['POST', /^\/v1\/transfers\/([^/]+)\/reversals$/, (id, p) => createReversal(id, p)],
  ];
}
