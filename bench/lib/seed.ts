import type { Db } from '../../lib/db.js';
import type { Marketplace } from '../../testkit/harness/factories.js';

/**
 * Deterministic ids for bulk rows, the same in SQL and TypeScript: row `i` of table `kind` is
 * `iiiiiiii-0000-4000-8000-kkkkkkkkkkkk` (hex; a well-formed version-4 uuid).
 */
export const KIND = {
  company: 1,
  job: 2,
  candidate: 5,
  postCandidate: 6,
  proposal: 7,
  placement: 8,
  collaborator: 9,
  payout: 10,
  escrow: 11,
  sleepCandidate: 12,
} as const;

export function seqId(kind: number, i: number): string {
  return `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${kind.toString(16).padStart(12, '0')}`;
}

/** SQL for seqId(kind, expr). */
const sid = (kind: number, expr: string) => `(lpad(to_hex(${expr}), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(${kind}), 12, '0'))::uuid`;

/** `count` candidates of `kind` (ids seqId(kind, 1..count)), created `ageSeconds` + i seconds ago. */
export async function seedCandidates(db: Db, kind: number, count: number, ageSeconds = 0): Promise<void> {
  await db.raw(
    `insert into candidates (id, full_name, email, created_at)
    select ${sid(kind, 'i')}, 'Bench Candidate ' || i, 'bench-${kind}-' || i || '@example.com', now() - make_interval(secs => ? + i)
    from generate_series(1, ?) as i`,
    [ageSeconds, count],
  );
}

export const COMPANIES = 100;

/**
 * `rows` rows in each listed table (proposals, placements with escrow and one collaborator,
 * payouts with one split, candidates, marketplace events), spread over COMPANIES companies with
 * one open job each; the marketplace's company is company 0 (1 / COMPANIES of the rows), so a
 * company-scoped list reads its index. Row i is i seconds old. Inserted by SQL
 * (`insert … select generate_series`), then analysed. Returns seconds taken.
 */
export async function seedLists(db: Db, m: Marketplace, rows: number): Promise<number> {
  const started = performance.now();
  const company = (j: string) => `(case when ${j} = 0 then '${m.companyId}'::uuid else ${sid(KIND.company, j)} end)`;
  const recruiter = (i: string) => `(case when ${i} % 2 = 0 then '${m.recruiterId}'::uuid else '${m.otherRecruiterId}'::uuid end)`;
  const at = (i: string) => `now() - make_interval(secs => ${i})`;
  const job = (i: string) => sid(KIND.job, `${i} % ${COMPANIES}`);
  const run = (sql: string) => db.raw(sql);

  await run(
    `insert into companies (id, name) select ${sid(KIND.company, 'j')}, 'Bench company ' || j from generate_series(1, ${COMPANIES - 1}) as j`,
  );
  await run(
    `insert into jobs (id, company_id, title, status) select ${sid(KIND.job, 'j')}, ${company('j')}, 'Bench job ' || j, 'open' from generate_series(0, ${COMPANIES - 1}) as j`,
  );
  await seedCandidates(db, KIND.candidate, rows);
  await run(`insert into candidate_role_assignments
      (id, candidate_id, job_id, company_id, recruiter_id, pitch, state, decision_deadline, reminder_at, decided_at, decision_reason, workflow_id, created_at, updated_at)
    select ${sid(KIND.proposal, 'i')}, ${sid(KIND.candidate, 'i')}, ${job('i')}, ${company(`i % ${COMPANIES}`)}, ${recruiter('i')}, 'Bench pitch ' || i,
      s.state, ${at('i')} + interval '72 hours', ${at('i')} + interval '48 hours',
      case when s.state in ('proposed', 'company_reviewing') then null else ${at('i')} + interval '1 hour' end,
      case when s.state = 'declined' then 'not a fit' end,
      'proposal-' || ${sid(KIND.proposal, 'i')}, ${at('i')}, ${at('i')}
    from generate_series(1, ${rows}) as i,
      lateral (select (array['proposed', 'company_reviewing', 'accepted', 'declined', 'withdrawn', 'timed_out'])[1 + i % 6] as state) s`);
  await run(`insert into placements
      (id, company_id, job_id, candidate_id, fee_cents, currency, holdback_bps, start_date, guarantee_days, guarantee_ends_at, state, splits_locked_at, workflow_id, created_at, updated_at)
    select ${sid(KIND.placement, 'i')}, ${company(`i % ${COMPANIES}`)}, ${job('i')}, ${sid(KIND.candidate, 'i')}, 2500000, 'USD', 2000,
      (${at('i')})::date, 90, case when s.state = 'hired' then null else ${at('i')} + interval '90 days' end,
      s.state, case when s.state = 'hired' then null else ${at('i')} end, 'placement-' || ${sid(KIND.placement, 'i')}, ${at('i')}, ${at('i')}
    from generate_series(1, ${rows}) as i,
      lateral (select (array['hired', 'active', 'completed', 'failed'])[1 + i % 4] as state) s`);
  await run(`insert into escrow_holds (id, placement_id, amount_cents, currency, status, held_at, settled_at)
    select ${sid(KIND.escrow, 'i')}, ${sid(KIND.placement, 'i')}, 500000, 'USD', s.status, ${at('i')}, case when s.status = 'held' then null else ${at('i')} + interval '90 days' end
    from generate_series(1, ${rows}) as i,
      lateral (select (array['held', 'held', 'released', 'refunded'])[1 + i % 4] as status) s`);
  await run(`insert into placement_collaborators (id, placement_id, recruiter_id, role, split_bps, created_at)
    select ${sid(KIND.collaborator, 'i')}, ${sid(KIND.placement, 'i')}, ${recruiter('i')}, 'sourcer', 10000, ${at('i')}
    from generate_series(1, ${rows}) as i`);
  await run(`insert into payout_schedules (id, placement_id, tranche, amount_cents, currency, status, workflow_id, created_at, updated_at)
    select ${sid(KIND.payout, 'i')}, ${sid(KIND.placement, 'i')}, 'activation', 2000000, 'USD', s.status, 'payout-' || ${sid(KIND.payout, 'i')}, ${at('i')}, ${at('i')}
    from generate_series(1, ${rows}) as i,
      lateral (select (array['processing', 'blocked', 'paid', 'cancelled'])[1 + i % 4] as status) s`);
  await run(`insert into payout_splits (payout_id, collaborator_id, recruiter_id, amount_cents, stripe_account_id, status, stripe_transfer_id, block_reason, updated_at)
    select ${sid(KIND.payout, 'i')}, ${sid(KIND.collaborator, 'i')}, ${recruiter('i')}, 2000000, 'acct_bench', s.status,
      case when s.status = 'paid' then 'tr_bench_' || i end, case when s.status = 'blocked' then 'account cannot receive transfers' end, ${at('i')}
    from generate_series(1, ${rows}) as i,
      lateral (select (array['pending', 'blocked', 'paid', 'cancelled'])[1 + i % 4] as status) s`);
  await run(`insert into marketplace_events (type, candidate_id, recruiter_id, actor_user_id, actor_role, details, occurred_at, event_key)
    select (array['protected_submission_blocked', 'sourcing.conflict'])[1 + i % 2], ${sid(KIND.candidate, 'i')}, ${recruiter('i')}, null, 'recruiter',
      jsonb_build_object('jobId', ${job('i')}), ${at('i')}, 'bench-event-' || i
    from generate_series(1, ${rows}) as i`);
  await run('analyze');
  return (performance.now() - started) / 1000;
}
