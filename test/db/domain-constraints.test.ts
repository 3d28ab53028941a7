import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../../lib/db.js';
import { ROLES } from '../../domain/actors.js';
import { ATS_PLATFORMS, INTEGRATION_STATES, SYNC_INTERVAL_MINUTES } from '../../domain/ats.js';
import { JOB_CHANGE_KINDS, JOB_LIMITS, JOB_RECRUITER_RELATIONS, JOB_STATUSES, REMOTE_MODES } from '../../domain/jobs.js';
import { APPROVAL_STATUSES, APPROVER_ROLES, DECISION_SOURCES, EXECUTION_STATUSES } from '../../domain/automation.js';
import { COLLABORATOR_ROLES, MIN_SPLIT_BPS, TOTAL_BPS } from '../../domain/money.js';
import { OUTREACH_STATUSES } from '../../domain/outreach.js';
import { PAYOUT_STATUSES, SPLIT_STATUSES, TRANCHES } from '../../domain/payout.js';
import { ESCROW_STATUSES, PLACEMENT_STATES } from '../../domain/placement.js';
import { MAGIC_LINK_PURPOSES, PEOPLE_CHANGES, PEOPLE_LIMITS } from '../../domain/people.js';
import { PROPOSAL_STATES } from '../../domain/proposal.js';
import { PROTECTION_STATES } from '../../domain/protection.js';
import { REFUND_POLICIES, TERMS, TERMS_SCOPES, TERM_NAMES } from '../../domain/terms.js';
import { databaseUrl } from '../support/context.js';

// Migrations hold frozen lists (a past migration never changes); domain/ holds the current
// ones. This compares what a freshly migrated database accepts with what the domain says.
const name = `splits_domain_constraints_${process.pid}_${Date.now()}`;
const adminUrl = Object.assign(new URL(databaseUrl()), { pathname: '/postgres' }).toString();
let db: ReturnType<typeof createDb>;
/** Each table's check constraints by name, as Postgres prints them (`state = ANY (ARRAY['a'::text, …])`). */
const checks = new Map<string, { name: string; def: string }[]>();

beforeAll(async () => {
  await ensureDatabase(adminUrl, name);
  db = createDb(Object.assign(new URL(databaseUrl()), { pathname: `/${name}` }).toString(), { max: 1 });
  await migrateLatest(db);
  const { rows } = await db.raw(`
    select c.relname as "table", k.conname as name, pg_get_constraintdef(k.oid) as def
      from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
     where k.contype = 'c' and n.nspname = 'public'`);
  for (const { table, name, def } of rows as { table: string; name: string; def: string }[])
    checks.set(table, [...(checks.get(table) ?? []), { name, def }]);
});
afterAll(async () => {
  await db?.destroy();
  await dropDatabase(adminUrl, name);
});

