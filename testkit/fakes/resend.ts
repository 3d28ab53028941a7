// A fake of Resend's e-mail API (POST /emails, GET /emails/:id), spoken over HTTP so the real
// `resend` SDK can be pointed at it. Errors use Resend's `{ statusCode, name, message }` body
// with the names from https://resend.com/docs/api-reference/errors; Idempotency-Key follows
// https://resend.com/docs/dashboard/emails/idempotency-keys. Nothing is delivered: sent
// e-mails are kept in memory and listed at GET /_fake/emails for a developer to read.
// Webhook deliveries are built with emailEvent() and signed with signWebhook(), as Resend's
// Svix sender does, for the caller to POST to the API's webhook endpoint.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Resend, type GetEmailResponseSuccess } from 'resend';
import { svixSignature } from '../../lib/svix.js';
import { apiKeyOf, canonicalJson, FailureQueue, listen, readBody, sendJson, type FailureMatch } from './http.js';

export interface ResendFailure extends FailureMatch {
  status: number;
  /** Resend's error name, e.g. `application_error`, `rate_limit_exceeded`. */
  name: string;
  message?: string;
  headers?: Record<string, string>;
}

export type SentEmail = GetEmailResponseSuccess & { idempotencyKey: string | null };

export interface FakeResend {
  url: string;
  /** A real SDK client for this server. */
  client(): Resend;
  emails(): SentEmail[];
  /** Make the next matching requests fail before they are processed (nothing is sent). */
  injectFailure(failure: ResendFailure): void;
  reset(): void;
  close(): Promise<void>;
}

interface Result {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const resendError = (statusCode: number, name: string, message: string): Result => ({
  status: statusCode,
  body: { statusCode, name, message },
});

/** `email@example.com` or `Name <email@example.com>`. */
const ADDRESS = /^(?:[^\s@<>]+@[^\s@<>]+|[^<>]*<[^\s@<>]+@[^\s@<>]+>)$/;
const isAddress = (value: unknown): boolean => typeof value === 'string' && ADDRESS.test(value.trim());
const addressList = (value: unknown): string[] | null =>
  value === undefined || value === null ? null : Array.isArray(value) ? value.map(String) : [String(value)];

export async function startFakeResend(opts: { port?: number } = {}): Promise<FakeResend> {
  const emails = new Map<string, { email: GetEmailResponseSuccess; idempotencyKey: string | null }>();
  const sent = (): SentEmail[] => [...emails.values()].map(({ email, idempotencyKey }) => ({ ...email, idempotencyKey }));
  // Scoped per API key like Resend's; only successful sends are kept, so a send that was
  // rejected may be corrected and retried under the same key.
  const idempotent = new Map<string, { payload: string; result: Result }>();
  const failures = new FailureQueue<ResendFailure>();

  function send(payload: Record<string, unknown>, idempotencyKey: string | null): Result {
    for (const field of ['from', 'to', 'subject'] as const) {
      const value = payload[field];
      if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
        return resendError(422, 'missing_required_field', `Missing \`${field}\` field.`);
      }
    }
    if (typeof payload.html !== 'string' && typeof payload.text !== 'string') {
      return resendError(422, 'missing_required_field', 'Missing `html` or `text` field.');
    }
    const format = 'The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';
    if (!isAddress(payload.from)) return resendError(422, 'validation_error', `Invalid \`from\` field. ${format}`);
    const to = addressList(payload.to) ?? [];
    if (!to.every(isAddress)) return resendError(422, 'validation_error', `Invalid \`to\` field. ${format}`);

    const email: GetEmailResponseSuccess = {
      object: 'email',
      id: randomUUID(),
      message_id: `<${randomUUID()}@fake.resend.local>`,
      from: String(payload.from),
      to,
      cc: addressList(payload.cc),
      bcc: addressList(payload.bcc),
      reply_to: addressList(payload.reply_to),
      subject: String(payload.subject),
      html: typeof payload.html === 'string' ? payload.html : null,
      text: typeof payload.text === 'string' ? payload.text : null,
      tags: Array.isArray(payload.tags) ? (payload.tags as { name: string; value: string }[]) : [],
      scheduled_at: typeof payload.scheduled_at === 'string' ? payload.scheduled_at : null,
      last_event: 'delivered',
      created_at: new Date().toISOString(),
    };
    emails.set(email.id, { email, idempotencyKey });
    return { status: 200, body: { id: email.id } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname: path } = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const reply = (r: Result): void => sendJson(res, r.status, r.body, r.headers);

    // Readable from any page: the development sign-in page (another origin) follows links from here.
    if (method === 'GET' && path === '/_fake/emails')
      return reply({ status: 200, body: sent(), headers: { 'Access-Control-Allow-Origin': '*' } });

    const failure = failures.take(method, path);
    if (failure) {
      return reply({
        ...resendError(failure.status, failure.name, failure.message ?? `Injected ${failure.status} ${failure.name}`),
        headers: failure.headers,
      });
    }

    const apiKey = apiKeyOf(req);
    if (!apiKey) return reply(resendError(401, 'missing_api_key', 'Missing API key in the authorization header.'));
    if (!apiKey.startsWith('re_')) return reply(resendError(403, 'invalid_api_key', 'API key is invalid.'));

    const byId = /^\/emails\/([^/]+)$/.exec(path);
    if (method === 'GET' && byId) {
      const found = emails.get(byId[1] as string);
      return reply(found ? { status: 200, body: found.email } : resendError(404, 'not_found', 'Email not found'));
    }
    if (method !== 'POST' || path !== '/emails') {
      return reply(resendError(404, 'not_found', 'The requested endpoint does not exist.'));
    }

    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      payload = undefined;
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return reply(resendError(400, 'validation_error', 'We found an error with one or more fields in the request.'));
    }
    const fields = payload as Record<string, unknown>;
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string') return reply(send(fields, null));
    if (key.length < 1 || key.length > 256) {
      return reply(resendError(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.'));
    }
    const scope = `${apiKey}|${key}`;
    const previous = idempotent.get(scope);
    if (previous && previous.payload !== canonicalJson(fields)) {
      return reply(resendError(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.'));
    }
    if (previous) return reply(previous.result);
    const result = send(fields, key);
    if (result.status === 200) idempotent.set(scope, { payload: canonicalJson(fields), result });
    reply(result);
  }

  const server = await listen(handle, opts.port);
  return {
    url: server.url,
    close: server.close,
    client: () => new Resend('re_test_fake', { baseUrl: server.url }),
    emails: () => structuredClone(sent()),
    injectFailure: (failure) => failures.add(failure),
    reset: () => {
      emails.clear();
      idempotent.clear();
      failures.clear();
    },
  };
}

/**
 * The svix-id, svix-timestamp and svix-signature headers Resend sends with a webhook delivery
 * of `payload` (the exact body string): `id` defaults to a fresh message id, `timestamp` to now.
 */
export function signWebhook(secret: string, payload: string, opts: { id?: string; timestamp?: Date } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = String(Math.floor((opts.timestamp ?? new Date()).getTime() / 1000));
  return { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': `v1,${svixSignature(secret, id, timestamp, payload)}` };
}

/** A Resend webhook event (`email.delivered`, `email.opened` …) about an e-mail this fake sent. */
export function emailEvent(type: `email.${string}`, email: SentEmail, at = new Date()) {
  return {
    type,
    created_at: at.toISOString(),
    data: { email_id: email.id, created_at: email.created_at, from: email.from, to: email.to, subject: email.subject },
  };
}
