// Money in, immediately: customers, payment intents and their charges, refunds, disputes.
import {
  getter,
  invalid,
  lister,
  metadataOf,
  noSuch,
  now,
  ok,
  optBool,
  optEnum,
  optInt,
  optObject,
  optString,
  randomId,
  reqInt,
  reqString,
  stripeError,
  type Params,
  type Req,
  type Result,
  type Route,
} from './wire.js';
import type { Charge, Customer, Dispute, PaymentIntent, Refund, State } from './state.js';

/**
 * Stripe's test PaymentMethods (https://docs.stripe.com/testing#cards, "Declined payments"):
 * `pm_card_visa` succeeds, the declined ones fail with `card_declined` and their decline code.
 */
const TEST_PAYMENT_METHODS: Record<string, { decline?: string }> = {
  pm_card_visa: {},
  pm_card_mastercard: {},
  pm_card_chargeDeclined: { decline: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { decline: 'insufficient_funds' },
};

export function isTestPaymentMethod(id: string): boolean {
  return id in TEST_PAYMENT_METHODS;
}

const refundable = (c: Charge): number => (c.status === 'succeeded' ? c.amount - c.amount_refunded : 0);

// https://docs.stripe.com/api/customers/create, /retrieve, /update
function customerFields(p: Params, c: Partial<Customer>): void {
  for (const field of ['email', 'name', 'description', 'phone'] as const) {
    const value = optString(p, field);
    if (value !== undefined) c[field] = value === '' ? null : value;
  }
  const pm = optString(optObject(p, 'invoice_settings') ?? {}, 'default_payment_method');
  if (pm !== undefined) {
    if (pm && !isTestPaymentMethod(pm)) throw noSuchPaymentMethod(pm);
    c.invoice_settings = { custom_fields: null, default_payment_method: pm || null, footer: null, rendering_options: null };
  }
}

class NoSuchPaymentMethod extends Error {
  constructor(readonly result: Result) {
    super('no such payment method');
  }
}
const noSuchPaymentMethod = (pm: string) =>
  new NoSuchPaymentMethod(invalid(`No such PaymentMethod: '${pm}'`, { code: 'resource_missing', param: 'payment_method' }));

export function paymentRoutes(s: State): Route[] {
  /** Runs `fn`, answering an unknown test PaymentMethod with Stripe's resource_missing. */
  const withPm = (fn: () => Result): Result => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof NoSuchPaymentMethod) return err.result;
      throw err;
    }
  };

  function createCustomer(p: Params): Result {
    const customer: Customer = {
      id: randomId('cus', 14),
      object: 'customer',
      balance: 0,
      created: now(),
      default_source: null,
      description: null,
      email: null,
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: metadataOf(p),
      name: null,
      phone: null,
      shipping: null,
    };
    customerFields(p, customer);
    s.customers.set(customer.id, customer);
    return ok(customer);
  }

  function updateCustomer(id: string, p: Params): Result {
    const customer = s.customers.get(id);
    if (!customer) return noSuch('customer', id);
    const next = structuredClone(customer);
    customerFields(p, next);
    // Metadata merges; an empty value unsets a key (https://docs.stripe.com/api/metadata).
    for (const [k, v] of Object.entries(metadataOf(p))) {
      if (v === '') delete next.metadata[k];
      else next.metadata[k] = v;
    }
    s.customers.set(id, next);
    return ok(next);
  }

  // https://docs.stripe.com/api/payment_intents/create and /confirm
  function createPaymentIntent(p: Params, req: Req): Result {
    const amount = reqInt(p, 'amount');
    const currency = reqString(p, 'currency').toLowerCase();
    const customer = optString(p, 'customer') ?? null;
    const pm = optString(p, 'payment_method') ?? null;
    const confirm = optBool(p, 'confirm') ?? false;
    if (customer && !s.customers.has(customer)) return noSuch('customer', customer, 'customer');
    if (pm && !isTestPaymentMethod(pm)) return noSuchPaymentMethod(pm).result;
    const intent = newPaymentIntent(s, {
      amount,
      currency,
      customer,
      description: optString(p, 'description') ?? null,
      metadata: metadataOf(p),
      payment_method: pm,
      transfer_group: optString(p, 'transfer_group') ?? null,
    });
    return confirm ? confirmIntent(intent, pm, req) : ok(intent);
  }

  function confirmPaymentIntent(id: string, p: Params, req: Req): Result {
    const intent = s.paymentIntents.get(id);
    if (!intent) return noSuch('payment_intent', id);
    const pm = optString(p, 'payment_method') ?? (intent.payment_method as string | null);
    if (pm && !isTestPaymentMethod(pm)) return noSuchPaymentMethod(pm).result;
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      return invalid(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`,
        { code: 'payment_intent_unexpected_state' },
      );
    }
    return confirmIntent(intent, pm, req);
  }

  function confirmIntent(intent: PaymentIntent, pm: string | null, req: Req): Result {
    if (!pm) {
      return invalid(
        'You cannot confirm this PaymentIntent because it’s missing a payment method. To confirm the PaymentIntent with a customer, please provide a payment method.',
        { code: 'payment_intent_unexpected_state' },
      );
    }
    const { charge, error } = settle(s, intent, pm, req);
    if (error) return error;
    return ok(s.paymentIntents.get(charge.payment_intent as string));
  }

  // https://docs.stripe.com/api/refunds/create: "You can optionally refund only part of a charge.
  // You can do so multiple times, until the entire charge has been refunded. Once entirely
  // refunded, a charge can't be refunded again. This method will raise an error when called on an
  // already-refunded charge, or when trying to refund more money than is left on a charge."
  function createRefundRoute(p: Params, req: Req): Result {
    const chargeId = optString(p, 'charge');
    const intentId = optString(p, 'payment_intent');
    if (!chargeId && !intentId)
      return invalid('One of the following params should be provided for this request: payment_intent or charge.');
    let charge: Charge | undefined;
    if (chargeId) {
      charge = s.charges.get(chargeId);
      if (!charge) return noSuch('charge', chargeId, 'charge');
    } else {
      const intent = s.paymentIntents.get(intentId as string);
      if (!intent) return noSuch('payment_intent', intentId as string, 'payment_intent');
      charge = intent.latest_charge ? s.charges.get(intent.latest_charge as string) : undefined;
      if (!charge || charge.status !== 'succeeded') {
        return invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { param: 'payment_intent' });
      }
    }
    const reason = optEnum(p, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const);
    return refundCharge(s, charge, optInt(p, 'amount'), { reason: reason ?? null, metadata: metadataOf(p) }, req);
  }

  // Fake-only: the customer's bank opens a dispute (https://docs.stripe.com/disputes; event
  // `charge.dispute.created` per https://docs.stripe.com/api/events/types). The charge reads
  // `disputed: true` from then on ("Whether the charge has been disputed", Charge object).
  function dispute(id: string, p: Params): Result {
    const charge = s.charges.get(id);
    if (!charge) return noSuch('charge', id);
    if (charge.status !== 'succeeded') return invalid(`Charge ${id} has not succeeded and cannot be disputed.`);
    charge.disputed = true;
    const object: Dispute = {
      id: randomId('dp'),
      object: 'dispute',
      amount: charge.amount - charge.amount_refunded,
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: charge.payment_intent,
      reason: optString(p, 'reason') ?? 'fraudulent',
      status: 'needs_response',
    };
    s.disputes.set(object.id, object);
    s.webhooks.emit('charge.dispute.created', object);
    return ok(object);
  }

  // A dispute ends `won` or `lost`; `charge.dispute.closed` "Occurs when a dispute is closed and the
  // dispute status changes to lost, warning_closed, or won" (https://docs.stripe.com/api/events/types).
  // https://docs.stripe.com/api/disputes/close: the merchant accepts it, "the status of the dispute
  // will change from needs_response to lost"; the fake-only control is the bank's decision.
  function closeDispute(id: string, outcome: 'won' | 'lost', req: Req | null): Result {
    const found = s.disputes.get(id);
    if (!found) return noSuch('dispute', id);
    if (found.status === 'won' || found.status === 'lost') return invalid(`Dispute ${id} is already closed (${found.status}).`);
    found.status = outcome;
    s.webhooks.emit('charge.dispute.closed', found, { req });
    return ok(found);
  }

  return [
    ['POST', /^\/v1\/customers$/, (_id, p) => withPm(() => createCustomer(p))],
    ['GET', /^\/v1\/customers\/([^/]+)$/, getter(s.customers, 'customer')],
    ['POST', /^\/v1\/customers\/([^/]+)$/, (id, p) => withPm(() => updateCustomer(id, p))],
    ['POST', /^\/v1\/payment_intents$/, (_id, p, req) => createPaymentIntent(p, req)],
    ['GET', /^\/v1\/payment_intents\/([^/]+)$/, getter(s.paymentIntents, 'payment_intent')],
    ['POST', /^\/v1\/payment_intents\/([^/]+)\/confirm$/, (id, p, req) => confirmPaymentIntent(id, p, req)],
    ['GET', /^\/v1\/charges\/([^/]+)$/, getter(s.charges, 'charge')],
    ['GET', /^\/v1\/charges$/, lister(s.charges, '/v1/charges', ['payment_intent', 'customer'])],
    ['POST', /^\/v1\/refunds$/, (_id, p, req) => createRefundRoute(p, req)],
    ['GET', /^\/v1\/refunds\/([^/]+)$/, getter(s.refunds, 'refund')],
    ['GET', /^\/v1\/refunds$/, lister(s.refunds, '/v1/refunds', ['charge'])],
    ['POST', /^\/_fake\/charges\/([^/]+)\/dispute$/, (id, p) => dispute(id, p)],
    // https://docs.stripe.com/api/disputes/list (filters `charge`, `payment_intent`), /retrieve, /close
    ['GET', /^\/v1\/disputes$/, lister(s.disputes, '/v1/disputes', ['charge', 'payment_intent'])],
    ['GET', /^\/v1\/disputes\/([^/]+)$/, getter(s.disputes, 'dispute')],
    ['POST', /^\/v1\/disputes\/([^/]+)\/close$/, (id, _p, req) => closeDispute(id, 'lost', req)],
    [
      'POST',
      /^\/_fake\/disputes\/([^/]+)\/close$/,
      (id, p) => closeDispute(id, optEnum(p, 'outcome', ['won', 'lost'] as const) ?? 'won', null),
    ],
  ];
}

/** A stored PaymentIntent awaiting confirmation (or a payment method, without one). */
export function newPaymentIntent(
  s: State,
  f: Pick<PaymentIntent, 'amount' | 'currency' | 'customer' | 'description' | 'metadata' | 'payment_method' | 'transfer_group'>,
): PaymentIntent {
  const id = randomId('pi');
  const intent: PaymentIntent = {
    ...f,
    id,
    object: 'payment_intent',
    amount_received: 0,
    canceled_at: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${randomId('x', 12).slice(2)}`,
    confirmation_method: 'automatic',
    created: now(),
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    payment_method_types: ['card'],
    status: f.payment_method ? 'requires_confirmation' : 'requires_payment_method',
  };
  s.paymentIntents.set(id, intent);
  return intent;
}

