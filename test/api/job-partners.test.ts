import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createCandidate, createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { JOB_SHARING_LIMITS } from '../../domain/jobs.js';
import type { Actor } from '../../domain/actors.js';

// Holders and partners of a job (product §3.8): the company admin makes a recruiter the holder;
// the holder shares the job with partner recruiters, who see it and propose for it even when
// the company does not share it with the marketplace.

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const V = '/api/v1';

/** A recruiter of their own (a user and a recruiter row), optionally deactivated. */
async function newRecruiter(name: string, opts: { deactivated?: boolean } = {}): Promise<{ id: string; name: string; actor: Actor }> {
  const [userId, id] = [randomUUID(), randomUUID()];
  await h.db('users').insert({
    id: userId,
    email: `partner-${userId}@recruiters.test`,
    name,
    role: 'recruiter',
    deactivated_at: opts.deactivated ? new Date() : null,
  });
  await h.db('recruiters').insert({ id, user_id: userId, display_name: name });
  return { id, name, actor: { userId, role: 'recruiter', recruiterId: id } };
}

/** A marketplace whose job the company does not share with the marketplace, and a third recruiter. */
async function privateJob() {
  const m = await createMarketplace(h.db);
  await h.db('jobs').where({ id: m.jobId }).update({ shared_with_marketplace: false });
  const third = await newRecruiter(`Tess Third ${randomUUID().slice(0, 6)}`);
  return { m, third };
}

const setHolder = (m: Marketplace, recruiterId: unknown, actor: Actor = m.actors.companyAdmin, jobId = m.jobId) =>
  h.request('PUT', `${V}/jobs/${jobId}/holder`, { actor, body: { recruiterId } });
const removeHolder = (m: Marketplace, actor: Actor = m.actors.companyAdmin, jobId = m.jobId) =>
  h.request('DELETE', `${V}/jobs/${jobId}/holder`, { actor });
const addPartner = (m: Marketplace, actor: Actor, recruiterId: unknown, jobId = m.jobId) =>
  h.request('POST', `${V}/jobs/${jobId}/partners`, { actor, body: { recruiterId } });
const removePartner = (m: Marketplace, actor: Actor, recruiterId: string, jobId = m.jobId) =>
  h.request('DELETE', `${V}/jobs/${jobId}/partners/${recruiterId}`, { actor });
const getJob = (actor: Actor, jobId: string) => h.request('GET', `${V}/jobs/${jobId}`, { actor });
const browse = async (actor: Actor) => {
  const res = await h.request('GET', `${V}/jobs?limit=100`, { actor });
  expect(res.status).toBe(200);
  return res.body.data as { id: string; access: string; holder: { displayName: string } | null }[];
};
const propose = (actor: Actor, jobId: string, candidateId: string) =>
  h.request('POST', `${V}/proposals`, { actor, body: { candidateId, jobId, pitch: 'A partner match' } });
/** This job's relations and audit rows (scoped to the job: other files write concurrently). */
const state = async (jobId: string) => ({
  relations: await h.db('job_recruiters').where({ job_id: jobId }).orderBy('recruiter_id').select('recruiter_id', 'relation'),
  changes: Number((await h.db('job_changes').where({ job_id: jobId }).count({ n: '*' }))[0]!.n),
});

