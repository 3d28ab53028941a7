import Stripe from 'stripe';
import { Resend } from 'resend';
import type { AppConfig } from './config.js';

/** The real Stripe SDK; STRIPE_API_BASE points it at a local fake in dev and tests. */
export function createStripe(config: Pick<AppConfig, 'STRIPE_API_BASE'> & { STRIPE_SECRET_KEY: string }): Stripe {
  const base = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : undefined;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base && { host: base.hostname, port: Number(base.port), protocol: base.protocol.replace(':', '') as 'http' | 'https' }),
  });
}

/** The real Resend SDK; RESEND_BASE_URL points it at a local fake in dev and tests. */
export function createResend(config: Pick<AppConfig, 'RESEND_BASE_URL'> & { RESEND_API_KEY: string }): Resend {
  return new Resend(config.RESEND_API_KEY, config.RESEND_BASE_URL ? { baseUrl: config.RESEND_BASE_URL } : undefined);
}
