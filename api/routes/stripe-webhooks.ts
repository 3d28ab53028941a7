import express, { Router } from 'express';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import Stripe from 'stripe';
import type { Db } from '../../lib/db.js';
import { withTransaction } from '../../db/dal/once.js';
import { payoutAccountsDal } from '../../db/dal/payout-accounts.js';
import { type PaymentReference, placementMoneyDal } from '../../db/dal/placement-money.js';
import { feePaymentEventSignal } from '../../domain/payment.js';
import { STRIPE_ACCOUNT_ID } from '../../domain/payout.js';
import { type PayoutAccountWorkflow, STRIPE_WEBHOOK_TOLERANCE_SECONDS, accountUpdatedSignal } from '../../domain/payout-account.js';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { badRequest, unavailable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';
import { stripeWebhookAckDto } from './stripe-webhooks.schemas.js';

const idOf = (ref: string | { id?: string } | null | undefined): unknown => (typeof ref === 'string' ? ref : ref?.id);

/**
 * The fee invoice or the charge a money-in event is about, for the types that change what we
 * know of a placement's payment (https://docs.stripe.com/api/events/types). An invoice event's
 * object is the Invoice (https://docs.stripe.com/api/invoices/object); `charge.refunded`'s the
 * Charge; a dispute event's the Dispute, whose `charge` names the disputed charge
 * (https://docs.stripe.com/api/disputes/object#dispute_object-charge); `credit_note.created`'s the
 * CreditNote, whose `invoice` names the invoice it credits
 * (https://docs.stripe.com/api/credit_notes/object#credit_note_object-invoice). `invoice.finalized`
 * is not among them: the workflow's own activity finalizes the invoice and reads the result.
 * Undefined for any other type; a malformed id is a 400.
 */
function paymentReference(event: Stripe.Event): PaymentReference | undefined {
  const named = (kind: 'invoiceId' | 'chargeId', id: unknown): PaymentReference => {
    if (typeof id !== 'string' || id.length === 0 || id.length > 255)
      throw badRequest(`${event.type} names no ${kind === 'invoiceId' ? 'invoice' : 'charge'}`);
    return kind === 'invoiceId' ? { invoiceId: id } : { chargeId: id };
  };
  switch (event.type) {
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
    case 'invoice.payment_failed':
    case 'invoice.voided':
    case 'invoice.marked_uncollectible':
      return named('invoiceId', event.data.object.id);
    case 'credit_note.created':
      return named('invoiceId', idOf(event.data.object.invoice));
    case 'charge.refunded':
      return named('chargeId', event.data.object.id);
    case 'charge.dispute.created':
    case 'charge.dispute.updated':
    case 'charge.dispute.closed':
      return named('chargeId', idOf(event.data.object.charge));
    default:
      return undefined;
  }
}

/**
 * Stripe's webhook (no JWT: the `Stripe-Signature` proves the sender). Mounted before the JSON
 * parser, since the signature covers the raw body byte for byte. The SDK's helper verifies it
 * (https://docs.stripe.com/webhooks#verify-official-libraries; tolerance 300 s). Stripe may deliver
 * an event more than once and out of order (https://docs.stripe.com/webhooks#handle-duplicate-events):
 * each event id is recorded once, a repeat is acknowledged as a duplicate. Each handled event only
 * wakes its workflow, which re-reads the object from Stripe itself:
 * - `account.updated` signals (or starts) the account's payout-account workflow;
 * - money-in events (the fee invoice, its charge, a dispute, a credit note) signal the placement
 *   whose fee it is, found by our own record of the invoice or charge, never by the object's
 *   metadata; an invoice or charge we did not create is not ours: acknowledged and ignored.
 */
export function stripeWebhookRoutes({
  temporal,
  db,
  registry,
  secret,
  taskQueue,
}: {
  temporal: Client;
  db: Db;
  registry: Operation[];
  secret?: string;
  taskQueue: string;
}): Router {
  const router = Router();
  const accounts = payoutAccountsDal(db);
  const money = placementMoneyDal(db);
  const PATH = '/webhooks/stripe';
  router.use(PATH, express.raw({ type: () => true, limit: '512kb' }));

  /** Recorded and signalled in one transaction: a failed signal forgets the event, so Stripe's redelivery is not taken for a duplicate. */
  async function accountUpdated(event: Stripe.AccountUpdatedEvent) {
    const stripeAccountId = event.data.object.id;
    if (!STRIPE_ACCOUNT_ID.test(stripeAccountId)) throw badRequest('account.updated names no connected account');
    // A concurrent repeat waits on the first's row.
    const fresh = await withTransaction(db, async (trx) => {
      if (!(await accounts.recordEvent({ id: event.id, type: event.type, account: stripeAccountId }, trx))) return false;
      await temporal.workflow.signalWithStart<PayoutAccountWorkflow, [{ eventId: string }]>(WORKFLOW_TYPES.payoutAccount, {
        workflowId: workflowIds.payoutAccount(stripeAccountId),
        taskQueue,
        args: [{ stripeAccountId }],
        signal: accountUpdatedSignal,
        signalArgs: [{ eventId: event.id }],
      });
      return true;
    });
    return fresh ? { received: true as const } : { received: true as const, duplicate: true as const };
  }

  /** As above; a placement whose workflow has ended keeps the event recorded (nothing left to act on it). */
  async function paymentEvent(event: Stripe.Event, ref: PaymentReference) {
    const placement = await money.placementOf(ref);
    if (!placement) return { received: true as const, ignored: true as const };
    const outcome = await withTransaction(db, async (trx) => {
      if (!(await money.recordEvent({ id: event.id, type: event.type, placementId: placement.placementId }, trx))) return 'duplicate';
      try {
        await temporal.workflow.getHandle(placement.workflowId).signal(feePaymentEventSignal, { eventId: event.id, type: event.type });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'closed';
        throw err;
      }
      return 'signalled';
    });
    if (outcome === 'duplicate') return { received: true as const, duplicate: true as const };
    return outcome === 'closed' ? { received: true as const, placementClosed: true as const } : { received: true as const };
  }

  route(
    router,
    registry,
    {
      method: 'post',
      path: PATH,
      summary: 'Stripe webhook: connected account updates and the placement fee payments (Stripe-Signature)',
      auth: false,
      responses: {
        200: {
          description:
            "Handed to its workflow; recorded against a placement whose process has ended (placementClosed); a repeat (duplicate); or a type not handled or an invoice / charge that is not a placement's fee (ignored)",
          schema: stripeWebhookAckDto,
        },
        400: { description: 'Missing, forged or stale Stripe-Signature (more than 300 s old), or not a Stripe event' },
        503: { description: 'STRIPE_WEBHOOK_SECRET is not configured' },
      },
    },
    async ({ req }) => {
      if (!secret) throw unavailable('webhook_not_configured', 'the Stripe webhook secret is not configured');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(raw, req.header('stripe-signature') ?? '', secret, STRIPE_WEBHOOK_TOLERANCE_SECONDS);
      } catch (err) {
        throw badRequest(`the Stripe-Signature does not verify: ${(err as Error).message}`);
      }
      if (event.type === 'account.updated') return { status: 200, body: await accountUpdated(event) };
      const ref = paymentReference(event);
      // Anything else is acknowledged, so Stripe stops redelivering it.
      if (!ref) return { status: 200, body: { received: true, ignored: true } };
      return { status: 200, body: await paymentEvent(event, ref) };
    },
  );

  return router;
}
