import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createCandidate, createCollaborators, createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const claim = (m: Marketplace, actor = m.actors.recruiter) =>
  h.request('POST', `/api/v1/candidates/${m.candidateId}/source`, { actor, body: {} });
const propose = (m: Marketplace, actor = m.actors.otherRecruiter) =>
  h.request('POST', '/api/v1/proposals', { actor, body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'A great match' } });

describe('sourcing claims', () => {
  it('lets exactly one of many concurrent claims win; the others get 409 and a conflict event', async () => {
    const { marketplace: m, recruiters } = await createCollaborators(
      h.db,
      h.stripe,
      Array.from({ length: 8 }, () => ({ role: 'sourcer' as const, splitBps: 500, account: 'none' as const })),
    );
    const users = await h
      .db('recruiters')
      .whereIn(
        'id',
        recruiters.map((r) => r.recruiterId),
      )
      .select('id', 'user_id');
    const results = await Promise.all(users.map((u) => claim(m, { userId: u.user_id, role: 'recruiter', recruiterId: u.id })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await h.db('candidate_sourcers').where({ candidate_id: m.candidateId })).toHaveLength(1);
    const conflicts = await eventually(async () => {
      const rows = await h.db('marketplace_events').where({ candidate_id: m.candidateId, type: 'sourcing_conflict' });
      return rows.length === 7 ? rows : undefined;
    });
    expect(conflicts).toHaveLength(7);
  });

  it('shows the protection owner-neutrally to others and names the owner (id and name) to them and admins', async () => {
    const m = await createMarketplace(h.db);
    const claimed = await claim(m);
    expect(claimed.status).toBe(201);
    expect(claimed.body).toMatchObject({
      state: 'protected',
      ownedByYou: true,
      recruiterId: m.recruiterId,
      recruiterName: 'Rita Recruiter',
      protectedNow: true,
    });
    const other = await h.request('GET', `/api/v1/candidates/${m.candidateId}/sourcing`, { actor: m.actors.otherRecruiter });
    expect(other.body).toMatchObject({
      state: 'protected',
      recruiterId: null,
      recruiterName: null,
      ownedByYou: false,
      protectionEndsAt: claimed.body.protectionEndsAt,
    });
    const admin = await h.request('GET', `/api/v1/candidates/${m.candidateId}/sourcing`, { actor: m.actors.platformAdmin });
    expect(admin.body).toMatchObject({ recruiterId: m.recruiterId, recruiterName: 'Rita Recruiter' });
  });

  it('refuses claims of unknown candidates, a second claim, and bad admin input, writing nothing', async () => {
    const m = await createMarketplace(h.db);
    expect((await h.request('POST', `/api/v1/candidates/${randomUUID()}/source`, { actor: m.actors.recruiter, body: {} })).status).toBe(
      404,
    );
    expect((await claim(m, m.actors.companyAdmin)).status).toBe(403);
    await claim(m);
    expect((await claim(m, m.actors.otherRecruiter)).status).toBe(409);
    const base = `/api/v1/candidates/${m.candidateId}/source`;
    expect((await h.request('POST', `${base}/extend`, { actor: m.actors.platformAdmin, body: { days: 0, reason: 'x' } })).status).toBe(400);
    expect((await h.request('POST', `${base}/extend`, { actor: m.actors.platformAdmin, body: { days: 400, reason: 'x' } })).status).toBe(
      400,
    );
    expect(
      (await h.request('POST', `${base}/override`, { actor: m.actors.platformAdmin, body: { recruiterId: m.otherRecruiterId } })).status,
    ).toBe(400);
    expect(
      (
        await h.request('POST', `${base}/override`, {
          actor: m.actors.recruiter,
          body: { recruiterId: m.otherRecruiterId, reason: 'mine' },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('POST', `${base}/release`, { actor: m.actors.otherRecruiter, body: {} })).status).toBe(403);
    expect(await h.db('decision_audit_log').where({ entity_id: m.candidateId })).toHaveLength(0);
  });
});

describe('candidate and recruiter lists', () => {
  it("lists candidates with their sourcing as each caller may see it; sourcedByMe keeps the recruiter's own", async () => {
    const m = await createMarketplace(h.db);
    const claimed = (await claim(m)).body;
    const list = async (actor: Marketplace['actors']['recruiter'], query = 'limit=100') => {
      const res = await h.request('GET', `/api/v1/candidates?${query}`, { actor });
      expect(res.status).toBe(200);
      return res.body.data as { id: string; sourcing: Record<string, unknown> }[];
    };
    const mine = await list(m.actors.recruiter, 'sourcedByMe=true');
    expect(mine).toEqual([expect.objectContaining({ id: m.candidateId, sourcing: { ...claimed } })]);
    const others = (await list(m.actors.otherRecruiter)).find((c) => c.id === m.candidateId);
    expect(others?.sourcing).toMatchObject({
      state: 'protected',
      recruiterId: null,
      recruiterName: null,
      ownedByYou: false,
      protectedNow: true,
    });
    expect(await list(m.actors.otherRecruiter, 'sourcedByMe=true')).toEqual([]);
    expect((await list(m.actors.platformAdmin)).find((c) => c.id === m.candidateId)?.sourcing).toMatchObject({
      recruiterId: m.recruiterId,
      recruiterName: 'Rita Recruiter',
      workflowId: `protection-${m.candidateId}`,
    });
    expect(others?.sourcing.workflowId).toBeNull();
    const unclaimed = await createCandidate(h.db);
    expect((await list(m.actors.recruiter)).find((c) => c.id === unclaimed)?.sourcing).toMatchObject({
      state: 'unclaimed',
      recruiterId: null,
      protectionEndsAt: null,
    });
    expect((await h.request('GET', '/api/v1/candidates?sourcedByMe=yes', { actor: m.actors.recruiter })).status).toBe(400);
    const one = await h.request('GET', `/api/v1/candidates/${m.candidateId}`, { actor: m.actors.otherRecruiter });
    expect(one.body).toEqual(
      expect.objectContaining({ id: m.candidateId, sourcing: expect.objectContaining({ state: 'protected', recruiterId: null }) }),
    );
    expect((await h.request('GET', `/api/v1/candidates/${randomUUID()}`, { actor: m.actors.recruiter })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/candidates', { actor: m.actors.companyAdmin })).status).toBe(403);
  });

  it('lists recruiters by display name only, to every signed-in role', async () => {
    const m = await createMarketplace(h.db);
    const res = await h.request('GET', '/api/v1/recruiters?limit=100', { actor: m.actors.companyAdmin });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(
      expect.arrayContaining([
        { id: m.recruiterId, displayName: 'Rita Recruiter' },
        { id: m.otherRecruiterId, displayName: 'Otto Recruiter' },
      ]),
    );
    expect((await h.request('GET', '/api/v1/recruiters')).status).toBe(401);
  });
});

describe('protection enforcement on proposals', () => {
  it("refuses another recruiter's proposal with the window's end and records the attempt; the owner may propose", async () => {
    const m = await createMarketplace(h.db);
    const { body: claimed } = await claim(m);
    const blocked = await propose(m);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error).toMatchObject({ code: 'candidate_protected', details: { protectedUntil: claimed.protectionEndsAt } });
    expect(blocked.body.error.message).not.toContain(m.recruiterId);
    expect(await h.db('candidate_role_assignments').where({ candidate_id: m.candidateId })).toHaveLength(0);
    const event = await eventually(() =>
      h.db('marketplace_events').where({ candidate_id: m.candidateId, type: 'protected_submission_blocked' }).first(),
    );
    expect(event).toMatchObject({ recruiter_id: m.otherRecruiterId, details: { jobId: m.jobId } });
    expect((await propose(m, m.actors.recruiter)).status).toBe(201);
  });

  it('allows other recruiters once the sourcer releases the protection', async () => {
    const m = await createMarketplace(h.db);
    await claim(m);
    const released = await h.request('POST', `/api/v1/candidates/${m.candidateId}/source/release`, {
      actor: m.actors.recruiter,
      body: { reason: 'not for me' },
    });
    expect(released.body).toMatchObject({ state: 'released', protectedNow: false });
    expect((await propose(m)).status).toBe(201);
  });
});
