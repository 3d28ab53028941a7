// Events and signed webhook deliveries.
// - Event object: https://docs.stripe.com/api/events/object ("Retrieve an event", "List all events").
// - Signing: https://docs.stripe.com/webhooks#verify-manually ("Check the webhook signatures"):
//   `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the whsec_ secret>`.
// - Delivery: Stripe does not guarantee order and may deliver an event more than once
//   (https://docs.stripe.com/webhooks#event-ordering, #handle-duplicate-events); the fake can
//   hold deliveries and release them reversed, and redeliver an event on demand. Automatic retries
//   of a failed delivery (Stripe retries for up to three days) are not modelled: a test redelivers.
import { createHmac } from 'node:crypto';
import { now, ok, lister, noSuch, randomId, type Req, type Route } from './wire.js';

export interface FakeEvent {
  id: string;
  object: 'event';
  /** Set on events about a connected account, as Connect endpoints receive them. */
  account?: string;
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  /** The endpoint's HTTP status, or `error` when it could not be reached. */
  status: number | 'error';
  signature: string;
  payload: string;
}

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

/** The `Stripe-Signature` header for `payload` signed at unix time `t`. */
export function signatureHeader(payload: string, secret: string, t = now()): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

export class Webhooks {
  readonly events = new Map<string, FakeEvent>();
  readonly deliveries: WebhookDelivery[] = [];
  private endpoint: WebhookEndpoint | null = null;
  private held: FakeEvent[] | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly apiVersion: string) {}

  configure(endpoint: WebhookEndpoint | null): void {
    this.endpoint = endpoint;
  }

  /** Records an event (snapshotting `object`) and sends it to the endpoint, if one is configured. */
  emit(type: string, object: unknown, opts: { req?: Req | null; previous?: Record<string, unknown>; account?: string } = {}): FakeEvent {
    const event: FakeEvent = {
      id: randomId('evt'),
      object: 'event',
      ...(opts.account && { account: opts.account }),
      api_version: this.apiVersion,
      created: now(),
      data: { object: structuredClone(object), ...(opts.previous && { previous_attributes: opts.previous }) },
      livemode: false,
      pending_webhooks: this.endpoint ? 1 : 0,
      // Events caused by an API request name it; automatic ones (a dashboard click, here a
      // /_fake control call) carry nulls, as the event object reference describes.
      request: { id: opts.req?.requestId ?? null, idempotency_key: opts.req?.idempotencyKey ?? null },
      type,
    };
    this.events.set(event.id, event);
    if (this.held) this.held.push(event);
    else void this.send(event);
    return event;
  }

  /** Queues deliveries instead of sending them, until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /**
   * Sends the held events one after another (each answered before the next goes), in the order
   * they happened or reversed, so the receiver sees exactly that order.
   */
  release(order: 'sent' | 'reverse' = 'sent'): void {
    const held = this.held ?? [];
    this.held = null;
    const ordered = order === 'reverse' ? held.reverse() : held;
    this.track(
      (async () => {
        for (const event of ordered) await this.send(event);
      })(),
    );
  }

  /** Sends a stored event again: same id and payload, a fresh signature timestamp. */
  redeliver(id: string): boolean {
    const event = this.events.get(id);
    if (event) void this.send(event);
    return Boolean(event);
  }

  /** Resolves once every delivery sent so far has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  clear(): void {
    this.events.clear();
    this.deliveries.length = 0;
    this.held = null;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private send(event: FakeEvent): Promise<void> {
    const endpoint = this.endpoint;
    if (!endpoint) return Promise.resolve();
    const payload = JSON.stringify(event, null, 2);
    const signature = signatureHeader(payload, endpoint.secret);
    const delivery = fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'Stripe-Signature': signature,
      },
      body: payload,
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (res) => {
        await res.arrayBuffer();
        this.deliveries.push({ eventId: event.id, type: event.type, status: res.status, signature, payload });
      },
      () => {
        this.deliveries.push({ eventId: event.id, type: event.type, status: 'error', signature, payload });
      },
    );
    this.track(delivery);
    return delivery;
  }

  routes(): Route[] {
    return [
      ['GET', /^\/v1\/events\/([^/]+)$/, (id) => this.retrieve(id)],
      ['GET', /^\/v1\/events$/, lister(this.events, '/v1/events', ['type'])],
      // Fake-only: what the Dashboard's "Resend" button does.
      ['POST', /^\/_fake\/events\/([^/]+)\/redeliver$/, (id) => (this.redeliver(id) ? ok({ redelivered: id }) : noSuch('event', id))],
    ];
  }

  private retrieve(id: string) {
    const event = this.events.get(id);
    return event ? ok(event) : noSuch('event', id);
  }
}
