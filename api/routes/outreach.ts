import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { ErrorResponse, Resend } from 'resend';
import type { Db } from '../../lib/db.js';
import { nameBasedUuid } from '../../lib/ids.js';
import { verifySvix } from '../../lib/svix.js';
import { directoryDal } from '../../db/dal/directory.js';
import { namesDal } from '../../db/dal/names.js';
import { outreachDal, type SentOutreachRow } from '../../db/dal/outreach.js';
import { actorOf } from '../auth.js';
import { type ApiError, badRequest, forbidden, notFound, unauthorized, unavailable, unprocessable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { protectionGuard } from '../protection.js';
import { route } from '../routing.js';
import { assertStorableText } from '../text-guard.js';
import { idParams, webhookAckDto } from '../schemas/common.js';
import { outreachBody, outreachDto, outreachTimelineDto, resendEmailEvent } from './outreach.schemas.js';

/** What sending outreach needs; without it the send endpoint answers 503. */
export interface OutreachEmail {
  resend: Resend;
  from: string;
}

/** `recruiters` names the senders (namesDal.recruiters). */
function toDto(row: SentOutreachRow, recruiters: Map<string, string>): z.infer<typeof outreachDto> {
  return {
    id: row.id,
    candidateId: row.candidate_id,
    recruiterId: row.recruiter_id,
    recruiterName: recruiters.get(row.recruiter_id) ?? null,
    to: row.to_email,
    subject: row.subject,
    body: row.body,
    providerMessageId: row.provider_message_id,
    sentAt: row.sent_at.toISOString(),
  };
}

/** Resend's 4xx refuse this e-mail for good; 429, 5xx and network failures (no status) may pass on a retry. */
function resendFailure(error: ErrorResponse): ApiError {
  const status = error.statusCode;
  if (status !== null && status >= 400 && status < 500 && status !== 429) {
    return unprocessable(`the e-mail was refused: ${error.message}`, 'email_rejected');
  }
  return unavailable('email_unavailable', 'the e-mail service is unavailable, retry later');
}

/**
 * Outreach e-mails to candidates and their timeline (product §3.4): sent by the API itself, no
 * workflow, always to the candidate's own address, never inside another recruiter's protection window.
 */
export function outreachRoutes({
  temporal,
  db,
  registry,
  email,
}: {
  temporal: Client;
  db: Db;
  registry: Operation[];
  email?: OutreachEmail;
}): Router {
  const router = Router();
  const outreach = outreachDal(db);
  const names = namesDal(db);
  const directory = directoryDal(db);
  const refuseIfProtected = protectionGuard({ temporal, db });

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/candidates/:id/outreach',
      summary: 'E-mail a candidate at their own address through Resend, recorded before it is sent (recruiter)',
      params: idParams,
      body: outreachBody,
      roles: ['recruiter'],
      responses: {
        201: { description: 'Sent and recorded', schema: outreachDto },
        403: { description: 'Not a recruiter' },
        404: { description: 'Candidate not found' },
        409: {
          description:
            "Another recruiter's protection window covers the candidate (candidate_protected, with its end); the attempt is recorded",
        },
        422: { description: 'The candidate has no address (no_recipient), or Resend refused the e-mail (email_rejected)' },
        503: { description: 'Resend is unavailable or e-mail is not configured (email_unavailable); retry with the same Idempotency-Key' },
      },
    },
    async ({ params, body, req, res }) => {
      const actor = actorOf(res);
      if (!actor.recruiterId) throw forbidden('this user has no recruiter profile');
      const candidate = await directory.candidate(params.id);
      if (!candidate) throw notFound('candidate');
      if (!candidate.email) throw unprocessable('the candidate has no e-mail address', 'no_recipient');
      await refuseIfProtected(req, actor, candidate.id, { via: 'outreach' });
      if (!email) throw unavailable('email_unavailable', 'e-mail sending is not configured');

      // Send once by key: the row is recorded (`sending`) before Resend is called, with Resend's
      // idempotency key derived from its id, and marked sent after. With an Idempotency-Key the id
      // comes from it, so a retry — after a lost answer, a crash or a failure — finds the row and
      // sends that row's e-mail under the same Resend key: Resend answers with the first send
      // instead of sending again. No e-mail leaves without its row.
      const key = req.header('idempotency-key');
      const id = key ? nameBasedUuid(`outreach:${actor.userId}`, key) : randomUUID();
      const row = await outreach.record({
        id,
        candidate_id: candidate.id,
        recruiter_id: actor.recruiterId,
        to_email: candidate.email,
        subject: body.subject,
        body: body.body,
        idempotency_key: `outreach-${id}`,
        created_at: new Date(),
      });
      const senderName = await names.recruiters([row.recruiter_id]);
      if (row.status === 'sent') return { status: 201, body: toDto(row as SentOutreachRow, senderName) };

      const sender = await directory.recruiterUser(actor.recruiterId);
      const { data, error } = await email.resend.emails.send(
        {
          from: email.from,
          to: [row.to_email],
          subject: row.subject,
          text: row.body,
          // The candidate's reply goes to the recruiter, not to the marketplace's no-reply address.
          ...(sender && { replyTo: sender.email }),
          tags: [{ name: 'template', value: 'candidate_outreach' }],
        },
        { idempotencyKey: row.idempotency_key },
      );
      if (error) {
        const failure = resendFailure(error);
        // Refused for good: nothing was sent. Unavailable: it may have been, so the row stays `sending` for the retry.
        if (failure.status === 422) await outreach.markFailed(id);
        throw failure;
      }
      return { status: 201, body: toDto(await outreach.markSent(id, data.id, new Date()), senderName) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/candidates/:id/outreach',
      summary: 'Outreach e-mails to a candidate with their delivery events, oldest first (own outreach; platform admins all)',
      params: idParams,
      roles: ['recruiter', 'platform_admin'],
      responses: {
        200: { description: 'The outreach timeline', schema: outreachTimelineDto },
        403: { description: 'Company users may not read outreach' },
        404: { description: 'Candidate not found' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      if (actor.role === 'recruiter' && !actor.recruiterId) throw forbidden('this user has no recruiter profile');
      if (!(await directory.candidate(params.id))) throw notFound('candidate');
      const recruiterId = actor.role === 'recruiter' ? (actor.recruiterId ?? undefined) : undefined;
      const [rows, firstContactAt] = await Promise.all([
        outreach.listForCandidate(params.id, { recruiterId }),
        outreach.firstContactAt(params.id),
      ]);
      const [events, senders] = await Promise.all([
        outreach.events(rows.map((r) => r.id)),
        names.recruiters(rows.map((r) => r.recruiter_id)),
      ]);
      return {
        status: 200,
        body: {
          candidateId: params.id,
          firstContactAt: firstContactAt?.toISOString() ?? null,
          outreach: rows.map((row) => ({
            ...toDto(row, senders),
            events: events.filter((e) => e.outreach_id === row.id).map((e) => ({ type: e.type, occurredAt: e.occurred_at.toISOString() })),
          })),
        },
      };
    },
  );

  return router;
}

/**
 * Resend's webhook (no JWT: the Svix signature proves the sender). Mounted before the JSON
 * parser, since the signature covers the raw body byte for byte. Any non-2xx makes Resend
 * redeliver, so events for e-mails that are not outreach are acknowledged and ignored.
 */
export function resendWebhookRoutes({ db, registry, secret }: { db: Db; registry: Operation[]; secret?: string }): Router {
  const router = Router();
  const outreach = outreachDal(db);
  const PATH = '/webhooks/resend';
  router.use(PATH, express.raw({ type: 'application/json', limit: '256kb' }));

  route(
    router,
    registry,
    {
      method: 'post',
      path: PATH,
      summary: 'Resend webhook: delivery events of outreach e-mails (Svix-signed)',
      auth: false,
      responses: {
        200: { description: 'Recorded, a repeat, or ignored (not an outreach e-mail)', schema: webhookAckDto },
        400: { description: 'Timestamp malformed or more than 5 minutes from now, or body not JSON' },
        401: { description: 'Missing or invalid svix-signature' },
        503: { description: 'RESEND_WEBHOOK_SECRET is not configured' },
      },
    },
    async ({ req }) => {
      if (!secret) throw unavailable('webhook_not_configured', 'the Resend webhook secret is not configured');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verified = verifySvix(
        secret,
        { id: req.header('svix-id'), timestamp: req.header('svix-timestamp'), signature: req.header('svix-signature') },
        raw,
      );
      if (!verified.ok && verified.reason === 'bad_timestamp')
        throw badRequest('svix-timestamp is malformed or not within 5 minutes of now');
      if (!verified.ok) throw unauthorized('missing or invalid webhook signature');

      let payload: unknown;
      try {
        payload = JSON.parse(raw.toString('utf8'));
      } catch {
        throw badRequest('request body is not valid JSON');
      }
      assertStorableText({ body: payload, header: { 'svix-id': verified.id } });
      const event = resendEmailEvent.safeParse(payload);
      const target = event.success ? await outreach.findByProviderMessageId(event.data.data.email_id) : undefined;
      if (!event.success || !target) return { status: 200, body: { received: true, ignored: true } };
      await outreach.recordEvent({
        outreach_id: target.id,
        provider_event_id: verified.id,
        type: event.data.type,
        occurred_at: event.data.created_at ?? verified.signedAt,
        payload,
      });
      return { status: 200, body: { received: true } };
    },
  );

  return router;
}
