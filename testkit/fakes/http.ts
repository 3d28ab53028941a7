// Shared plumbing for the fake Stripe and Resend servers: a loopback node:http
// server, body reading, JSON replies, and a queue of injected failures.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface Listening {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1; port 0 (the default) lets the OS pick a free one. */
export async function listen(handler: Handler, port = 0): Promise<Listening> {
  const server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      // A bug in a fake must show up in the test, not hang the client.
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { fakeServerError: String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    host: '127.0.0.1',
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDKs keep sockets alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Bearer token, or the username of Basic auth (how `curl -u sk_test_...:` sends it). */
export function apiKeyOf(req: IncomingMessage): string | undefined {
  const [scheme, value] = (req.headers.authorization ?? '').split(' ');
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme ?? '')) return value;
  if (/^basic$/i.test(scheme ?? '')) return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}

/** JSON with object keys sorted, so two equal payloads compare equal as strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export interface FailureMatch {
  /** Any method when omitted. */
  method?: string;
  /** A string matches as a prefix of the URL path (query excluded). */
  path: string | RegExp;
  /** How many matching requests fail; 1 when omitted. */
  times?: number;
}

/** Failures to inject into the next matching requests, each used up after `times` hits. */
export class FailureQueue<F extends FailureMatch> {
  private pending: { failure: F; left: number }[] = [];

  add(failure: F): void {
    this.pending.push({ failure, left: failure.times ?? 1 });
  }

  take(method: string, path: string, where: (f: F) => boolean = () => true): F | undefined {
    const hit = this.pending.find(
      ({ failure: f }) =>
        (!f.method || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? path.startsWith(f.path) : f.path.test(path)) &&
        where(f),
    );
    if (!hit) return undefined;
    if (--hit.left === 0) this.pending.splice(this.pending.indexOf(hit), 1);
    return hit.failure;
  }

  clear(): void {
    this.pending = [];
  }
}