describe('who sees a job that is not shared with the marketplace', () => {
  it('shows it to its holder and partners, with how they got it, and to no other recruiter', async () => {
    const { m, third } = await privateJob();
    expect((await getJob(m.actors.recruiter, m.jobId)).status).toBe(404);

    expect((await setHolder(m, m.recruiterId)).status).toBe(200);
    const partner = await addPartner(m, m.actors.recruiter, m.otherRecruiterId);
    expect(partner.status).toBe(201);
    expect(partner.body).toMatchObject({
      jobId: m.jobId,
      holder: { recruiterId: m.recruiterId, displayName: 'Rita Recruiter' },
      partners: [{ recruiterId: m.otherRecruiterId, displayName: 'Otto Recruiter' }],
    });

    const held = await getJob(m.actors.recruiter, m.jobId);
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ access: 'holder', holder: { displayName: 'Rita Recruiter' } });
    const shared = await getJob(m.actors.otherRecruiter, m.jobId);
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({ access: 'partner', holder: { displayName: 'Rita Recruiter' } });
    expect((await getJob(third.actor, m.jobId)).status).toBe(404);

    // The browse lists it to holder and partner with the provenance; not to anyone else.
    expect((await browse(m.actors.recruiter)).find((j) => j.id === m.jobId)).toMatchObject({ access: 'holder' });
    expect((await browse(m.actors.otherRecruiter)).find((j) => j.id === m.jobId)).toMatchObject({
      access: 'partner',
      holder: { displayName: 'Rita Recruiter' },
    });
    expect((await browse(third.actor)).map((j) => j.id)).not.toContain(m.jobId);

    // The company sees who holds it; a recruiter who has a job from the marketplace is not told who holds it.
    expect((await getJob(m.actors.hiringManager, m.jobId)).body).toMatchObject({ access: null, holder: { displayName: 'Rita Recruiter' } });
    await h.db('jobs').where({ id: m.jobId }).update({ shared_with_marketplace: true });
    expect((await getJob(third.actor, m.jobId)).body).toMatchObject({ access: 'marketplace', holder: null });
  });

  it('lets a partner propose for it through the proposal workflow; an outsider gets 404 and nothing is written', async () => {
    const { m, third } = await privateJob();
    await setHolder(m, m.recruiterId);
    await addPartner(m, m.actors.recruiter, m.otherRecruiterId);

    const outsider = await propose(third.actor, m.jobId, m.candidateId);
    expect(outsider.status).toBe(404);
    expect(outsider.body.error.code).toBe('not_found');
    expect(await h.db('candidate_role_assignments').where({ job_id: m.jobId })).toHaveLength(0);

    const proposed = await propose(m.actors.otherRecruiter, m.jobId, m.candidateId);
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    expect(proposed.body).toMatchObject({ jobId: m.jobId, recruiterId: m.otherRecruiterId, state: 'proposed' });
    const holderProposal = await propose(m.actors.recruiter, m.jobId, await createCandidate(h.db));
    expect(holderProposal.status, JSON.stringify(holderProposal.body)).toBe(201);
  });

  it("ends the holder's and the partners' access when the company admin removes the holder, unless the job is marketplace-shared", async () => {
    const { m } = await privateJob();
    await setHolder(m, m.recruiterId);
    await addPartner(m, m.actors.recruiter, m.otherRecruiterId);

    const removed = await removeHolder(m);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ jobId: m.jobId, holder: null, partners: [] });
    for (const actor of [m.actors.recruiter, m.actors.otherRecruiter]) {
      expect((await getJob(actor, m.jobId)).status).toBe(404);
      expect((await propose(actor, m.jobId, m.candidateId)).status).toBe(404);
    }
    // Removing it again changes nothing.
    const before = await state(m.jobId);
    expect((await removeHolder(m)).status).toBe(200);
    expect(await state(m.jobId)).toEqual(before);

    // A marketplace-shared job stays visible to them as any marketplace job.
    await h.db('jobs').where({ id: m.jobId }).update({ shared_with_marketplace: true });
    expect((await getJob(m.actors.otherRecruiter, m.jobId)).body).toMatchObject({ access: 'marketplace', holder: null });
  });

  it('lets the holder stop sharing with a partner, who then no longer sees the job', async () => {
    const { m, third } = await privateJob();
    await setHolder(m, m.recruiterId);
    await addPartner(m, m.actors.recruiter, m.otherRecruiterId);
    await addPartner(m, m.actors.recruiter, third.id);

    const after = await removePartner(m, m.actors.recruiter, m.otherRecruiterId);
    expect(after.status).toBe(200);
    expect(after.body.partners).toEqual([{ recruiterId: third.id, displayName: third.name, addedAt: expect.any(String) }]);
    expect((await getJob(m.actors.otherRecruiter, m.jobId)).status).toBe(404);
    expect((await getJob(third.actor, m.jobId)).status).toBe(200);
    // Again: not a partner any more, nothing changes.
    const before = await state(m.jobId);
    expect((await removePartner(m, m.actors.recruiter, m.otherRecruiterId)).status).toBe(200);
    expect(await state(m.jobId)).toEqual(before);
  });
});

