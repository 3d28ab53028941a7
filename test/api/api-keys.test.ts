import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { signInDal } from '../../db/dal/sign-in.js';
import { newApiKey } from '../../api/auth.js';

let h: ApiHarness;
let m: Marketplace;
beforeAll(async () => {
  h = await startApiHarness();
  m = await createMarketplace(h.db);
});
afterAll(async () => {
  await h?.stop();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const KEYS = '/api/v1/me/api-keys';

describe('personal API keys', () => {
  it('are shown once, stored hashed, listed without the secret, and sign their user in', async () => {
    const created = await h.request('POST', KEYS, { actor: m.actors.recruiter, body: { name: '  CI script ' } });
    expect(created.status).toBe(201);
    const { key, ...shown } = created.body;
    expect(key).toMatch(/^spk_[A-Za-z0-9_-]{43}$/);
    expect(shown).toEqual({
      id: expect.any(String),
      name: 'CI script',
      prefix: key.slice(0, 12),
      createdAt: expect.any(String),
      lastUsedAt: null,
    });

    const row = (await h.db('api_keys').where({ id: shown.id }).first())!;
    expect(row.key_hash).toBe(sha256(key));
    expect(JSON.stringify(row)).not.toContain(key);

    const list = await h.request('GET', KEYS, { actor: m.actors.recruiter });
    expect(list.body.data).toContainEqual(shown);
    expect(list.text).not.toContain(key);
    expect(list.body.data.every((k: object) => !('key' in k))).toBe(true);

    const meByKey = await h.request('GET', '/api/v1/me', { token: key });
    expect(meByKey.body).toMatchObject({ userId: m.actors.recruiter.userId, role: 'recruiter', recruiterId: m.recruiterId });
    const used = (await h.db('api_keys').where({ id: shown.id }).first())!.last_used_at as Date;
    expect(used).toBeInstanceOf(Date);
    // At most one write a minute: a second request leaves it.
    await h.request('GET', '/api/v1/me', { token: key });
    expect((await h.db('api_keys').where({ id: shown.id }).first())!.last_used_at).toEqual(used);
    expect((await h.request('GET', KEYS, { token: key })).body.data.find((k: { id: string }) => k.id === shown.id).lastUsedAt).toBe(
      used.toISOString(),
    );
  });

  it("stop working once revoked; another user's key id is a 404 and leaves it working", async () => {
    const mine = (await h.request('POST', KEYS, { actor: m.actors.companyAdmin, body: { name: 'to revoke' } })).body;
    const theirs = (await h.request('POST', KEYS, { actor: m.actors.hiringManager, body: { name: 'not yours' } })).body;
    expect((await h.request('DELETE', `${KEYS}/${theirs.id}`, { actor: m.actors.companyAdmin })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/me', { token: theirs.key })).status).toBe(200);

    expect((await h.request('DELETE', `${KEYS}/${mine.id}`, { token: mine.key })).status).toBe(204);
    expect((await h.request('GET', '/api/v1/me', { token: mine.key })).status).toBe(401);
    expect((await h.request('DELETE', `${KEYS}/${mine.id}`, { actor: m.actors.companyAdmin })).status).toBe(404);
    expect((await h.request('GET', KEYS, { actor: m.actors.companyAdmin })).body.data.map((k: { id: string }) => k.id)).not.toContain(
      mine.id,
    );
  });

  it("act with the user's current role: role checks apply, and a role change applies at once", async () => {
    const mk = await createMarketplace(h.db);
    const key = (await h.request('POST', KEYS, { actor: mk.actors.hiringManager, body: { name: 'role' } })).body.key as string;
    // Automation rules are for company admins (product rule): a hiring manager's key is refused.
    expect((await h.request('GET', '/api/v1/automation/rules', { token: key })).status).toBe(403);
    await h.db('users').where({ id: mk.actors.hiringManager.userId! }).update({ role: 'company_admin' });
    expect((await h.request('GET', '/api/v1/me', { token: key })).body).toMatchObject({ role: 'company_admin', companyId: mk.companyId });
    expect((await h.request('GET', '/api/v1/automation/rules', { token: key })).status).toBe(200);
  });

  it('refuses an invalid name, an unknown or malformed key, and an unauthenticated caller', async () => {
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 'ok', extra: 1 }]) {
      expect((await h.request('POST', KEYS, { actor: m.actors.recruiter, body })).status).toBe(400);
    }
    expect((await h.request('GET', '/api/v1/me', { token: `spk_${'A'.repeat(43)}` })).status).toBe(401);
    expect((await h.request('GET', '/api/v1/me', { token: 'spk_short' })).status).toBe(401);
    expect((await h.request('GET', KEYS)).status).toBe(401);
    expect((await h.request('DELETE', `${KEYS}/not-a-uuid`, { actor: m.actors.recruiter })).status).toBe(400);
  });

  it("npm run dev's demo keys: minting one again revokes the last of that name only, and the new one signs in", async () => {
    const dal = signInDal(h.db);
    const mint = () => {
      const { key, prefix, keyHash } = newApiKey();
      return dal
        .replaceApiKey({ user_id: m.actors.otherRecruiter.userId!, name: 'npm run dev', prefix, key_hash: keyHash })
        .then(() => key);
    };
    const own = await h.request('POST', KEYS, { actor: m.actors.otherRecruiter, body: { name: 'my script' } });
    const first = await mint();
    const second = await mint();
    const me = (key: string) => h.request('GET', '/api/v1/me', { token: key });
    expect((await me(first)).status).toBe(401);
    expect((await me(second)).body).toMatchObject({ userId: m.actors.otherRecruiter.userId });
    expect((await me(own.body.key)).status).toBe(200);
  });
});
