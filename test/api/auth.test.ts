import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { JWT, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const HOUR = 3600;
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the API's own secret, with exactly the claims and times given. */
function mint(claims: Record<string, unknown>, times: { iat?: number; exp?: number }, opts: { issuer?: string; audience?: string } = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(randomUUID())
    .setIssuer(opts.issuer ?? JWT.issuer);
  if (opts.audience !== '') jwt.setAudience(opts.audience ?? JWT.audience);
  if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
  if (times.exp !== undefined) jwt.setExpirationTime(times.exp);
  return jwt.sign(new TextEncoder().encode(JWT.secret));
}

const ADMIN = { role: 'platform_admin' };

describe('bearer tokens', () => {
  it('accepts a token for this issuer and audience that lives at most the maximum lifetime', async () => {
    const token = await mint(ADMIN, { iat: now(), exp: now() + 24 * HOUR });
    expect((await h.request('GET', '/api/v1/me', { token })).status).toBe(200);
  });

  it.each([
    ['without exp (a never-expiring platform admin)', () => mint(ADMIN, { iat: now() })],
    ['without iat', () => mint(ADMIN, { exp: now() + HOUR })],
    ['living longer than the maximum lifetime', () => mint(ADMIN, { iat: now(), exp: now() + 24 * HOUR + 61 })],
    ['issued in the future beyond the clock skew', () => mint(ADMIN, { iat: now() + 10 * 60, exp: now() + HOUR })],
    ['issued longer ago than the maximum lifetime', () => mint(ADMIN, { iat: now() - 25 * HOUR, exp: now() + HOUR })],
    ['without an audience', () => mint(ADMIN, { iat: now(), exp: now() + HOUR }, { audience: '' })],
    ['for another audience', () => mint(ADMIN, { iat: now(), exp: now() + HOUR }, { audience: 'another-api' })],
    ['from another issuer', () => mint(ADMIN, { iat: now(), exp: now() + HOUR }, { issuer: 'someone-else' })],
    ['with an unknown role', () => mint({ role: 'superuser' }, { iat: now(), exp: now() + HOUR })],
  ])('refuses a token %s with 401', async (_name, token) => {
    const res = await h.request('GET', '/api/v1/me', { token: await token() });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('mints compliant tokens in the harness (what dev, drills and benches use)', async () => {
    const m = await createMarketplace(h.db);
    const res = await h.request('GET', '/api/v1/me', { actor: m.actors.recruiter });
    expect(res.status).toBe(200);
  });
});

describe('authorization before validation', () => {
  const someId = '00000000-0000-4000-8000-000000000001';
  it.each([
    ['a recruiter recording a hire', 'POST', '/api/v1/placements', 'recruiter'],
    ['a recruiter writing an automation rule', 'POST', '/api/v1/automation/rules', 'recruiter'],
    ['a recruiter connecting an ATS', 'POST', '/api/v1/integrations', 'recruiter'],
    ["a company admin changing a split's account", 'POST', `/api/v1/payouts/${someId}/splits/${someId}/change-account`, 'companyAdmin'],
    ['a company admin sending outreach', 'POST', `/api/v1/candidates/${someId}/outreach`, 'companyAdmin'],
    ['a company admin proposing', 'POST', '/api/v1/proposals', 'companyAdmin'],
    ['a recruiter extending a guarantee', 'POST', `/api/v1/placements/${someId}/extend-guarantee`, 'recruiter'],
    ['a recruiter accepting a proposal', 'POST', `/api/v1/proposals/${someId}/accept`, 'recruiter'],
    ['a company admin reading marketplace events with a bad query', 'GET', '/api/v1/marketplace-events?limit=zero', 'companyAdmin'],
  ] as const)('answers 403, not 400, to %s with an invalid body', async (_name, method, path, who) => {
    const m = await createMarketplace(h.db);
    const res = await h.request(method, path, { actor: m.actors[who], body: method === 'GET' ? undefined : { nonsense: true } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('answers 401, not 400, without a token', async () => {
    const res = await h.request('POST', '/api/v1/placements', { body: { nonsense: true } });
    expect(res.status).toBe(401);
  });
});
