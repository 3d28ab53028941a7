import type { Db } from '../../lib/db.js';
import type { TokenClaims } from '../../lib/tokens.js';

/** Fixed ids so demo tokens and links stay valid across restarts. */
export const DEMO = {
  companies: {
    acme: '0c0a0000-0000-4000-8000-000000000001',
    globex: '0c0a0000-0000-4000-8000-000000000002',
  },
  users: {
    admin: '05e40000-0000-4000-8000-000000000001',
    acmeAdmin: '05e40000-0000-4000-8000-000000000002',
    acmeHiringManager: '05e40000-0000-4000-8000-000000000003',
    globexAdmin: '05e40000-0000-4000-8000-000000000004',
    alice: '05e40000-0000-4000-8000-000000000005',
    bob: '05e40000-0000-4000-8000-000000000006',
    chloe: '05e40000-0000-4000-8000-000000000007',
  },
  recruiters: {
    alice: '7ec70000-0000-4000-8000-000000000001',
    bob: '7ec70000-0000-4000-8000-000000000002',
    chloe: '7ec70000-0000-4000-8000-000000000003',
  },
  jobs: {
    acmeBackend: '10b00000-0000-4000-8000-000000000001',
    acmeDesigner: '10b00000-0000-4000-8000-000000000002',
    globexSales: '10b00000-0000-4000-8000-000000000003',
    acmeMl: '10b00000-0000-4000-8000-000000000004',
  },
  candidates: {
    ada: 'ca4d0000-0000-4000-8000-000000000001',
    grace: 'ca4d0000-0000-4000-8000-000000000002',
    linus: 'ca4d0000-0000-4000-8000-000000000003',
    margaret: 'ca4d0000-0000-4000-8000-000000000004',
  },
  rules: {
    acmeScreenAccepted: 'a0700000-0000-4000-8000-000000000001',
  },
} as const;

/** The demo users as token claims, one per role (printed by `npm run dev`). */
export const DEMO_IDENTITIES: Record<string, TokenClaims & { label: string }> = {
  recruiter: { label: 'Alice (recruiter)', sub: DEMO.users.alice, role: 'recruiter', recruiterId: DEMO.recruiters.alice },
  recruiter2: { label: 'Bob (recruiter)', sub: DEMO.users.bob, role: 'recruiter', recruiterId: DEMO.recruiters.bob },
  recruiter3: { label: 'Chloe (recruiter)', sub: DEMO.users.chloe, role: 'recruiter', recruiterId: DEMO.recruiters.chloe },
  company_admin: { label: 'Carol (Acme company admin)', sub: DEMO.users.acmeAdmin, role: 'company_admin', companyId: DEMO.companies.acme },
  hiring_manager: {
    label: 'Dan (Acme hiring manager)',
    sub: DEMO.users.acmeHiringManager,
    role: 'hiring_manager',
    companyId: DEMO.companies.acme,
  },
  company_admin_globex: {
    label: 'Gina (Globex company admin)',
    sub: DEMO.users.globexAdmin,
    role: 'company_admin',
    companyId: DEMO.companies.globex,
  },
  platform_admin: { label: 'Pat (platform admin)', sub: DEMO.users.admin, role: 'platform_admin' },
};

