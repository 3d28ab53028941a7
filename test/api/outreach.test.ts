import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../lib/logger.js';
import { emailEvent, signWebhook } from '../../testkit/fakes/resend.js';
import { createCandidate, createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const send = (m: Marketplace, body: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  h.request('POST', `/api/v1/candidates/${m.candidateId}/outreach`, {
    actor: m.actors.recruiter,
    body: { subject: 'A staff role at Acme', body: 'Hi Ada,\n\nwould you talk about a staff role?', ...body },
    headers,
  });
const timeline = (m: Marketplace, actor = m.actors.recruiter, candidateId = m.candidateId) =>
  h.request('GET', `/api/v1/candidates/${candidateId}/outreach`, { actor });
/** The e-mails of one outreach at the fake, found by the Resend idempotency key the API sent. */
const emailsOf = (outreachId: string) => h.resend.emails().filter((e) => e.idempotencyKey === `outreach-${outreachId}`);
const outreachRows = (m: Marketplace) => h.db('candidate_outreach').where({ candidate_id: m.candidateId });
const eventRows = (outreachId: string) => h.db('candidate_outreach_events').where({ outreach_id: outreachId }).orderBy('id');

/** POSTs `payload` to the webhook, signed like Resend's Svix sender unless `headers` replace the signature. */
const deliver = (payload: unknown, opts: { id?: string; timestamp?: Date; secret?: string; headers?: Record<string, string> } = {}) => {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return h.request('POST', '/api/v1/webhooks/resend', {
    rawBody: body,
    headers: opts.headers ?? signWebhook(opts.secret ?? h.webhookSecret, body, opts),
  });
};

/** A marketplace whose recruiter has sent one outreach e-mail; `email` is what the fake received. */
async function sentOutreach() {
  const m = await createMarketplace(h.db);
  const res = await send(m);
  expect(res.status).toBe(201);
  const [email] = emailsOf(res.body.id);
  if (!email) throw new Error('outreach e-mail not at the fake');
  return { m, outreach: res.body, email };
}

describe('POST /api/v1/candidates/:id/outreach', () => {
  it('sends one e-mail through Resend with an idempotency key and records it', async () => {
    const m = await createMarketplace(h.db);
    const candidate = await h.db('candidates').where({ id: m.candidateId }).first();
    const res = await send(m);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      candidateId: m.candidateId,
      recruiterId: m.recruiterId,
      recruiterName: 'Rita Recruiter',
      to: candidate!.email,
      subject: 'A staff role at Acme',
      body: 'Hi Ada,\n\nwould you talk about a staff role?',
    });
    const emails = emailsOf(res.body.id);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      id: res.body.providerMessageId,
      to: [res.body.to],
      subject: 'A staff role at Acme',
      text: 'Hi Ada,\n\nwould you talk about a staff role?',
      reply_to: [m.emails.recruiter],
    });
    expect(await outreachRows(m)).toMatchObject([
      {
        id: res.body.id,
        recruiter_id: m.recruiterId,
        provider_message_id: res.body.providerMessageId,
        idempotency_key: `outreach-${res.body.id}`,
      },
    ]);
  });

  it("sends only to the candidate's own address: a `to` the caller types is refused, as is a candidate without any address", async () => {
    const m = await createMarketplace(h.db);
    const before = h.resend.emails().length;
    const typed = await send(m, { to: 'someone.else@example.org' });
    expect(typed.status).toBe(400);
    expect(typed.body.error.code).toBe('validation_error');
    expect(h.resend.emails()).toHaveLength(before);
    expect(await outreachRows(m)).toHaveLength(0);

    const noEmail = await createCandidate(h.db);
    const refused = await h.request('POST', `/api/v1/candidates/${noEmail}/outreach`, {
      actor: m.actors.recruiter,
      body: { subject: 'Hello', body: 'Hi' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('no_recipient');
    expect(await h.db('candidate_outreach').where({ candidate_id: noEmail })).toHaveLength(0);
  });

  it('answers a retry with the same Idempotency-Key with the first response, sending once', async () => {
    const m = await createMarketplace(h.db);
    const key = `outreach-${randomUUID()}`;
    const first = await send(m, {}, { 'Idempotency-Key': key });
    const again = await send(m, {}, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(emailsOf(first.body.id)).toHaveLength(1);
    expect(await outreachRows(m)).toHaveLength(1);
  });

  it('sends once for one key even when the API lost track of the first attempt', async () => {
    const m = await createMarketplace(h.db);
    const key = `outreach-${randomUUID()}`;
    const first = await send(m, {}, { 'Idempotency-Key': key });
    // As if the process died after Resend accepted, before anything was stored.
    await h.db('api_idempotency_keys').where({ user_id: m.actors.recruiter.userId!, key }).delete();
    await h.db('candidate_outreach').where({ id: first.body.id }).delete();

    const retried = await send(m, {}, { 'Idempotency-Key': key });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ id: first.body.id, providerMessageId: first.body.providerMessageId });
    expect(emailsOf(first.body.id)).toHaveLength(1);
    expect(await outreachRows(m)).toHaveLength(1);
  });

  it('answers 503 email_unavailable when Resend fails, keeping the attempt out of the timeline; the same key then sends it once', async () => {
    const m = await createMarketplace(h.db);
    const key = `outreach-${randomUUID()}`;
    h.resend.injectFailure({ method: 'POST', path: '/emails', status: 500, name: 'application_error' });
    const failed = await send(m, {}, { 'Idempotency-Key': key });
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('email_unavailable');
    expect(await outreachRows(m)).toMatchObject([{ status: 'sending', sent_at: null }]);
    expect((await timeline(m)).body).toMatchObject({ firstContactAt: null, outreach: [] });

    const retried = await send(m, {}, { 'Idempotency-Key': key });
    expect(retried.status).toBe(201);
    expect(emailsOf(retried.body.id)).toHaveLength(1);
    expect(await outreachRows(m)).toMatchObject([{ id: retried.body.id, status: 'sent' }]);
  });

  it('answers 422 email_rejected when Resend refuses the e-mail, recording it as failed, not sent', async () => {
    const m = await createMarketplace(h.db);
    h.resend.injectFailure({ method: 'POST', path: '/emails', status: 422, name: 'validation_error', message: 'Invalid `to` field.' });
    const res = await send(m);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'email_rejected', message: expect.stringContaining('Invalid `to` field.') });
    expect(await outreachRows(m)).toMatchObject([{ status: 'failed', sent_at: null, provider_message_id: null }]);
    expect((await timeline(m)).body).toMatchObject({ firstContactAt: null, outreach: [] });
  });

  describe('send once by key', () => {
    /** Makes Postgres refuse outreach rows with this subject on `op` (as it refused a NUL), until dropped. */
    async function refuseRows(subject: string, op: 'insert' | 'update') {
      const name = `refuse_${op}_${randomUUID().replaceAll('-', '')}`;
      await h.db.raw(`create function ${name}() returns trigger language plpgsql as $$ begin
        if new.subject = '${subject}' then raise exception 'refused by the test'; end if; return new; end $$`);
      await h.db.raw(`create trigger ${name} before ${op} on candidate_outreach for each row execute function ${name}()`);
      return async () => {
        await h.db.raw(`drop trigger ${name} on candidate_outreach`);
        await h.db.raw(`drop function ${name}()`);
      };
    }

    it('sends nothing when the e-mail cannot be recorded: a retry cannot e-mail the candidate twice', async () => {
      const m = await createMarketplace(h.db);
      const subject = `Unrecordable ${randomUUID()}`;
      const drop = await refuseRows(subject, 'insert');
      try {
        const res = await send(m, { subject });
        expect(res.status).toBe(500);
        expect(h.resend.emails().filter((e) => e.subject === subject)).toHaveLength(0);
        expect(await outreachRows(m)).toHaveLength(0);
      } finally {
        await drop();
      }
    });

    it('answers a retry after a failure past Resend (the row stayed `sending`) with the first send, e-mailing once', async () => {
      const m = await createMarketplace(h.db);
      const subject = `Unmarkable ${randomUUID()}`;
      const key = `outreach-${randomUUID()}`;
      const drop = await refuseRows(subject, 'update');
      try {
        expect((await send(m, { subject }, { 'Idempotency-Key': key })).status).toBe(500);
      } finally {
        await drop();
      }
      expect(await outreachRows(m)).toMatchObject([{ status: 'sending' }]);
      const retried = await send(m, { subject }, { 'Idempotency-Key': key });
      expect(retried.status).toBe(201);
      const sent = h.resend.emails().filter((e) => e.subject === subject);
      expect(sent).toHaveLength(1);
      expect(retried.body).toMatchObject({ providerMessageId: sent[0]!.id, to: sent[0]!.to[0] });
      expect(await outreachRows(m)).toMatchObject([{ id: retried.body.id, status: 'sent', provider_message_id: sent[0]!.id }]);
    });
  });

  describe("inside another recruiter's protection window", () => {
    it("answers 409 with the window's end and no owner, sends and records no e-mail, and records the attempt as a marketplace event", async () => {
      const m = await createMarketplace(h.db);
      const claim = await h.request('POST', `/api/v1/candidates/${m.candidateId}/source`, { actor: m.actors.recruiter, body: {} });
      expect(claim.status).toBe(201);
      const before = h.resend.emails().length;

      const res = await h.request('POST', `/api/v1/candidates/${m.candidateId}/outreach`, {
        actor: m.actors.otherRecruiter,
        body: { subject: 'Poaching', body: 'Hi Ada' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'candidate_protected', details: { protectedUntil: claim.body.protectionEndsAt } });
      expect(res.text).not.toContain(m.recruiterId);
      expect(h.resend.emails()).toHaveLength(before);
      expect(await outreachRows(m)).toHaveLength(0);

      const event = await eventually(
        async () =>
          (
            await h.request('GET', `/api/v1/marketplace-events?candidateId=${m.candidateId}&type=protected_outreach_blocked`, {
              actor: m.actors.platformAdmin,
            })
          ).body.data[0],
      );
      expect(event).toMatchObject({
        type: 'protected_outreach_blocked',
        candidateId: m.candidateId,
        recruiterId: m.otherRecruiterId,
        details: { via: 'outreach' },
      });

      // The candidate page's first-contact evidence never shows the refused attempt.
      for (const actor of [m.actors.recruiter, m.actors.otherRecruiter, m.actors.platformAdmin]) {
        expect((await timeline(m, actor)).body).toMatchObject({ firstContactAt: null, outreach: [] });
      }
      // The sourcer may e-mail their own candidate.
      expect((await send(m)).status).toBe(201);
    });
  });

  it('refuses non-recruiters (403), unknown candidates (404) and invalid bodies (400), sending nothing', async () => {
    const m = await createMarketplace(h.db);
    const before = h.resend.emails().length;
    const asAdmin = await h.request('POST', `/api/v1/candidates/${m.candidateId}/outreach`, {
      actor: m.actors.companyAdmin,
      body: { subject: 'Hi', body: 'Hi' },
    });
    expect(asAdmin.status).toBe(403);
    const unknown = await h.request('POST', `/api/v1/candidates/${randomUUID()}/outreach`, {
      actor: m.actors.recruiter,
      body: { subject: 'Hi', body: 'Hi' },
    });
    expect(unknown.status).toBe(404);
    for (const body of [
      { subject: 'x'.repeat(201) },
      { body: ' ' },
      { body: 'x'.repeat(10_001) },
      { to: 'not-an-address' },
      { subject: 'two\nlines' },
    ]) {
      const res = await send(m, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
    }
    expect(h.resend.emails()).toHaveLength(before);
    expect(await outreachRows(m)).toHaveLength(0);
  });
});

