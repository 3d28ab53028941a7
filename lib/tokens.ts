import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';

export const tokenClaims = z.object({
  sub: z.string().uuid(),
  role: z.enum(['recruiter', 'company_admin', 'hiring_manager', 'platform_admin']),
  companyId: z.string().uuid().nullable().optional(),
  recruiterId: z.string().uuid().nullable().optional(),
});
export type TokenClaims = z.infer<typeof tokenClaims>;

/** What a token must carry and how long it may live; the same options sign and verify. */
export interface TokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  /** The longest lifetime (exp − iat) a token may have, in seconds. */
  maxLifetimeSeconds: number;
}

/** Defaults of JWT_AUDIENCE and JWT_MAX_LIFETIME_SECONDS: tokens are for this API and live at most a day. */
export const TOKEN_DEFAULTS = { audience: 'splits-api', maxLifetimeSeconds: 24 * 3600 } as const;
/** Clock difference between the issuer and this API that is still accepted (iat a little ahead, exp a little behind). */
export const CLOCK_SKEW_SECONDS = 60;

const key = (secret: string) => new TextEncoder().encode(secret);

/** Issues an HS256 bearer token living `lifetimeSeconds` (default and at most the configured maximum). */
export async function signToken(claims: TokenClaims, opts: TokenOptions & { lifetimeSeconds?: number }): Promise<string> {
  const { sub, ...rest } = claims;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.min(opts.lifetimeSeconds ?? opts.maxLifetimeSeconds, opts.maxLifetimeSeconds))
    .sign(key(opts.secret));
}

/**
 * Verifies signature, issuer, audience, a required `exp` and `iat` (not in the future, and no
 * more than the maximum lifetime between them), then the claim shape (a known role); throws on any failure.
 */
export async function verifyToken(token: string, opts: TokenOptions): Promise<TokenClaims> {
  const { payload } = await jwtVerify(token, key(opts.secret), {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms: ['HS256'],
    requiredClaims: ['exp', 'iat', 'sub'],
    maxTokenAge: opts.maxLifetimeSeconds,
    clockTolerance: CLOCK_SKEW_SECONDS,
  });
  // A token minted to outlive the maximum is refused even while young.
  if (payload.exp! - payload.iat! > opts.maxLifetimeSeconds) throw new Error('token lifetime exceeds the maximum');
  return tokenClaims.parse(payload);
}
