import type { RequestHandler, Response } from 'express';
import type { Actor, Role } from '../domain/actors.js';
import { type TokenOptions, verifyToken } from '../lib/tokens.js';
import { forbidden, unauthorized } from './errors.js';

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

/** Verifies the bearer JWT and puts the actor on `res.locals`. */
export function authenticate(opts: TokenOptions): RequestHandler {
  return async (req, res, next) => {
    res.locals.actor = await actorOfToken(bearerToken(req.headers.authorization), opts);
    next();
  };
}

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
