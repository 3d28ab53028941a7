import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';

export const tokenClaims = z.object({
  sub: z.string().uuid(),
  role: z.enum(['recruiter', 'company_admin', 'hiring_manager', 'platform_admin']),
  companyId: z.string().uuid().nullable().optional(),
  recruiterId: z.string().uuid().nullable().optional(),
});
export type TokenClaims = z.infer<typeof tokenClaims>;

const key = (secret: string) => new TextEncoder().encode(secret);

/** Issues an HS256 bearer token (dev tokens, tests). */
export async function signToken(
  claims: TokenClaims,
  opts: { secret: string; issuer: string; expiresIn?: string },
): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(opts.issuer)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '30d')
    .sign(key(opts.secret));
}

/** Verifies signature, issuer and expiry, then the claim shape; throws on any failure. */
export async function verifyToken(token: string, opts: { secret: string; issuer: string }): Promise<TokenClaims> {
  const { payload } = await jwtVerify(token, key(opts.secret), { issuer: opts.issuer, algorithms: ['HS256'] });
  return tokenClaims.parse(payload);
}
