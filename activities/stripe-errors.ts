import type Stripe from 'stripe';

/** Stripe errors retrying cannot fix: the request itself is refused (bad account, capability, params). */
export function isPermanent(err: unknown): err is Stripe.errors.StripeError {
  const e = err as Partial<Stripe.errors.StripeError>;
  if (typeof e?.type !== 'string' || !e.type.startsWith('Stripe')) return false;
  if (e.code === 'lock_timeout' || e.code === 'rate_limit') return false;
  return ['StripeInvalidRequestError', 'StripePermissionError', 'StripeCardError', 'StripeIdempotencyError'].includes(e.type);
}

/** Stripe's message and code, as the product records a refusal. */
export const stripeMessage = (err: Stripe.errors.StripeError) => `${err.message}${err.code ? ` (${err.code})` : ''}`;