/** Inserts the demo marketplace; running it again changes nothing. */
export async function seedDemo(db: Db): Promise<void> {
  const { companies: c, users: u, recruiters: r, jobs: j, candidates: k } = DEMO;
  const upsert = (table: string, rows: object[]) => db(table).insert(rows).onConflict('id').ignore();
  await upsert('companies', [
    { id: c.acme, name: 'Acme Robotics' },
    { id: c.globex, name: 'Globex Corporation' },
  ]);
  await upsert('users', [
    { id: u.admin, email: 'pat@splits.local', name: 'Pat Admin', role: 'platform_admin' },
    { id: u.acmeAdmin, email: 'carol@acme.local', name: 'Carol Chen', role: 'company_admin', company_id: c.acme },
    { id: u.acmeHiringManager, email: 'dan@acme.local', name: 'Dan Diaz', role: 'hiring_manager', company_id: c.acme },
    { id: u.globexAdmin, email: 'gina@globex.local', name: 'Gina Gold', role: 'company_admin', company_id: c.globex },
    { id: u.alice, email: 'alice@recruiters.local', name: 'Alice Archer', role: 'recruiter' },
    { id: u.bob, email: 'bob@recruiters.local', name: 'Bob Baker', role: 'recruiter' },
    { id: u.chloe, email: 'chloe@recruiters.local', name: 'Chloe Cruz', role: 'recruiter' },
  ]);
  await upsert('recruiters', [
    { id: r.alice, user_id: u.alice, display_name: 'Alice Archer', stripe_account_id: null },
    { id: r.bob, user_id: u.bob, display_name: 'Bob Baker', stripe_account_id: null },
    { id: r.chloe, user_id: u.chloe, display_name: 'Chloe Cruz', stripe_account_id: null },
  ]);
  await upsert('jobs', [
    // Fee terms of both forms (product §3.8), so the marketplace browse shows each.
    {
      id: j.acmeBackend,
      company_id: c.acme,
      title: 'Senior Backend Engineer',
      hiring_manager_user_id: u.acmeHiringManager,
      description: 'Build the control plane of our warehouse robots: TypeScript, Postgres and Temporal.',
      location: 'Berlin',
      remote: 'hybrid',
      salary_min_cents: 8_500_000,
      salary_max_cents: 11_000_000,
      salary_currency: 'EUR',
      fee_percent_bps: 2000,
    },
    { id: j.acmeDesigner, company_id: c.acme, title: 'Product Designer', location: 'Remote (EU)', remote: 'remote', fee_percent_bps: 1800 },
    {
      id: j.globexSales,
      company_id: c.globex,
      title: 'Enterprise Account Executive',
      location: 'New York',
      remote: 'on_site',
      fee_fixed_cents: 2_500_000,
      fee_currency: 'USD',
    },
    // Not shared with the marketplace: Alice holds it for Acme and shares it with Bob; Chloe does not see it (product §3.8).
    {
      id: j.acmeMl,
      company_id: c.acme,
      title: 'Staff Machine Learning Engineer',
      description: 'Teach our robots to pick what they have never seen. A confidential search: ask Alice Archer.',
      location: 'Munich',
      remote: 'hybrid',
      fee_percent_bps: 2500,
      shared_with_marketplace: false,
    },
  ]);
  await db('job_recruiters')
    .insert([
      { job_id: j.acmeMl, recruiter_id: r.alice, relation: 'holder', added_by_user_id: u.acmeAdmin },
      { job_id: j.acmeMl, recruiter_id: r.bob, relation: 'partner', added_by_user_id: u.alice },
    ])
    .onConflict(['job_id', 'recruiter_id'])
    .ignore();
  await upsert('candidates', [
    { id: k.ada, full_name: 'Ada Lovelace', email: 'ada@example.com' },
    { id: k.grace, full_name: 'Grace Hopper', email: 'grace@example.com' },
    { id: k.linus, full_name: 'Linus Torvalds', email: 'linus@example.com' },
    { id: k.margaret, full_name: 'Margaret Hamilton', email: 'margaret@example.com' },
  ]);
  // An automation rule that shows the approval flow: accepting a proposal asks Carol to approve the screening.
  const now = new Date();
  await upsert('automation_rules', [
    {
      id: DEMO.rules.acmeScreenAccepted,
      company_id: c.acme,
      name: 'Screen accepted candidates',
      trigger_event: 'proposal.accepted',
      conditions: null,
      actions: JSON.stringify([
        { type: 'advance_stage', stage: 'screening' },
        { type: 'create_task', title: 'Prepare the candidate for screening', dueInDays: 2 },
      ]),
      requires_approval: true,
      approval_timeout_hours: 24,
      approver_role: 'company_admin',
      enabled: true,
      created_by_user_id: u.acmeAdmin,
      created_at: now,
      updated_at: now,
    },
  ]);
}
