import { Router } from 'express';
import Stripe from 'stripe';
import type { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { namesDal } from '../../db/dal/names.js';
import { payoutAccountsDal, type PayoutAccountRow } from '../../db/dal/payout-accounts.js';
import { readableDisabledReason, readableRequirements } from '../../domain/payout-account.js';
import { actorOf } from '../auth.js';
import { forbidden, notFound, unavailable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';
import { connectBody, onboardingLinkDto, payoutAccountDto, recruiterParams } from './payout-accounts.schemas.js';

/** The Stripe idempotency key of a recruiter's one Express account (stored before Stripe is called). */
export const payoutAccountIdempotencyKey = (recruiterId: string) => `payout-account-${recruiterId}`;

function toDto(recruiterId: string, name: string, row: PayoutAccountRow | undefined): z.infer<typeof payoutAccountDto> {
  if (!row?.stripe_account_id) {
    return {
      recruiterId,
      recruiterName: name,
      status: 'not_connected',
      stripeAccountId: null,
      payoutsEnabled: false,
      transfersActive: false,
      stillDue: [],
      currentlyDue: [],
      disabledReason: null,
      disabledExplanation: null,
      updatedAt: row?.updated_at.toISOString() ?? null,
    };
  }
  return {
    recruiterId,
    recruiterName: name,
    status: row.status,
    stripeAccountId: row.stripe_account_id,
    payoutsEnabled: row.payouts_enabled,
    transfersActive: row.transfers_active,
    stillDue: readableRequirements(row.currently_due),
    currentlyDue: row.currently_due,
    disabledReason: row.disabled_reason,
    disabledExplanation: readableDisabledReason(row.disabled_reason),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * Recruiters connect their own Stripe Express account (product §3.3, "Connected accounts"): the
 * API creates it once and hands out an onboarding link; what Stripe says about it afterwards
 * arrives by `account.updated` webhooks and is projected by the payout-account workflow.
 */
export function payoutAccountRoutes({
  db,
  registry,
  stripe,
  publicUrl,
}: {
  db: Db;
  registry: Operation[];
  /** Without it, connecting an account answers 503 (reading the status still works). */
  stripe?: Stripe;
  publicUrl: string;
}): Router {
  const router = Router();
  const accounts = payoutAccountsDal(db);
  const names = namesDal(db);

  async function read(recruiterId: string) {
    const name = (await names.recruiters([recruiterId])).get(recruiterId);
    if (name === undefined) throw notFound('recruiter');
    return toDto(recruiterId, name, await accounts.ofRecruiter(recruiterId));
  }

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/me/payout-account',
      summary: "The recruiter's Stripe payout account: status and what Stripe still needs (recruiter)",
      roles: ['recruiter'],
      responses: {
        200: { description: 'The payout account (status not_connected before onboarding starts)', schema: payoutAccountDto },
        403: { description: 'Not a recruiter' },
      },
    },
    async ({ res }) => {
      const actor = actorOf(res);
      if (!actor.recruiterId) throw forbidden('this user has no recruiter profile');
      return { status: 200, body: await read(actor.recruiterId) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/me/payout-account',
      summary:
        "Connect with Stripe: creates the recruiter's Express account once and answers a fresh onboarding link to send them to (recruiter)",
      body: connectBody,
      roles: ['recruiter'],
      responses: {
        200: { description: 'The onboarding link (single use, expires in minutes)', schema: onboardingLinkDto },
        400: { description: 'A body other than {} (or none)' },
        403: { description: 'Not a recruiter' },
        503: { description: 'Stripe is not configured or unavailable (payouts_unavailable); retry' },
      },
    },
    async ({ res }) => {
      const actor = actorOf(res);
      if (!actor.recruiterId) throw forbidden('this user has no recruiter profile');
      if (!stripe) throw unavailable('payouts_unavailable', 'Stripe is not configured');
      const recruiterId = actor.recruiterId;
      // The key is stored before Stripe is asked: a retry after a lost answer or a crash creates
      // the same account (Stripe answers a repeated key with the first result), never a second one.
      const { row } = await accounts.claim(recruiterId, payoutAccountIdempotencyKey(recruiterId), new Date());
      let accountId = row.stripe_account_id;
      try {
        if (!accountId) {
          // https://docs.stripe.com/api/accounts/create: an Express account asking for `transfers`
          // (the capability a platform's transfers to it need).
          const account = await stripe.accounts.create(
            { type: 'express', capabilities: { transfers: { requested: true } }, metadata: { recruiter_id: recruiterId } },
            { idempotencyKey: row.idempotency_key },
          );
          accountId = (await accounts.setAccount(recruiterId, account.id, actor)).stripe_account_id!;
        }
        // https://docs.stripe.com/api/account_links/create: type account_onboarding; Stripe sends the
        // recruiter to return_url when they leave the flow, to refresh_url when the link expired or was used.
        const back = `${publicUrl.replace(/\/+$/, '')}/#/account/payouts`;
        const link = await stripe.accountLinks.create({
          account: accountId,
          type: 'account_onboarding',
          return_url: `${back}?onboarding=returned`,
          refresh_url: `${back}?onboarding=refresh`,
        });
        return {
          status: 200,
          body: { url: link.url, stripeAccountId: accountId, expiresAt: new Date(link.expires_at * 1000).toISOString() },
        };
      } catch (err) {
        if (!(err instanceof Stripe.errors.StripeError)) throw err;
        throw unavailable('payouts_unavailable', `Stripe did not answer the onboarding request: ${err.message}`);
      }
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/recruiters/:id/payout-account',
      summary: "A recruiter's Stripe payout account: status and what Stripe still needs (platform admin)",
      params: recruiterParams,
      roles: ['platform_admin'],
      responses: {
        200: { description: 'The payout account', schema: payoutAccountDto },
        403: { description: 'Not a platform admin' },
        404: { description: 'Recruiter not found' },
      },
    },
    async ({ params }) => ({ status: 200, body: await read(params.id) }),
  );

  return router;
}
