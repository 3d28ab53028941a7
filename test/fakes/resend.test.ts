import { Resend, type CreateEmailOptions } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emailEvent, signWebhook, startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';

let fake: FakeResend;
let resend: Resend;

beforeAll(async () => {
  fake = await startFakeResend();
  resend = fake.client();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const feePaid: CreateEmailOptions = {
  from: 'Splits <noreply@splits.test>',
  to: 'recruiter@example.com',
  subject: 'Your split fee was paid',
  html: '<p>€1,250 is on its way.</p>',
  text: '€1,250 is on its way.',
  tags: [{ name: 'kind', value: 'fee_paid' }],
};

describe('fake Resend, driven by the real resend SDK', () => {
  it('sends an e-mail and serves it back on GET /emails/:id and on GET /_fake/emails', async () => {
    const { data, error } = await resend.emails.send(feePaid);
    expect(error).toBeNull();
    const id = data?.id ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const fetched = await resend.emails.get(id);
    expect(fetched.data).toMatchObject({
      object: 'email',
      id,
      from: 'Splits <noreply@splits.test>',
      to: ['recruiter@example.com'],
      subject: 'Your split fee was paid',
      html: '<p>€1,250 is on its way.</p>',
      text: '€1,250 is on its way.',
      tags: [{ name: 'kind', value: 'fee_paid' }],
    });

    const inbox: unknown = await (await fetch(`${fake.url}/_fake/emails`)).json();
    expect(inbox).toEqual(fake.emails());
    expect(fake.emails()).toMatchObject([{ id, idempotencyKey: null }]);

    const missing = await resend.emails.get('00000000-0000-4000-8000-000000000000');
    expect(missing.error).toMatchObject({ statusCode: 404, name: 'not_found' });
  });

  it('returns the same id for a repeated Idempotency-Key with the same body and stores one e-mail', async () => {
    const first = await resend.emails.send(feePaid, { idempotencyKey: 'fee-paid/placement-42' });
    const again = await resend.emails.send(feePaid, { idempotencyKey: 'fee-paid/placement-42' });

    expect(again.data?.id).toBe(first.data?.id);
    expect(fake.emails()).toMatchObject([{ id: first.data?.id, idempotencyKey: 'fee-paid/placement-42' }]);
  });

  it('returns a 409 invalid_idempotent_request error object when a key is reused with a different body', async () => {
    await resend.emails.send(feePaid, { idempotencyKey: 'fee-paid/placement-42' });
    const conflict = await resend.emails.send({ ...feePaid, subject: 'Something else' }, { idempotencyKey: 'fee-paid/placement-42' });

    expect(conflict.data).toBeNull();
    expect(conflict.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    expect(fake.emails()).toHaveLength(1);
  });

  it('rejects a missing field and a malformed from address with Resend’s 422 errors, sending nothing', async () => {
    const noSubject = await resend.emails.send({ ...feePaid, subject: '' });
    expect(noSubject.error).toEqual({ statusCode: 422, name: 'missing_required_field', message: 'Missing `subject` field.' });

    const badFrom = await resend.emails.send({ ...feePaid, from: 'not an address' });
    expect(badFrom.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(badFrom.error?.message).toMatch(/^Invalid `from` field\./);

    expect(fake.emails()).toHaveLength(0);
  });

  it('answers 401 missing_api_key without a key and 403 invalid_api_key for a key that is not a Resend key', async () => {
    const res = await fetch(`${fake.url}/emails`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(feePaid),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      statusCode: 401,
      name: 'missing_api_key',
      message: 'Missing API key in the authorization header.',
    });

    const wrongKey = await new Resend('sk_not_resend', { baseUrl: fake.url }).emails.send(feePaid);
    expect(wrongKey.error).toMatchObject({ statusCode: 403, name: 'invalid_api_key' });
    expect(fake.emails()).toHaveLength(0);
  });

  it('fails the next matching request with an injected error without sending, then recovers', async () => {
    fake.injectFailure({ method: 'POST', path: '/emails', status: 500, name: 'application_error' });

    const failed = await resend.emails.send(feePaid, { idempotencyKey: 'fee-paid/placement-42' });
    expect(failed.error).toMatchObject({ statusCode: 500, name: 'application_error' });
    expect(fake.emails()).toHaveLength(0);

    const retried = await resend.emails.send(feePaid, { idempotencyKey: 'fee-paid/placement-42' });
    expect(retried.error).toBeNull();
    expect(fake.emails()).toHaveLength(1);
  });
});

describe('signWebhook', () => {
  const secret = `whsec_${Buffer.from('fake-resend-webhook-secret').toString('base64')}`;
  // The SDK's own verifier (Svix's standardwebhooks): what a Resend customer's endpoint runs.
  const verify = (payload: string, headers: Record<string, string>, webhookSecret = secret) =>
    resend.webhooks.verify({
      payload,
      headers: { id: headers['svix-id'] ?? '', timestamp: headers['svix-timestamp'] ?? '', signature: headers['svix-signature'] ?? '' },
      webhookSecret,
    });

  it('signs an event about a sent e-mail so that the resend SDK accepts it', async () => {
    const { data } = await resend.emails.send(feePaid);
    const email = fake.emails().find((e) => e.id === data?.id);
    if (!email) throw new Error('sent e-mail not found');
    const body = JSON.stringify(emailEvent('email.delivered', email));
    const headers = signWebhook(secret, body, { id: 'msg_fixed' });

    expect(headers['svix-id']).toBe('msg_fixed');
    expect(verify(body, headers)).toMatchObject({ type: 'email.delivered', data: { email_id: email.id, to: ['recruiter@example.com'] } });
  });

  it('produces signatures the SDK refuses for another secret, another body or a stale timestamp', () => {
    const body = '{"type":"email.opened"}';
    const other = `whsec_${Buffer.from('another-secret').toString('base64')}`;
    expect(() => verify(body, signWebhook(secret, body), other)).toThrow(/signature/i);
    expect(() => verify(`${body} `, signWebhook(secret, body))).toThrow(/signature/i);
    expect(() => verify(body, signWebhook(secret, body, { timestamp: new Date(Date.now() - 6 * 60_000) }))).toThrow(/too old/i);
  });
});
