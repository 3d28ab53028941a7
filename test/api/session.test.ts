import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { TEMPORAL_UI, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('the session routes', () => {
  it('tells the caller who they are, by name and company name as well as by id', async () => {
    const m = await createMarketplace(h.db);
    const company = (await h.db('companies').where({ id: m.companyId }).first())!.name;
    const res = await h.request('GET', '/api/v1/me', { actor: m.actors.companyAdmin });
    expect(res.body).toEqual({
      userId: m.actors.companyAdmin.userId,
      role: 'company_admin',
      companyId: m.companyId,
      recruiterId: null,
      name: 'Admin',
      email: m.emails.companyAdmin,
      companyName: company,
    });
    // A recruiter goes by their display name; a user the directory does not know has no name.
    expect((await h.request('GET', '/api/v1/me', { actor: m.actors.recruiter })).body).toMatchObject({
      name: 'Rita Recruiter',
      companyName: null,
    });
    expect((await h.request('GET', '/api/v1/me', { actor: { userId: crypto.randomUUID(), role: 'platform_admin' } })).body).toMatchObject({
      name: null,
      companyName: null,
    });
    expect((await h.request('GET', '/api/v1/me')).status).toBe(401);
  });

  it("gives the Temporal Web UI's address to platform admins only", async () => {
    const m = await createMarketplace(h.db);
    const admin = await h.request('GET', '/api/v1/ui-config', { actor: m.actors.platformAdmin });
    expect(admin.body).toEqual({ temporalUi: { url: TEMPORAL_UI, namespace: 'default' } });
    for (const actor of [m.actors.companyAdmin, m.actors.recruiter]) {
      expect((await h.request('GET', '/api/v1/ui-config', { actor })).body).toEqual({ temporalUi: null });
    }
  });
});
