// A local HTTP endpoint that records webhook deliveries as sent (raw body and signature header),
// for checking them with the real SDK's `stripe.webhooks.constructEvent`.
import { listen, readBody } from '../../testkit/fakes/http.js';

export interface ReceivedWebhook {
  signature: string;
  body: string;
}

export interface WebhookListener {
  url: string;
  received: ReceivedWebhook[];
  /** The `type` of each event received, in arrival order. */
  types(): string[];
  close(): Promise<void>;
}

export async function startWebhookListener(): Promise<WebhookListener> {
  const received: ReceivedWebhook[] = [];
  const server = await listen(async (req, res) => {
    const body = await readBody(req);
    received.push({ signature: String(req.headers['stripe-signature'] ?? ''), body });
    res.writeHead(200).end();
  });
  return {
    url: `${server.url}/webhooks/stripe`,
    received,
    types: () => received.map((r) => (JSON.parse(r.body) as { type: string }).type),
    close: server.close,
  };
}
