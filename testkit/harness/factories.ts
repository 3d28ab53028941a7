import { randomUUID } from 'node:crypto';
import type { Db } from '../../lib/db.js';
import type { Actor } from '../../domain/actors.js';

export interface Marketplace {
  companyId: string;
  jobId: string;
  candidateId: string;
  recruiterId: string;
  otherRecruiterId: string;
  actors: { recruiter: Actor; otherRecruiter: Actor; companyAdmin: Actor; hiringManager: Actor; foreignAdmin: Actor; platformAdmin: Actor };
  emails: { companyAdmin: string; hiringManager: string; recruiter: string };
}

/**
 * A company with an admin and a hiring manager, an open job, a candidate, two recruiters
 * and a foreign company's admin, all with fresh ids so tests never share rows.
 */
export async function createMarketplace(db: Db, opts: { proposalTimeoutHours?: number } = {}): Promise<Marketplace> {
  const id = () => randomUUID();
  const tag = randomUUID().slice(0, 8);
  const [companyId, foreignCompanyId, jobId, candidateId] = [id(), id(), id(), id()];
  const users = { admin: id(), hm: id(), foreign: id(), rec: id(), rec2: id(), platform: id() };
  const [recruiterId, otherRecruiterId] = [id(), id()];
  const emails = { companyAdmin: `admin-${tag}@acme.test`, hiringManager: `hm-${tag}@acme.test`, recruiter: `rec-${tag}@recruiters.test` };

  await db('companies').insert([
    { id: companyId, name: `Acme ${tag}` },
    { id: foreignCompanyId, name: `Foreign ${tag}` },
  ]);
  if (opts.proposalTimeoutHours) {
    await db('company_settings').insert({ company_id: companyId, proposal_timeout_hours: opts.proposalTimeoutHours });
  }
  await db('users').insert([
    { id: users.admin, email: emails.companyAdmin, name: 'Admin', role: 'company_admin', company_id: companyId },
    { id: users.hm, email: emails.hiringManager, name: 'Hiring Manager', role: 'hiring_manager', company_id: companyId },
    { id: users.foreign, email: `foreign-${tag}@other.test`, name: 'Foreign', role: 'company_admin', company_id: foreignCompanyId },
    { id: users.rec, email: emails.recruiter, name: 'Recruiter', role: 'recruiter' },
    { id: users.rec2, email: `rec2-${tag}@recruiters.test`, name: 'Other Recruiter', role: 'recruiter' },
    { id: users.platform, email: `platform-${tag}@splits.test`, name: 'Platform', role: 'platform_admin' },
  ]);
  await db('recruiters').insert([
    { id: recruiterId, user_id: users.rec, display_name: 'Rita Recruiter' },
    { id: otherRecruiterId, user_id: users.rec2, display_name: 'Otto Recruiter' },
  ]);
  await db('jobs').insert({ id: jobId, company_id: companyId, title: `Backend Engineer ${tag}`, hiring_manager_user_id: users.hm });
  await db('candidates').insert({ id: candidateId, full_name: `Ada ${tag}`, email: `ada-${tag}@example.com` });

  return {
    companyId,
    jobId,
    candidateId,
    recruiterId,
    otherRecruiterId,
    emails,
    actors: {
      recruiter: { userId: users.rec, role: 'recruiter', recruiterId },
      otherRecruiter: { userId: users.rec2, role: 'recruiter', recruiterId: otherRecruiterId },
      companyAdmin: { userId: users.admin, role: 'company_admin', companyId },
      hiringManager: { userId: users.hm, role: 'hiring_manager', companyId },
      foreignAdmin: { userId: users.foreign, role: 'company_admin', companyId: foreignCompanyId },
      platformAdmin: { userId: users.platform, role: 'platform_admin' },
    },
  };
}

/** A second candidate for the same marketplace. */
export async function createCandidate(db: Db): Promise<string> {
  const candidateId = randomUUID();
  await db('candidates').insert({ id: candidateId, full_name: `Grace ${candidateId.slice(0, 8)}` });
  return candidateId;
}

