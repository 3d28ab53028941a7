import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Actor, Role } from '../domain/actors.js';
import type { Db } from '../lib/db.js';
import { type TokenOptions, verifyToken } from '../lib/tokens.js';
import { signInDal, type SignedInUser } from '../db/dal/sign-in.js';
import { ApiError, forbidden, unauthorized } from './errors.js';

export interface AuthedActor extends Actor {
  userId: string;
  role: Role;
}

export type { TokenOptions };

/** The actor a JWT names; 401 when it is missing, forged, expired, too long-lived, for another audience or of an unknown role. */
export async function actorOfToken(token: string | undefined, opts: TokenOptions): Promise<AuthedActor> {
  if (!token) throw unauthorized();
  let claims;
  try {
    claims = await verifyToken(token, opts);
  } catch {
    throw unauthorized();
  }
  return { userId: claims.sub, role: claims.role, companyId: claims.companyId ?? null, recruiterId: claims.recruiterId ?? null };
}

export const bearerToken = (header: string | undefined) => header?.match(/^Bearer (.+)$/)?.[1];

/** sha256 (hex) of a secret: what the database keeps of links, session tokens, CSRF tokens and API keys. */
export const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');
/** A fresh 256-bit secret, URL-safe. */
export const newSecret = () => randomBytes(32).toString('base64url');

/** Personal API keys read `spk_<43 characters>`: the prefix tells them from JWTs (and makes leaked keys greppable). */
export const API_KEY_PREFIX = 'spk_';
const API_KEY = /^spk_[A-Za-z0-9_-]{43}$/;
/** How much of a key its list shows (the prefix and 8 characters): enough to tell keys apart, useless to sign in. */
const SHOWN_CHARACTERS = API_KEY_PREFIX.length + 8;

/** A new personal API key: the key (shown once) and what is stored of it. */
export function newApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = `${API_KEY_PREFIX}${newSecret()}`;
  return { key, prefix: key.slice(0, SHOWN_CHARACTERS), keyHash: sha256(key) };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The browser session's cookies. Over HTTPS they are `__Host-` cookies (Secure, Path=/, no
 * Domain: no subdomain can set or shadow them); a plain-http deployment (development, the
 * tests) cannot set Secure cookies, so it uses the same names without the prefix.
 */
export interface SessionCookies {
  session: string;
  csrf: string;
  secure: boolean;
}
export const sessionCookies = (secure: boolean): SessionCookies =>
  secure ? { session: '__Host-session', csrf: '__Host-csrf', secure } : { session: 'splits_session', csrf: 'splits_csrf', secure };

export interface SessionSettings {
  cookies: SessionCookies;
  maxAgeSeconds: number;
  idleSeconds: number;
  /** The web app's own origin (API_PUBLIC_URL's), accepted in `Origin` besides the request's own host. */
  publicOrigin?: string;
}

/** How the caller signed in; `sessionId` is the session's stored id (the hash of its token). */
export type Credential = { kind: 'session'; sessionId: string } | { kind: 'api_key'; keyId: string } | { kind: 'jwt' };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const csrfRefused = (message: string) => new ApiError(403, 'csrf_failed', message);

/**
 * A browser's cross-site request carries its page's `Origin`: refused unless it is this site
 * (the request's own host, or API_PUBLIC_URL's origin). Absent (same-origin GETs, non-browser
 * clients) it proves nothing either way, so the CSRF token decides.
 */
export function checkOrigin(req: Request, publicOrigin: string | undefined): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const own = `${req.protocol}://${req.get('host') ?? ''}`;
  if (origin !== own && origin !== publicOrigin) throw csrfRefused('cross-origin request refused');
}

function sameSecret(given: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(given), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const toActor = (user: SignedInUser): AuthedActor => ({
  userId: user.userId,
  role: user.role as Role,
  companyId: user.companyId,
  recruiterId: user.recruiterId,
});

/**
 * Resolves the caller into an actor on `res.locals` (401 otherwise), from the first of:
 * a bearer personal API key (the user's current role and links, read on every request), a
 * bearer JWT, or the session cookie. A session authenticates a write only with its CSRF
 * token in `X-CSRF-Token` and, when the browser sends one, a same-site `Origin` (403
 * `csrf_failed` otherwise); bearer credentials are never sent by a browser on its own, so they
 * need neither. A deactivated user's sessions and keys fail here at once.
 */
export function authenticate({ tokens, db, sessions }: { tokens: TokenOptions; db: Db; sessions: SessionSettings }): RequestHandler {
  const dal = signInDal(db);
  return async (req, res, next) => {
    const bearer = bearerToken(req.headers.authorization);
    if (bearer !== undefined && bearer.startsWith(API_KEY_PREFIX)) {
      const user = API_KEY.test(bearer) ? await dal.apiKeyUser(sha256(bearer)) : undefined;
      if (!user) throw unauthorized('invalid or revoked API key');
      await dal.touchApiKey(user.keyId);
      res.locals.actor = toActor(user);
      res.locals.credential = { kind: 'api_key', keyId: user.keyId } satisfies Credential;
      return next();
    }
    if (bearer !== undefined || req.headers.authorization !== undefined) {
      res.locals.actor = await actorOfToken(bearer, tokens);
      res.locals.credential = { kind: 'jwt' } satisfies Credential;
      return next();
    }
    const token = readCookie(req.headers.cookie, sessions.cookies.session);
    if (!token) throw unauthorized();
    const session = await dal.liveSession(sha256(token), sessions.idleSeconds);
    if (!session) throw unauthorized('your session has ended: sign in again');
    if (!SAFE_METHODS.has(req.method)) {
      checkOrigin(req, sessions.publicOrigin);
      const csrf = req.header('x-csrf-token');
      if (!csrf) throw csrfRefused('missing X-CSRF-Token header');
      if (!sameSecret(csrf, session.csrfHash)) throw csrfRefused('X-CSRF-Token does not match this session');
    }
    await dal.touchSession(session.sessionId);
    res.locals.actor = toActor(session);
    res.locals.credential = { kind: 'session', sessionId: session.sessionId } satisfies Credential;
    next();
  };
}

export const credentialOf = (res: Response): Credential | undefined => res.locals.credential as Credential | undefined;

export function actorOf(res: Response): AuthedActor {
  const actor = res.locals.actor as AuthedActor | undefined;
  if (!actor) throw unauthorized();
  return actor;
}

export function requireRole(res: Response, ...roles: Role[]): AuthedActor {
  const actor = actorOf(res);
  if (!roles.includes(actor.role)) throw forbidden(`requires role ${roles.join(' or ')}`);
  return actor;
}

/** Matches no row: a recruiter or company user whose token lacks the id sees nothing. */
export const NOBODY = '00000000-0000-0000-0000-000000000000';

/**
 * What the actor may see of records shared between a company and recruiters (placements,
 * payouts): platform admins everything, recruiters their own, company users their company's.
 */
export function partyScope(actor: AuthedActor): { companyId?: string; recruiterId?: string } {
  if (actor.role === 'platform_admin') return {};
  if (actor.role === 'recruiter') return { recruiterId: actor.recruiterId ?? NOBODY };
  return { companyId: actor.companyId ?? NOBODY };
}