/** The values the check constraint on `table` (or the one named `constraint`) allows in `column` (`column in (…)`), sorted. */
function allowed(table: string, column: string, constraint?: string): string[] {
  const pattern = new RegExp(`(?<![\\w.])\\(?${column}\\)?(?:::text)? = ANY \\(\\(?ARRAY\\[([^\\]]*)\\]`);
  const found = (checks.get(table) ?? [])
    .filter((c) => !constraint || c.name === constraint)
    .map((c) => pattern.exec(c.def))
    .filter((m) => m !== null);
  expect(found, `one check constraint on ${table}.${column} lists its values`).toHaveLength(1);
  return [...found[0]![1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!).sort();
}

/** The bounds a check constraint on `table` puts on `column` (`column between a and b`). */
function range(table: string, column: string): { min: number; max: number } {
  const defs = (checks.get(table) ?? []).map((c) => c.def).join(' ');
  const min = new RegExp(`\\(${column} >= (\\d+)\\)`).exec(defs)?.[1];
  const max = new RegExp(`\\(${column} <= (\\d+)\\)`).exec(defs)?.[1];
  return { min: Number(min), max: Number(max) };
}

const sorted = (values: readonly string[]) => [...values].sort();

describe('database check constraints equal the domain constants', () => {
  it('users.role (users_role_valid; users_company_role ties company roles to a company)', () => {
    expect(allowed('users', 'role', 'users_role_valid')).toEqual(sorted(ROLES));
  });

  it.each([
    ['candidate_role_assignments', 'state', PROPOSAL_STATES],
    ['placements', 'state', PLACEMENT_STATES],
    ['escrow_holds', 'status', ESCROW_STATUSES],
    ['payout_schedules', 'status', PAYOUT_STATUSES],
    ['payout_schedules', 'tranche', TRANCHES],
    ['payout_splits', 'status', SPLIT_STATUSES],
    ['placement_collaborators', 'role', COLLABORATOR_ROLES],
    ['candidate_sourcers', 'protection_state', PROTECTION_STATES],
    ['automation_rules', 'approver_role', APPROVER_ROLES],
    ['automation_executions', 'status', EXECUTION_STATUSES],
    ['automation_approvals', 'status', APPROVAL_STATUSES],
    ['decision_audit_log', 'source', DECISION_SOURCES],
    ['integrations', 'platform', ATS_PLATFORMS],
    ['integrations', 'state', INTEGRATION_STATES],
    ['candidate_outreach', 'status', OUTREACH_STATUSES],
    ['jobs', 'status', JOB_STATUSES],
    ['jobs', 'remote', REMOTE_MODES],
    ['job_changes', 'change', JOB_CHANGE_KINDS],
    ['job_recruiters', 'relation', JOB_RECRUITER_RELATIONS],
    ['company_settings', 'refund_policy', REFUND_POLICIES],
    ['terms_changes', 'term', TERM_NAMES],
    ['people_changes', 'change', PEOPLE_CHANGES],
    ['magic_links', 'purpose', MAGIC_LINK_PURPOSES],
  ] as const)('%s.%s', (table, column, domain) => {
    expect(allowed(table, column)).toEqual(sorted(domain));
  });

  it('integrations.interval_minutes and placement_collaborators.split_bps', () => {
    expect(range('integrations', 'interval_minutes')).toEqual({ min: SYNC_INTERVAL_MINUTES.min, max: SYNC_INTERVAL_MINUTES.max });
    expect(range('placement_collaborators', 'split_bps')).toEqual({ min: MIN_SPLIT_BPS, max: TOTAL_BPS });
  });

  it('jobs: text lengths, salary bounds and fee terms (domain/jobs.ts JOB_LIMITS)', () => {
    const defs = (checks.get('jobs') ?? []).map((c) => c.def).join(' ');
    expect(defs).toContain(`char_length(title) <= ${JOB_LIMITS.title}`);
    expect(defs).toContain(`char_length(description) <= ${JOB_LIMITS.description}`);
    expect(defs).toContain(`char_length(location) <= ${JOB_LIMITS.location}`);
    expect(defs).toContain(`salary_min_cents >= ${JOB_LIMITS.salaryCents.min}`);
    expect(defs).toContain(`salary_max_cents <= '${JOB_LIMITS.salaryCents.max}'`);
    expect(range('jobs', 'fee_percent_bps')).toEqual(JOB_LIMITS.feeBps);
    expect(range('jobs', 'fee_fixed_cents')).toEqual({ min: JOB_LIMITS.fixedFeeCents.min, max: JOB_LIMITS.fixedFeeCents.max });
  });

  it('company terms: each company column and marketplace default takes exactly the limits of domain/terms.ts TERMS', async () => {
    expect(range('company_settings', 'proposal_timeout_hours')).toEqual(limits('proposalDecisionHours'));
    expect(range('company_settings', 'protection_window_days')).toEqual(limits('protectionWindowDays'));
    expect(range('company_settings', 'payment_terms_days')).toEqual(limits('paymentTermsDays'));
    expect(range('company_settings', 'platform_fee_bps')).toEqual(limits('platformFeeBps'));
    expect(range('placements', 'platform_fee_bps')).toEqual(limits('platformFeeBps'));
    expect(range('placement_guarantee_config', 'guarantee_days')).toEqual(limits('guaranteeDays'));
    expect(range('placement_guarantee_config', 'holdback_bps')).toEqual(limits('holdbackBps'));
    expect(allowed('terms_changes', 'scope')).toEqual(sorted(TERMS_SCOPES));

    // marketplace_config holds jsonb, so its check is probed: each limit is accepted, one step beyond refused.
    const KEYS = {
      proposalDecisionHours: 'proposal_timeout_hours',
      guaranteeDays: 'guarantee_days',
      holdbackBps: 'holdback_bps',
      protectionWindowDays: 'protection_window_days',
      paymentTermsDays: 'payment_terms_days',
      platformFeeBps: 'platform_fee_bps',
    } as const;
    const accepts = (key: string, value: unknown) =>
      db.transaction(async (trx) => {
        const ok = await trx
          .raw('savepoint probe')
          .then(() =>
            trx('marketplace_config')
              .where({ key })
              .update({ value: JSON.stringify(value) }),
          )
          .then(
            () => true,
            () => false,
          );
        await trx.raw('rollback to savepoint probe');
        return ok;
      });
    for (const [term, key] of Object.entries(KEYS) as [keyof typeof KEYS, string][]) {
      const { min, max } = limits(term);
      expect([await accepts(key, min), await accepts(key, max)], `${key} takes ${min} and ${max}`).toEqual([true, true]);
      expect([await accepts(key, min - 1), await accepts(key, max + 1)], `${key} refuses ${min - 1} and ${max + 1}`).toEqual([
        false,
        false,
      ]);
    }
    for (const policy of REFUND_POLICIES) expect(await accepts('refund_policy', policy), policy).toBe(true);
    expect(await accepts('refund_policy', 'partial')).toBe(false);
  });

  it('people: name, address and company-name lengths (domain/people.ts PEOPLE_LIMITS)', () => {
    const defs = (table: string) => (checks.get(table) ?? []).map((c) => c.def).join(' ');
    expect(defs('users')).toContain(`char_length(name) <= ${PEOPLE_LIMITS.name}`);
    expect(defs('users')).toContain(`char_length(email) <= ${PEOPLE_LIMITS.email}`);
    expect(defs('companies')).toContain(`char_length(name) <= ${PEOPLE_LIMITS.companyName}`);
    expect(defs('recruiters')).toContain(`char_length(display_name) <= ${PEOPLE_LIMITS.name}`);
  });
});

/** An integer term's limits. */
function limits(term: Exclude<keyof typeof TERMS, 'refundPolicy'>) {
  return { min: TERMS[term].min, max: TERMS[term].max };
}