describe('who may change the sharing', () => {
  it("refuses sharing by a recruiter who does not hold the job: 403 when they see it, 404 when they don't", async () => {
    const { m, third } = await privateJob();
    await setHolder(m, m.recruiterId);
    await addPartner(m, m.actors.recruiter, m.otherRecruiterId);
    const before = await state(m.jobId);

    // A partner sees the job but does not hold it: no re-sharing, and no list of the other partners.
    const partnerShares = await addPartner(m, m.actors.otherRecruiter, third.id);
    expect(partnerShares.status).toBe(403);
    expect((await removePartner(m, m.actors.otherRecruiter, m.otherRecruiterId)).status).toBe(403);
    expect((await h.request('GET', `${V}/jobs/${m.jobId}/partners`, { actor: m.actors.otherRecruiter })).status).toBe(403);
    // An outsider does not learn the job exists.
    expect((await addPartner(m, third.actor, third.id)).status).toBe(404);
    expect((await h.request('GET', `${V}/jobs/${m.jobId}/partners`, { actor: third.actor })).status).toBe(404);
    // Recruiters do not choose holders; hiring managers and platform admins neither (read-only).
    for (const actor of [m.actors.recruiter, m.actors.hiringManager, m.actors.platformAdmin]) {
      expect((await setHolder(m, third.id, actor)).status).toBe(403);
      expect((await removeHolder(m, actor)).status).toBe(403);
    }
    // Company users and platform admins read the holder and partners.
    for (const actor of [m.actors.companyAdmin, m.actors.hiringManager, m.actors.platformAdmin, m.actors.recruiter]) {
      const read = await h.request('GET', `${V}/jobs/${m.jobId}/partners`, { actor });
      expect(read.status).toBe(200);
      expect(read.body.partners.map((p: { displayName: string }) => p.displayName)).toEqual(['Otto Recruiter']);
    }
    expect(await state(m.jobId)).toEqual(before);
  });

  it("answers 404 for another company's job, changing nothing", async () => {
    const { m, third } = await privateJob();
    const before = await state(m.jobId);
    expect((await setHolder(m, third.id, m.actors.foreignAdmin)).status).toBe(404);
    expect((await removeHolder(m, m.actors.foreignAdmin)).status).toBe(404);
    expect((await h.request('GET', `${V}/jobs/${m.jobId}/partners`, { actor: m.actors.foreignAdmin })).status).toBe(404);
    expect((await setHolder(m, third.id, m.actors.companyAdmin, randomUUID())).status).toBe(404);
    expect(await state(m.jobId)).toEqual(before);
  });

  it('refuses sharing with oneself, an unknown or deactivated recruiter, and past the partner limit (422), writing nothing', async () => {
    const { m } = await privateJob();
    await setHolder(m, m.recruiterId);
    const gone = await newRecruiter('Dee Activated', { deactivated: true });
    const before = await state(m.jobId);

    const self = await addPartner(m, m.actors.recruiter, m.recruiterId);
    expect(self.status).toBe(422);
    expect(self.body.error.code).toBe('partner_refused');
    expect((await addPartner(m, m.actors.recruiter, randomUUID())).body.error.code).toBe('unknown_recruiter');
    expect((await addPartner(m, m.actors.recruiter, gone.id)).body.error.code).toBe('recruiter_deactivated');
    expect((await setHolder(m, gone.id)).status).toBe(422);
    expect((await setHolder(m, randomUUID())).body.error.code).toBe('unknown_recruiter');
    expect(await state(m.jobId)).toEqual(before);

    // The limit: a job already shared with the maximum takes no more partners.
    const many = await Promise.all(
      Array.from({ length: JOB_SHARING_LIMITS.partnersPerJob }, (_, i) => newRecruiter(`Partner ${i} ${randomUUID().slice(0, 4)}`)),
    );
    await h.db('job_recruiters').insert(many.map((r) => ({ job_id: m.jobId, recruiter_id: r.id, relation: 'partner' })));
    const extra = await newRecruiter('One Too Many');
    const full = await addPartner(m, m.actors.recruiter, extra.id);
    expect(full.status).toBe(422);
    expect(full.body.error.message).toContain(String(JOB_SHARING_LIMITS.partnersPerJob));
  });

  it('refuses bad input with 400, changing nothing', async () => {
    const { m } = await privateJob();
    await setHolder(m, m.recruiterId);
    const before = await state(m.jobId);
    for (const body of [{}, { recruiterId: 'nope' }, { recruiterId: m.otherRecruiterId, extra: 1 }, { recruiterId: 42 }]) {
      expect((await h.request('PUT', `${V}/jobs/${m.jobId}/holder`, { actor: m.actors.companyAdmin, body })).status).toBe(400);
      expect((await h.request('POST', `${V}/jobs/${m.jobId}/partners`, { actor: m.actors.recruiter, body })).status).toBe(400);
    }
    expect((await removePartner(m, m.actors.recruiter, 'not-a-uuid')).status).toBe(400);
    expect(
      (await h.request('PUT', `${V}/jobs/not-a-uuid/holder`, { actor: m.actors.companyAdmin, body: { recruiterId: m.recruiterId } }))
        .status,
    ).toBe(400);
    expect(await state(m.jobId)).toEqual(before);
  });

  it('refuses every sharing change on a closed job with 409', async () => {
    const { m, third } = await privateJob();
    await setHolder(m, m.recruiterId);
    await addPartner(m, m.actors.recruiter, m.otherRecruiterId);
    expect((await h.request('POST', `${V}/jobs/${m.jobId}/close`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(200);
    const before = await state(m.jobId);
    expect((await setHolder(m, third.id)).status).toBe(409);
    expect((await removeHolder(m)).status).toBe(409);
    expect((await addPartner(m, m.actors.recruiter, third.id)).status).toBe(409);
    expect((await removePartner(m, m.actors.recruiter, m.otherRecruiterId)).status).toBe(409);
    expect(await state(m.jobId)).toEqual(before);
    // Holder and partner still open its page (their proposals link to it), but may not propose.
    expect((await getJob(m.actors.otherRecruiter, m.jobId)).body.status).toBe('closed');
    expect((await propose(m.actors.otherRecruiter, m.jobId, m.candidateId)).body.error.code).toBe('job_not_open');
  });
});

describe('repeats', () => {
  it('replays a share by its Idempotency-Key with the first answer, writing one partner and one audit row', async () => {
    const { m } = await privateJob();
    await setHolder(m, m.recruiterId);
    const before = await state(m.jobId);
    const headers = { 'Idempotency-Key': `share-${randomUUID()}` };
    const send = () =>
      h.request('POST', `${V}/jobs/${m.jobId}/partners`, { actor: m.actors.recruiter, body: { recruiterId: m.otherRecruiterId }, headers });
    const [first, again] = [await send(), await send()];
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const after = await state(m.jobId);
    expect(after.changes).toBe(before.changes + 1);
    expect(after.relations).toHaveLength(2);
  });
});

describe('the audit', () => {
  it("records every holder and partner change in the job's history with names, and repeats write nothing", async () => {
    const { m, third } = await privateJob();
    const rita = { recruiterId: m.recruiterId, name: 'Rita Recruiter' };
    const otto = { recruiterId: m.otherRecruiterId, name: 'Otto Recruiter' };
    const tess = { recruiterId: third.id, name: third.name };

    await setHolder(m, m.recruiterId);
    expect((await setHolder(m, m.recruiterId)).status).toBe(200); // the same holder again: nothing
    await addPartner(m, m.actors.recruiter, m.otherRecruiterId);
    expect((await addPartner(m, m.actors.recruiter, m.otherRecruiterId)).status).toBe(200); // already a partner: nothing
    await removePartner(m, m.actors.recruiter, m.otherRecruiterId);
    await addPartner(m, m.actors.recruiter, m.otherRecruiterId);
    // A new holder starts without the previous holder's partners.
    const changed = await setHolder(m, third.id);
    expect(changed.body).toMatchObject({ holder: { recruiterId: third.id }, partners: [] });
    expect((await getJob(m.actors.otherRecruiter, m.jobId)).status).toBe(404);
    expect((await getJob(m.actors.recruiter, m.jobId)).status).toBe(404);
    await removeHolder(m);

    const res = await h.request('GET', `${V}/jobs/${m.jobId}/changes`, { actor: m.actors.companyAdmin });
    expect(res.status).toBe(200);
    const rows = res.body.data as { change: string; changes: unknown; actorName: string; actorRole: string }[];
    expect(rows.map((r) => [r.change, r.changes, r.actorName, r.actorRole])).toEqual([
      ['holder_removed', { holder: [tess, null] }, 'Admin', 'company_admin'],
      ['holder_set', { holder: [rita, tess], partners: [[otto], []] }, 'Admin', 'company_admin'],
      ['partner_added', { partner: [null, otto] }, 'Rita Recruiter', 'recruiter'],
      ['partner_removed', { partner: [otto, null] }, 'Rita Recruiter', 'recruiter'],
      ['partner_added', { partner: [null, otto] }, 'Rita Recruiter', 'recruiter'],
      ['holder_set', { holder: [null, rita] }, 'Admin', 'company_admin'],
    ]);
  });
});
