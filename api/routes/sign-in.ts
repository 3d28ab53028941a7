import { Router, type Request, type Response } from 'express';
import type { Resend } from 'resend';
import type { Db } from '../../lib/db.js';
import { signInDal } from '../../db/dal/sign-in.js';
import { peopleDal } from '../../db/dal/people.js';
import { actorOf, checkOrigin, credentialOf, newSecret, sha256, type SessionSettings } from '../auth.js';
import { ApiError, unavailable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';
import { authOptionsDto, magicLinkAcceptedDto, magicLinkBody, verifiedDto, verifyBody } from './sign-in.schemas.js';

export interface SignInSettings {
  session: SessionSettings;
  /** Where the web app is served: the e-mailed link opens `<publicUrl>/#/sign-in/verify?token=…`. */
  publicUrl: string;
  magicLinkTtlSeconds: number;
  rateLimit: { perEmail: number; perIp: number; windowSeconds: number };
  email?: { resend: Resend; from: string };
  /** Development only: the Resend fake's inbox the one-click sign-in page reads. */
  devInboxUrl?: string;
}

const ACCEPTED = 'If this address belongs to an account, a sign-in link is on its way. It works once, for a few minutes.';
const invalidLink = () => new ApiError(400, 'invalid_link', 'this sign-in link is invalid, already used or expired: request a new one');

function setSessionCookies(res: Response, { cookies }: SessionSettings, values: { session: string; csrf: string; maxAge: number }): void {
  const attributes = `Path=/; SameSite=Lax; Max-Age=${values.maxAge}${cookies.secure ? '; Secure' : ''}`;
  res.setHeader('Set-Cookie', [
    `${cookies.session}=${values.session}; HttpOnly; ${attributes}`,
    // Readable by the web app, which echoes it in X-CSRF-Token (double submit, checked against the session's hash).
    `${cookies.csrf}=${values.csrf}; ${attributes}`,
  ]);
}
const clearSessionCookies = (res: Response, session: SessionSettings) =>
  setSessionCookies(res, session, { session: '', csrf: '', maxAge: 0 });

const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Signing in without a credential (mounted before authentication): request an e-mailed link,
 * use it for a session cookie, and what the sign-in page needs to know.
 */
export function signInRoutes({ db, registry, settings }: { db: Db; registry: Operation[]; settings: SignInSettings }): Router {
  const router = Router();
  const dal = signInDal(db);
  const people = peopleDal(db);

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/auth/options',
      auth: false,
      summary: 'What the sign-in page offers (the development one-click sign-in, when configured)',
      responses: { 200: { description: 'Sign-in options', schema: authOptionsDto } },
    },
    async () => ({
      status: 200,
      body: { devSignIn: settings.devInboxUrl ? { inboxUrl: settings.devInboxUrl, users: await dal.activeUsers() } : null },
    }),
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/auth/magic-link',
      auth: false,
      body: magicLinkBody,
      summary: 'E-mail a single-use sign-in link to this address; the same answer whether or not it belongs to anyone',
      responses: {
        202: { description: 'Accepted (sent only when the address belongs to an active user)', schema: magicLinkAcceptedDto },
        403: { description: 'Cross-origin request' },
        429: { description: 'Too many requests for this address or from this IP (Retry-After says when to try again)' },
        503: { description: 'E-mail is not configured' },
      },
    },
    async ({ body, req, res }) => {
      checkOrigin(req, settings.session.publicOrigin);
      const email = settings.email;
      if (!email) throw unavailable('email_not_configured', 'sign-in e-mails cannot be sent: e-mail is not configured');
      const address = body.email.trim().toLowerCase();
      const ip = clientIp(req);
      // Counted whether or not the address exists, so the limit says nothing about it either.
      const retryAfter = await dal.admitSignInRequest({ emailHash: sha256(address), ip }, settings.rateLimit);
      if (retryAfter !== null) {
        res.setHeader('Retry-After', String(retryAfter));
        throw new ApiError(429, 'rate_limited', `too many sign-in requests: try again in ${retryAfter} s`, {
          retryAfterSeconds: retryAfter,
        });
      }
      const user = await dal.activeUserByEmail(address);
      if (user) {
        const token = newSecret();
        const id = await dal.createMagicLink({
          token_hash: sha256(token),
          user_id: user.id,
          ttlSeconds: settings.magicLinkTtlSeconds,
          requested_ip: ip,
        });
        const link = `${settings.publicUrl.replace(/\/+$/, '')}/#/sign-in/verify?token=${token}`;
        const minutes = Math.round(settings.magicLinkTtlSeconds / 60);
        // Sent after the answer, so how long Resend takes does not tell whether the address has an account.
        void email.resend.emails
          .send(
            {
              from: email.from,
              to: [user.email],
              subject: 'Your sign-in link for Splits',
              text: `Hello ${user.name},\n\nSign in to the Splits back office with this link:\n\n${link}\n\nIt works once, within ${minutes} minutes. If you did not ask for it, ignore this e-mail: nobody can sign in without it.\n`,
              tags: [{ name: 'template', value: 'magic_link' }],
            },
            { idempotencyKey: `magic-link-${id}` },
          )
          .then(
            ({ error }) => {
              if (error) req.log.error({ err: error, magicLinkId: id }, 'sign-in e-mail not sent');
            },
            (err: unknown) => req.log.error({ err, magicLinkId: id }, 'sign-in e-mail not sent'),
          );
      }
      return { status: 202, body: { message: ACCEPTED } };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/auth/verify',
      auth: false,
      body: verifyBody,
      summary: 'Use an e-mailed sign-in link (once): starts a session (HttpOnly cookie) and answers its CSRF token',
      responses: {
        200: { description: 'Signed in: the session and CSRF cookies are set', schema: verifiedDto },
        403: { description: 'Cross-origin request' },
      },
    },
    async ({ body, req, res }) => {
      checkOrigin(req, settings.session.publicOrigin);
      const userId = await dal.consumeMagicLink(sha256(body.token));
      if (!userId) throw invalidLink();
      // The first sign-in turns an invitation into an active account (product §3.10).
      await people.recordSignIn(userId);
      const session = newSecret();
      const csrf = newSecret();
      const expiresAt = await dal.createSession({
        id: sha256(session),
        user_id: userId,
        csrf_hash: sha256(csrf),
        ttlSeconds: settings.session.maxAgeSeconds,
        user_agent: req.get('user-agent')?.slice(0, 500) ?? null,
        created_ip: clientIp(req),
      });
      setSessionCookies(res, settings.session, { session, csrf, maxAge: settings.session.maxAgeSeconds });
      return { status: 200, body: { csrfToken: csrf, expiresAt: expiresAt.toISOString() } };
    },
  );
  return router;
}

/** Ending sessions (after authentication: a cookie-authenticated sign-out carries its CSRF token). */
export function signOutRoutes({ db, registry, session }: { db: Db; registry: Operation[]; session: SessionSettings }): Router {
  const router = Router();
  const dal = signInDal(db);
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/auth/sign-out',
      summary: 'End this browser session (its cookie stops working at once)',
      responses: { 204: { description: 'Signed out; the cookies are cleared' } },
    },
    async ({ res }) => {
      const credential = credentialOf(res);
      if (credential?.kind === 'session') await dal.revokeSession(credential.sessionId);
      clearSessionCookies(res, session);
      return { status: 204, body: undefined };
    },
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/auth/sign-out-everywhere',
      summary: 'End every browser session of the caller (API keys stay: revoke them one by one)',
      responses: { 204: { description: "All sessions ended; this browser's cookies are cleared" } },
    },
    async ({ res }) => {
      await dal.revokeUserSessions(actorOf(res).userId);
      clearSessionCookies(res, session);
      return { status: 204, body: undefined };
    },
  );
  return router;
}