/**
 * Charges `pm` for `intent`: a succeeded charge and a succeeded intent, or a failed charge, the
 * intent back in requires_payment_method with `last_payment_error`, and Stripe's 402 card_error
 * (https://docs.stripe.com/api/errors: card errors carry `charge`, `decline_code`, `payment_intent`).
 */
export function settle(s: State, intent: PaymentIntent, pm: string, req: Req | null): { charge: Charge; error?: Result } {
  const decline = TEST_PAYMENT_METHODS[pm]?.decline;
  const charge: Charge = {
    id: randomId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: decline ? 0 : intent.amount,
    amount_refunded: 0,
    // The fake keeps no balance, so charges carry no balance transaction.
    balance_transaction: null,
    captured: !decline,
    created: now(),
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    disputed: false,
    failure_code: decline ? 'card_declined' : null,
    failure_message: decline ? 'Your card was declined.' : null,
    livemode: false,
    metadata: intent.metadata,
    paid: !decline,
    payment_intent: intent.id,
    payment_method: pm,
    refunded: false,
    status: decline ? 'failed' : 'succeeded',
    transfer_group: intent.transfer_group,
  };
  s.charges.set(charge.id, charge);
  intent.latest_charge = charge.id;
  intent.payment_method = pm;
  if (!decline) {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.last_payment_error = null;
    s.webhooks.emit('payment_intent.succeeded', intent, { req });
    return { charge };
  }
  intent.status = 'requires_payment_method';
  const lastError = {
    type: 'card_error' as const,
    code: 'card_declined',
    decline_code: decline,
    message: 'Your card was declined.',
    charge: charge.id,
  };
  intent.last_payment_error = lastError as PaymentIntent['last_payment_error'];
  s.webhooks.emit('payment_intent.payment_failed', intent, { req });
  return {
    charge,
    error: stripeError(402, 'card_error', lastError.message, {
      code: 'card_declined',
      decline_code: decline,
      charge: charge.id,
      payment_intent: structuredClone(intent),
    }),
  };
}

