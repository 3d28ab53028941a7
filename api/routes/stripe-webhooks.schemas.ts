import { z } from 'zod';

/** The answer to a Stripe delivery (any 2xx stops Stripe's redelivery). */
export const stripeWebhookAckDto = z.object({
  received: z.literal(true),
  /** The event id was received before: nothing is done twice. */
  duplicate: z.literal(true).optional(),
  /** A type not handled, or an invoice or charge that is not a placement's fee: acknowledged, nothing kept. */
  ignored: z.literal(true).optional(),
  /** The placement's process has ended: the event is recorded against the placement, nothing acts on it. */
  placementClosed: z.literal(true).optional(),
});