export interface CollaboratorSpec {
  role: 'sourcer' | 'submitter' | 'closer' | 'support';
  splitBps: number;
  /** The recruiter's connected account: a working one (default), one that cannot take transfers, or none. */
  account?: 'enabled' | 'disabled' | 'none';
}

export interface PlacementFixture {
  marketplace: Marketplace;
  placementId: string;
  collaborators: { id: string; recruiterId: string; stripeAccountId: string | null; spec: CollaboratorSpec }[];
}

type AccountMaker = { createAccount(opts?: { payoutsEnabled?: boolean }): { id: string } | Promise<{ id: string }> };

/** A marketplace and one recruiter per spec, each with a connected account in the fake Stripe as the spec says. */
export async function createCollaborators(db: Db, stripe: AccountMaker, specs: CollaboratorSpec[]) {
  const marketplace = await createMarketplace(db);
  const recruiters = [];
  for (const [i, spec] of specs.entries()) {
    const userId = randomUUID();
    const recruiterId = randomUUID();
    const account = spec.account ?? 'enabled';
    const stripeAccountId = account === 'none' ? null : (await stripe.createAccount({ payoutsEnabled: account === 'enabled' })).id;
    await db('users').insert({
      id: userId,
      email: `collab-${i}-${userId.slice(0, 8)}@recruiters.test`,
      name: `Collaborator ${i}`,
      role: 'recruiter',
    });
    await db('recruiters').insert({
      id: recruiterId,
      user_id: userId,
      display_name: `Collaborator ${i}`,
      stripe_account_id: stripeAccountId,
    });
    recruiters.push({ recruiterId, stripeAccountId, spec });
  }
  return { marketplace, recruiters };
}

/** A hired placement row (as the placement workflow would write it) with its collaborators. */
export async function createPlacement(
  db: Db,
  stripe: AccountMaker,
  specs: CollaboratorSpec[],
  opts: { feeCents?: number; currency?: string } = {},
): Promise<PlacementFixture> {
  const { marketplace: m, recruiters } = await createCollaborators(db, stripe, specs);
  const placementId = randomUUID();
  const now = new Date();
  await db('placements').insert({
    id: placementId,
    company_id: m.companyId,
    job_id: m.jobId,
    candidate_id: m.candidateId,
    fee_cents: opts.feeCents ?? 2_500_000,
    currency: opts.currency ?? 'USD',
    holdback_bps: 2000,
    start_date: now.toISOString().slice(0, 10),
    guarantee_days: 90,
    state: 'hired',
    workflow_id: `placement-${placementId}`,
    created_at: now,
    updated_at: now,
  });
  const collaborators = [];
  for (const [i, r] of recruiters.entries()) {
    const [row] = await db('placement_collaborators')
      .insert({
        placement_id: placementId,
        recruiter_id: r.recruiterId,
        role: r.spec.role,
        split_bps: r.spec.splitBps,
        created_at: new Date(now.getTime() + i),
      })
      .returning('id');
    collaborators.push({ id: row!.id as string, ...r });
  }
  return { marketplace: m, placementId, collaborators };
}

/** A `POST /placements` body: the marketplace's candidate hired, starting in 30 days, both recruiters collaborating. */
export function placementBody(m: Marketplace, overrides: Record<string, unknown> = {}) {
  return {
    jobId: m.jobId,
    candidateId: m.candidateId,
    feeCents: 2_500_000,
    currency: 'USD',
    startDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    collaborators: [
      { recruiterId: m.recruiterId, role: 'sourcer' },
      { recruiterId: m.otherRecruiterId, role: 'submitter' },
    ],
    ...overrides,
  };
}

/** Gives a recruiter a connected account in the fake Stripe; `payoutsEnabled: false` gives one that cannot take transfers. */
export async function connectAccount(
  db: Db,
  stripe: { createAccount(opts?: { payoutsEnabled?: boolean }): { id: string } },
  recruiterId: string,
  payoutsEnabled = true,
): Promise<string> {
  const { id } = stripe.createAccount({ payoutsEnabled });
  await db('recruiters').where({ id: recruiterId }).update({ stripe_account_id: id });
  return id;
}