/** A refund of `amount` (default: all that is left) on `charge`, bounded by what is refundable. */
export function refundCharge(
  s: State,
  charge: Charge,
  amount: number | undefined,
  extra: { reason: Refund['reason']; metadata: Record<string, string> },
  req: Req | null,
): Result {
  const left = refundable(charge);
  if (charge.status === 'succeeded' && left === 0) {
    // Message as Stripe's error-codes page and client libraries report it; not on the API reference.
    return invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  }
  if (charge.status !== 'succeeded') return invalid(`Charge ${charge.id} has not succeeded and cannot be refunded.`, { param: 'charge' });
  const requested = amount ?? left;
  if (requested > left) {
    const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
    // Wording reported by Stripe users (not on the API reference page).
    return invalid(`Refund amount (${dollars(requested)}) is greater than unrefunded amount on charge (${dollars(left)})`, {
      param: 'amount',
    });
  }
  const refund: Refund = {
    id: randomId('re'),
    object: 'refund',
    amount: requested,
    balance_transaction: null,
    charge: charge.id,
    created: now(),
    currency: charge.currency,
    metadata: extra.metadata,
    payment_intent: charge.payment_intent,
    reason: extra.reason,
    status: 'succeeded',
  };
  s.refunds.set(refund.id, refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += requested;
  charge.refunded = charge.amount_refunded === charge.amount;
  s.webhooks.emit('charge.refunded', charge, { req, previous });
  return ok(refund);
}
