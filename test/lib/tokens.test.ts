import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { TOKEN_DEFAULTS, signToken, verifyToken } from '../../lib/tokens.js';

const OPTS = { secret: 's'.repeat(40), issuer: 'splits-test', ...TOKEN_DEFAULTS };
const CLAIMS = { sub: randomUUID(), role: 'recruiter' as const, recruiterId: randomUUID() };

describe('signToken / verifyToken', () => {
  it('mints tokens with iss, aud, iat and exp, living the maximum lifetime unless asked for less, never more', async () => {
    const token = await signToken(CLAIMS, OPTS);
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ iss: OPTS.issuer, aud: OPTS.audience, sub: CLAIMS.sub, role: 'recruiter' });
    expect(payload.exp! - payload.iat!).toBe(OPTS.maxLifetimeSeconds);
    const short = decodeJwt(await signToken(CLAIMS, { ...OPTS, lifetimeSeconds: 600 }));
    expect(short.exp! - short.iat!).toBe(600);
    const capped = decodeJwt(await signToken(CLAIMS, { ...OPTS, lifetimeSeconds: 10 * OPTS.maxLifetimeSeconds }));
    expect(capped.exp! - capped.iat!).toBe(OPTS.maxLifetimeSeconds);
    await expect(verifyToken(token, OPTS)).resolves.toMatchObject(CLAIMS);
  });

  it('refuses a token for another audience, or one minted under a longer maximum than this API allows', async () => {
    await expect(verifyToken(await signToken(CLAIMS, { ...OPTS, audience: 'other' }), OPTS)).rejects.toThrow();
    const longLived = await signToken(CLAIMS, { ...OPTS, maxLifetimeSeconds: 2 * OPTS.maxLifetimeSeconds });
    await expect(verifyToken(longLived, OPTS)).rejects.toThrow(/lifetime/);
  });
});