describe('POST /api/v1/webhooks/resend', () => {
  it('records delivered, opened, clicked and bounced events, shown oldest first in the timeline', async () => {
    const { m, outreach, email } = await sentOutreach();
    const sentAt = new Date(outreach.sentAt).getTime();
    const types = ['email.delivered', 'email.opened', 'email.clicked', 'email.bounced'] as const;
    // Delivered out of order: the timeline orders by when each event happened.
    for (const i of [2, 0, 3, 1]) {
      const res = await deliver(emailEvent(types[i]!, email, new Date(sentAt + (i + 1) * 1000)));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true });
    }
    expect(await eventRows(outreach.id)).toHaveLength(4);

    const res = await timeline(m);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      candidateId: m.candidateId,
      firstContactAt: outreach.sentAt,
      outreach: [{ ...outreach, events: types.map((type, i) => ({ type, occurredAt: new Date(sentAt + (i + 1) * 1000).toISOString() })) }],
    });
  });

  it('stores a redelivered event (same svix-id) once', async () => {
    const { outreach, email } = await sentOutreach();
    const event = emailEvent('email.delivered', email);
    const id = `msg_${randomUUID()}`;
    for (let i = 0; i < 3; i++) expect((await deliver(event, { id })).status).toBe(200);
    expect(await eventRows(outreach.id)).toMatchObject([{ provider_event_id: id, type: 'email.delivered' }]);
  });

  it('refuses forged (401), stale or future (400), unsigned (401) and non-JSON (400) deliveries, writing nothing', async () => {
    const { outreach, email } = await sentOutreach();
    const event = emailEvent('email.opened', email);
    const body = JSON.stringify(event);
    const signed = signWebhook(h.webhookSecret, body);
    const cases: [string, Promise<{ status: number; body: any }>, number][] = [
      ['another secret', deliver(event, { secret: `whsec_${Buffer.from('not-the-secret').toString('base64')}` }), 401],
      ['a tampered body', deliver(body.replace('email.opened', 'email.clicked'), { headers: signed }), 401],
      [
        'a signature that is not v1',
        deliver(body, { headers: { ...signed, 'svix-signature': signed['svix-signature']!.replace('v1,', 'v2,') } }),
        401,
      ],
      ['a stale timestamp', deliver(event, { timestamp: new Date(Date.now() - 6 * 60_000) }), 400],
      ['a future timestamp', deliver(event, { timestamp: new Date(Date.now() + 6 * 60_000) }), 400],
      ['a malformed timestamp', deliver(body, { headers: { ...signed, 'svix-timestamp': 'yesterday' } }), 400],
      ['no signature headers', deliver(event, { headers: {} }), 401],
      [
        'no svix-id',
        deliver(body, { headers: { 'svix-timestamp': signed['svix-timestamp']!, 'svix-signature': signed['svix-signature']! } }),
        401,
      ],
      ['a signed body that is not JSON', deliver('{"type": "email.opened",'), 400],
    ];
    for (const [what, response, status] of cases) {
      const res = await response;
      expect(res.status, what).toBe(status);
      expect(res.body.error.code, what).toMatch(/^(unauthorized|validation_error)$/);
    }
    expect(await eventRows(outreach.id)).toHaveLength(0);
  });

  it('acknowledges events of e-mails that are not outreach, and non-e-mail events, without storing them', async () => {
    const before = await h.db('candidate_outreach_events').count({ n: '*' }).first();
    const unknown = await deliver({ type: 'email.delivered', created_at: new Date().toISOString(), data: { email_id: randomUUID() } });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ received: true, ignored: true });
    const contact = await deliver({ type: 'contact.created', created_at: new Date().toISOString(), data: { id: randomUUID() } });
    expect(contact.body).toEqual({ received: true, ignored: true });
    expect(await h.db('candidate_outreach_events').count({ n: '*' }).first()).toEqual(before);
  });

  it('answers 503 while RESEND_WEBHOOK_SECRET is unset', async () => {
    const app = createApp({
      temporal: h.temporal,
      db: h.db,
      config: { JWT_SECRET: 'x'.repeat(32), JWT_ISSUER: 'test' },
      logger: createLogger('api-test', 'silent'),
    });
    const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const body = JSON.stringify({ type: 'email.delivered', data: { email_id: randomUUID() } });
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/webhooks/resend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signWebhook(h.webhookSecret, body) },
        body,
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as any).error.code).toBe('webhook_not_configured');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('GET /api/v1/candidates/:id/outreach', () => {
  it('shows recruiters their own outreach and platform admins all, with the first contact of anyone', async () => {
    const { m, outreach } = await sentOutreach();
    const other = await h.request('POST', `/api/v1/candidates/${m.candidateId}/outreach`, {
      actor: m.actors.otherRecruiter,
      body: { subject: 'Me too', body: 'Hello Ada' },
    });
    expect(other.status).toBe(201);

    const own = await timeline(m, m.actors.otherRecruiter);
    expect(own.status).toBe(200);
    expect(own.body.outreach.map((o: any) => o.id)).toEqual([other.body.id]);
    expect(own.body.firstContactAt).toBe(outreach.sentAt);

    const all = await timeline(m, m.actors.platformAdmin);
    expect(all.body.outreach.map((o: any) => o.id)).toEqual([outreach.id, other.body.id]);
    expect(all.body.firstContactAt).toBe(outreach.sentAt);
  });

  it('refuses company users (403) and answers 404 for an unknown candidate', async () => {
    const { m } = await sentOutreach();
    expect((await timeline(m, m.actors.companyAdmin)).status).toBe(403);
    expect((await timeline(m, m.actors.hiringManager)).status).toBe(403);
    expect((await timeline(m, m.actors.recruiter, randomUUID())).status).toBe(404);
  });

  it('has no first contact for a candidate nobody wrote to', async () => {
    const m = await createMarketplace(h.db);
    expect((await timeline(m)).body).toEqual({ candidateId: m.candidateId, firstContactAt: null, outreach: [] });
  });
});

describe('GET /api/v1/marketplace-events', () => {
  /** Three events of a fresh candidate, a minute apart, oldest first. */
  async function recordEvents(m: Marketplace) {
    const start = Date.now() - 3_600_000;
    const types = ['sourcing_conflict', 'protected_submission_blocked', 'sourcing_conflict'];
    const rows = types.map((type, i) => ({
      type,
      candidate_id: m.candidateId,
      recruiter_id: m.otherRecruiterId,
      actor_user_id: m.actors.otherRecruiter.userId,
      actor_role: 'recruiter',
      details: JSON.stringify({ n: i }),
      occurred_at: new Date(start + i * 60_000),
      event_key: `test-${randomUUID()}`,
    }));
    await h.db('marketplace_events').insert(rows);
    return rows;
  }
  const list = (m: Marketplace, query: string, actor = m.actors.platformAdmin) =>
    h.request('GET', `/api/v1/marketplace-events?candidateId=${m.candidateId}&${query}`, { actor });

  it("lists a candidate's events newest first, page by page", async () => {
    const m = await createMarketplace(h.db);
    const rows = await recordEvents(m);
    const first = await list(m, 'limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: any) => e.details)).toEqual([{ n: 2 }, { n: 1 }]);
    const candidate = await h.db('candidates').where({ id: m.candidateId }).first();
    expect(first.body.data[0]).toMatchObject({
      type: 'sourcing_conflict',
      candidateId: m.candidateId,
      candidateName: candidate!.full_name,
      recruiterId: m.otherRecruiterId,
      recruiterName: 'Otto Recruiter',
      actorUserId: m.actors.otherRecruiter.userId,
      actorName: 'Otto Recruiter',
      actorRole: 'recruiter',
      detailNames: {},
      occurredAt: rows[2]!.occurred_at.toISOString(),
    });
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const second = await list(m, `limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((e: any) => e.details)).toEqual([{ n: 0 }]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('names the people, the candidate and what the details refer to; the system acts without a name', async () => {
    const m = await createMarketplace(h.db);
    const job = await h.db('jobs').where({ id: m.jobId }).first();
    const unknown = randomUUID();
    await h.db('marketplace_events').insert({
      type: 'protection_expired',
      candidate_id: m.candidateId,
      recruiter_id: m.recruiterId,
      actor_user_id: null,
      actor_role: 'system',
      details: JSON.stringify({ owner: m.recruiterId, jobId: m.jobId, from: { recruiterId: m.otherRecruiterId }, other: unknown }),
      occurred_at: new Date(),
      event_key: `test-${randomUUID()}`,
    });
    const [event] = (await list(m, 'type=protection_expired')).body.data;
    expect(event).toMatchObject({ recruiterName: 'Rita Recruiter', actorUserId: null, actorName: null, actorRole: 'system' });
    // Every id inside the details that names something known is named; an unknown id is left out.
    expect(event.detailNames).toEqual({ [m.recruiterId]: 'Rita Recruiter', [m.jobId]: job!.title, [m.otherRecruiterId]: 'Otto Recruiter' });
  });

  it('filters by type', async () => {
    const m = await createMarketplace(h.db);
    await recordEvents(m);
    const res = await list(m, 'type=protected_submission_blocked');
    expect(res.body.data.map((e: any) => [e.type, e.details])).toEqual([['protected_submission_blocked', { n: 1 }]]);
  });

  it('is for platform admins only, and refuses a cursor it did not issue', async () => {
    const m = await createMarketplace(h.db);
    for (const actor of [m.actors.recruiter, m.actors.companyAdmin, m.actors.hiringManager]) {
      expect((await list(m, '', actor)).status).toBe(403);
    }
    const forged = Buffer.from(JSON.stringify([new Date().toISOString(), randomUUID()])).toString('base64url');
    const res = await list(m, `cursor=${forged}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('invalid cursor');
  });
});

it('documents the new endpoints in the OpenAPI document, the webhook without bearer auth', async () => {
  const doc = (await h.request('GET', '/api/v1/openapi.json')).body;
  expect(Object.keys(doc.paths['/api/v1/candidates/{id}/outreach'])).toEqual(['post', 'get']);
  expect(doc.paths['/api/v1/marketplace-events'].get.security).toEqual([{ bearerAuth: [] }]);
  expect(doc.paths['/api/v1/webhooks/resend'].post.security).toBeUndefined();
});
