import { afterAll, describe, expect, it } from 'vitest';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../../lib/db.js';
import { databaseUrl } from '../support/context.js';

// A scratch database beside the suite's own, on the same server.
const name = `splits_migrations_${process.pid}_${Date.now()}`;
const adminUrl = Object.assign(new URL(databaseUrl()), { pathname: '/postgres' }).toString();
const scratchUrl = Object.assign(new URL(databaseUrl()), { pathname: `/${name}` }).toString();
afterAll(() => dropDatabase(adminUrl, name));

/** A scratch database of its own, migrated to the latest, for `test`. */
async function scratch(suffix: string, test: (db: ReturnType<typeof createDb>) => Promise<void>) {
  const own = `${name}_${suffix}`;
  await ensureDatabase(adminUrl, own);
  const db = createDb(Object.assign(new URL(databaseUrl()), { pathname: `/${own}` }).toString(), { max: 1 });
  try {
    await migrateLatest(db);
    await test(db);
  } finally {
    await db.destroy();
    await dropDatabase(adminUrl, own);
  }
}

describe('migrations', () => {
  it('apply, roll back completely, and apply again', async () => {
    await ensureDatabase(adminUrl, name);
    const db = createDb(scratchUrl, { max: 1 });
    try {
      const applied = await migrateLatest(db);
      expect(applied.length).toBeGreaterThanOrEqual(4);
      await db.migrate.rollback(undefined, true);
      const left = await db.raw(
        `select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name not like 'knex_%'`,
      );
      expect(left.rows[0].n).toBe(0);
      expect(await migrateLatest(db)).toEqual(applied);
    } finally {
      await db.destroy();
    }
  });

  it('009 turns the ATS stage names synced applications held into canonical stages with the name as label, and back', async () => {
    await scratch('stages', async (db) => {
      const MIGRATION = '009_application_stage_label';
      await db.migrate.down({ name: MIGRATION });
      const [company] = (await db('companies').insert({ name: 'Acme' }).returning('id')) as [{ id: string }];
      const [job] = await db('jobs').insert({ company_id: company!.id, title: 'Engineer' }).returning('id');
      const candidates = await db('candidates')
        .insert([{ full_name: 'A' }, { full_name: 'B' }, { full_name: 'C' }])
        .returning('id');
      const rows = [
        ['Recruiter Screen', 'active'],
        ['Onsite', 'rejected'],
        ['screening', 'active'],
      ] as const;
      await db('applications').insert(
        rows.map(([stage, status], i) => ({ candidate_id: candidates[i]!.id, job_id: job!.id, stage, status })),
      );
      const stages = async () =>
        (await db('applications').orderBy('candidate_id').select('candidate_id', 'stage', 'stage_label'))
          .map((a) => [candidates.findIndex((c: { id: string }) => c.id === a.candidate_id), a.stage, a.stage_label ?? null])
          .sort();
      await db.migrate.up({ name: MIGRATION });
      expect(await stages()).toEqual([
        [0, 'screening', 'Recruiter Screen'],
        [1, 'rejected', 'Onsite'],
        [2, 'screening', null],
      ]);
      await db.migrate.down({ name: MIGRATION });
      expect((await db('applications').select('stage')).map((a) => a.stage).sort()).toEqual(['Onsite', 'Recruiter Screen', 'screening']);
    });
  });
  it('011 adds the sign-in tables and users.deactivated_at, refuses a second session or key with the same hash, and its down removes them all', async () => {
    await scratch('sign_in', async (db) => {
      const [user] = (await db('users').insert({ email: 'a@b.test', name: 'A', role: 'platform_admin' }).returning('id')) as [
        { id: string },
      ];
      await db('sessions').insert({ id: 'h1', user_id: user.id, csrf_hash: 'c', expires_at: new Date(Date.now() + 1000) });
      await expect(db('sessions').insert({ id: 'h1', user_id: user.id, csrf_hash: 'd', expires_at: new Date() })).rejects.toThrow(
        /duplicate key/,
      );
      await db('api_keys').insert({ user_id: user.id, name: 'k', prefix: 'spk_x', key_hash: 'k1' });
      await expect(db('api_keys').insert({ user_id: user.id, name: 'k2', prefix: 'spk_y', key_hash: 'k1' })).rejects.toThrow(
        /duplicate key/,
      );
      await expect(db('api_keys').insert({ user_id: user.id, name: '', prefix: 'spk_z', key_hash: 'k3' })).rejects.toThrow(
        /api_keys_name_length/,
      );
      const tables = async () =>
        (
          await db('information_schema.tables')
            .where({ table_schema: 'public' })
            .whereIn('table_name', ['magic_links', 'sessions', 'api_keys', 'sign_in_requests'])
            .select('table_name')
        )
          .map((t) => t.table_name)
          .sort();
      expect(await tables()).toEqual(['api_keys', 'magic_links', 'sessions', 'sign_in_requests']);
      await db.migrate.down({ name: '011_sign_in' });
      expect(await tables()).toEqual([]);
      expect(await db.schema.hasColumn('users', 'deactivated_at')).toBe(false);
    });
  });

  it('012 keeps existing jobs open or closed and shared, accepts paused, and turns paused jobs into closed ones on the way down', async () => {
    await scratch('jobs', async (db) => {
      const MIGRATION = '012_jobs_posting';
      await db.migrate.down({ name: MIGRATION });
      const [company] = (await db('companies').insert({ name: 'Acme' }).returning('id')) as [{ id: string }];
      const [open, closed] = (await db('jobs')
        .insert([
          { company_id: company.id, title: 'Open' },
          { company_id: company.id, title: 'Closed', status: 'closed' },
        ])
        .returning('id')) as [{ id: string }, { id: string }];
      await db.migrate.up({ name: MIGRATION });
      const rows = await db('jobs').orderBy('title', 'desc').select('id', 'status', 'shared_with_marketplace', 'fee_percent_bps');
      expect(rows).toEqual([
        { id: open.id, status: 'open', shared_with_marketplace: true, fee_percent_bps: null },
        { id: closed.id, status: 'closed', shared_with_marketplace: true, fee_percent_bps: null },
      ]);
      await db('jobs').where({ id: open.id }).update({ status: 'paused', description: 'Rust and Postgres' });
      // The generated search vector follows the row; both fee forms at once are refused.
      expect(await db('jobs').whereRaw(`search @@ websearch_to_tsquery('english', 'postgres')`).pluck('id')).toEqual([open.id]);
      await expect(
        db('jobs').where({ id: open.id }).update({ fee_percent_bps: 2000, fee_fixed_cents: 100, fee_currency: 'USD' }),
      ).rejects.toThrow(/jobs_fee_terms/);
      await expect(
        db('jobs').where({ id: open.id }).update({ salary_min_cents: 10, salary_max_cents: 5, salary_currency: 'USD' }),
      ).rejects.toThrow(/jobs_salary_range/);
      await db.migrate.down({ name: MIGRATION });
      expect((await db('jobs').orderBy('title', 'desc').select('status')).map((j) => j.status)).toEqual(['closed', 'closed']);
      await expect(db('jobs').insert({ company_id: company.id, title: 'Paused', status: 'paused' })).rejects.toThrow(/jobs_status_valid/);
    });
  });

  it('013 keeps existing candidates as they were, keys their e-mail for duplicate lookup, and rolls back', async () => {
    await scratch('profiles', async (db) => {
      const MIGRATION = '013_candidate_profiles';
      await db.migrate.down({ name: MIGRATION });
      // A synced name longer than the hand-entered limit, and an e-mail as an ATS might send it.
      const [synced] = (await db('candidates')
        .insert({ full_name: 'N'.repeat(300), email: '  Ada@Example.COM ' })
        .returning('id')) as [{ id: string }];
      const [plain] = (await db('candidates').insert({ full_name: 'Grace', email: null }).returning('id')) as [{ id: string }];
      await db.migrate.up({ name: MIGRATION });
      const rows = await db('candidates')
        .orderBy('full_name')
        .select('id', 'email_normalized', 'skills', 'erased_at', 'created_by_recruiter_id');
      expect(rows).toEqual([
        { id: plain.id, email_normalized: null, skills: [], erased_at: null, created_by_recruiter_id: null },
        { id: synced.id, email_normalized: 'ada@example.com', skills: [], erased_at: null, created_by_recruiter_id: null },
      ]);
      const found = await db.raw(`select id from candidates where search_vector @@ to_tsquery('simple', 'ada:*')`);
      expect(found.rows.map((r: { id: string }) => r.id)).toEqual([synced.id]);
      // A recruiter-added name over the limit is refused by the database too.
      const [user] = (await db('users').insert({ email: 'r@example.com', name: 'R', role: 'recruiter' }).returning('id')) as [
        { id: string },
      ];
      const [recruiter] = (await db('recruiters').insert({ user_id: user.id, display_name: 'R' }).returning('id')) as [{ id: string }];
      await expect(db('candidates').insert({ full_name: 'x'.repeat(201), created_by_recruiter_id: recruiter.id })).rejects.toThrow(
        /candidates_name_length/,
      );
      await db.migrate.down({ name: MIGRATION });
      expect((await db('candidates').orderBy('id').select('id', 'full_name', 'email')).length).toBe(2);
      expect(await db.schema.hasTable('candidate_files')).toBe(false);
    });
  });

  it('015 keeps one holder per job, and on the way down keeps the sharing audit as edits', async () => {
    await scratch('partners', async (db) => {
      const MIGRATION = '015_job_recruiters';
      const [company] = (await db('companies').insert({ name: 'Acme' }).returning('id')) as [{ id: string }];
      const [job] = (await db('jobs').insert({ company_id: company.id, title: 'Engineer' }).returning('id')) as [{ id: string }];
      const users = (await db('users')
        .insert([
          { email: 'a@example.com', name: 'A', role: 'recruiter' },
          { email: 'b@example.com', name: 'B', role: 'recruiter' },
        ])
        .returning('id')) as { id: string }[];
      const [a, b] = (await db('recruiters')
        .insert(users.map((u, i) => ({ user_id: u.id, display_name: `R${i}` })))
        .returning('id')) as [{ id: string }, { id: string }];
      await db('job_recruiters').insert({ job_id: job.id, recruiter_id: a.id, relation: 'holder' });
      await expect(db('job_recruiters').insert({ job_id: job.id, recruiter_id: b.id, relation: 'holder' })).rejects.toThrow(
        /job_recruiters_one_holder/,
      );
      // A relation the domain does not know (written raw: the typed table would not compile it).
      await expect(
        db.raw(`insert into job_recruiters (job_id, recruiter_id, relation) values (?, ?, 'owner')`, [job.id, b.id]),
      ).rejects.toThrow(/job_recruiters_relation_valid/);
      await db('job_recruiters').insert({ job_id: job.id, recruiter_id: b.id, relation: 'partner' });
      const partner = { recruiterId: b.id, name: 'R1' };
      await db('job_changes').insert([
        { job_id: job.id, actor_role: 'company_admin', change: 'created', changes: JSON.stringify({ title: [null, 'Engineer'] }) },
        { job_id: job.id, actor_role: 'recruiter', change: 'partner_added', changes: JSON.stringify({ partner: [null, partner] }) },
      ]);
      await db.migrate.down({ name: MIGRATION });
      expect(await db.schema.hasTable('job_recruiters')).toBe(false);
      expect(await db('job_changes').orderBy('id').select('change', 'changes')).toEqual([
        { change: 'created', changes: { title: [null, 'Engineer'] } },
        { change: 'edited', changes: { partner: [null, partner] } },
      ]);
      // Still append-only, and the old list of changes again.
      await expect(db('job_changes').update({ change: 'closed' })).rejects.toThrow(/append-only/);
      await expect(
        db('job_changes').insert({ job_id: job.id, actor_role: 'recruiter', change: 'holder_set', changes: '{}' }),
      ).rejects.toThrow(/job_changes_change_valid/);
      await db.migrate.up({ name: MIGRATION });
      expect(await db('job_recruiters')).toEqual([]);
    });
  });

  it("018 gives existing placements and payouts no platform fee, keeps the fee within 0–50 % and a payout's cut within its amount, and rolls back", async () => {
    await scratch('platform_fee', async (db) => {
      const MIGRATION = '018_platform_fee';
      await db.migrate.down({ name: MIGRATION });
      const [company] = (await db('companies').insert({ name: 'Acme' }).returning('id')) as [{ id: string }];
      const [job] = (await db('jobs').insert({ company_id: company.id, title: 'Engineer' }).returning('id')) as [{ id: string }];
      const [candidate] = (await db('candidates').insert({ full_name: 'Ada' }).returning('id')) as [{ id: string }];
      const placementId = '00000000-0000-4000-8000-000000000018';
      const placement = {
        company_id: company.id,
        job_id: job.id,
        candidate_id: candidate.id,
        fee_cents: 1_000_000,
        currency: 'USD',
        holdback_bps: 2000,
        start_date: '2026-01-05',
        guarantee_days: 90,
        state: 'active' as const,
        created_at: new Date(),
        updated_at: new Date(),
      };
      await db('placements').insert({ id: placementId, ...placement, workflow_id: 'placement-1' });
      const payout = {
        placement_id: placementId,
        tranche: 'activation' as const,
        amount_cents: 800_000,
        currency: 'USD',
        status: 'paid' as const,
      };
      const payoutId = '00000000-0000-4000-8000-000000000019';
      await db('payout_schedules').insert({
        id: payoutId,
        ...payout,
        workflow_id: 'payout-1',
        created_at: new Date(),
        updated_at: new Date(),
      });
      await db.migrate.up({ name: MIGRATION });
      expect(await db('placements').where({ id: placementId }).first()).toMatchObject({ platform_fee_bps: 0, fee_cents: 1_000_000 });
      expect(await db('payout_schedules').where({ id: payoutId }).first()).toMatchObject({ platform_fee_cents: 0, amount_cents: 800_000 });
      await db('placements').where({ id: placementId }).update({ platform_fee_bps: 5000 });
      await expect(db('placements').where({ id: placementId }).update({ platform_fee_bps: 5001 })).rejects.toThrow(
        /placements_platform_fee_range/,
      );
      await expect(db('placements').where({ id: placementId }).update({ platform_fee_bps: -1 })).rejects.toThrow(
        /placements_platform_fee_range/,
      );
      await db('payout_schedules').where({ id: payoutId }).update({ platform_fee_cents: 800_000 });
      await expect(db('payout_schedules').where({ id: payoutId }).update({ platform_fee_cents: 800_001 })).rejects.toThrow(
        /payout_platform_fee_within_amount/,
      );
      await db.migrate.down({ name: MIGRATION });
      expect(await db.schema.hasColumn('placements', 'platform_fee_bps')).toBe(false);
      expect(await db.schema.hasColumn('payout_schedules', 'platform_fee_cents')).toBe(false);
      expect(await db('payout_schedules').where({ id: payoutId }).first()).toMatchObject({ amount_cents: 800_000 });
    });
  });

  it('016 keeps company settings, adds the new marketplace defaults within the same limits as company values, and rolls back', async () => {
    await scratch('terms', async (db) => {
      const MIGRATION = '016_company_terms';
      await db.migrate.down({ name: MIGRATION });
      const [company] = (await db('companies').insert({ name: 'Acme' }).returning('id')) as [{ id: string }];
      await db('company_settings').insert({ company_id: company.id, proposal_timeout_hours: 48, protection_window_days: 60 });
      await db.migrate.up({ name: MIGRATION });
      expect(await db('company_settings').where({ company_id: company.id }).first()).toMatchObject({
        proposal_timeout_hours: 48,
        protection_window_days: 60,
        refund_policy: null,
        payment_terms_days: null,
        platform_fee_bps: null,
      });
      const config = Object.fromEntries((await db('marketplace_config').select('key', 'value')).map((r) => [r.key, r.value]));
      expect(config).toMatchObject({ refund_policy: 'full', payment_terms_days: 30, platform_fee_bps: 0, proposal_timeout_hours: 72 });
      // A default outside its limits, of the wrong JSON type, or fractional is refused like a company value; other keys are free.
      for (const [key, value] of [
        ['proposal_timeout_hours', 721],
        ['guarantee_days', '90'],
        ['protection_window_days', 1.5],
        ['payment_terms_days', 121],
        ['refund_policy', 'partial'],
      ] as const) {
        await expect(
          db('marketplace_config')
            .where({ key })
            .update({ value: JSON.stringify(value) }),
          key,
        ).rejects.toThrow(/marketplace_config_terms_valid/);
      }
      await db('marketplace_config')
        .where({ key: 'proposal_reminder_hours_before' })
        .update({ value: JSON.stringify(1000) });
      await expect(
        db('company_settings')
          .where({ company_id: company.id })
          .update({ refund_policy: 'some' as never }),
      ).rejects.toThrow(/company_settings_refund_policy_valid/);
      await expect(
        db('terms_changes').insert({
          scope: 'marketplace',
          company_id: company.id,
          term: 'guaranteeDays',
          old_effective: '1',
          new_effective: '2',
          actor_role: 'platform_admin',
        }),
      ).rejects.toThrow(/terms_changes_scope_valid/);
      await db.migrate.down({ name: MIGRATION });
      expect(await db.schema.hasTable('terms_changes')).toBe(false);
      expect(await db.schema.hasColumn('company_settings', 'refund_policy')).toBe(false);
      expect(await db('marketplace_config').whereIn('key', ['refund_policy', 'payment_terms_days', 'platform_fee_bps'])).toEqual([]);
      expect(await db('company_settings').where({ company_id: company.id }).first()).toMatchObject({ proposal_timeout_hours: 48 });
    });
  });

  it('017 adds payout accounts (one per recruiter and per Stripe account, checked statuses), an append-only audit and Stripe event ids, and rolls back', async () => {
    await scratch('payout_accounts', async (db) => {
      const MIGRATION = '017_payout_accounts';
      const [user] = (await db('users').insert({ email: 'rec@m017.test', name: 'Rec', role: 'recruiter' }).returning('id')) as [
        { id: string },
      ];
      const [recruiter] = (await db('recruiters').insert({ user_id: user.id, display_name: 'Rec' }).returning('id')) as [{ id: string }];
      const row = { recruiter_id: recruiter.id, idempotency_key: 'k1', created_at: new Date(), updated_at: new Date() };
      await db('recruiter_payout_accounts').insert(row);
      expect(await db('recruiter_payout_accounts').where({ recruiter_id: recruiter.id }).first()).toMatchObject({
        status: 'onboarding',
        stripe_account_id: null,
        currently_due: [],
        payouts_enabled: false,
      });
      await expect(
        db('recruiter_payout_accounts')
          .where({ recruiter_id: recruiter.id })
          .update({ status: 'paused' as never }),
      ).rejects.toThrow(/recruiter_payout_account_valid/);
      await expect(
        db('recruiter_payout_accounts').where({ recruiter_id: recruiter.id }).update({ stripe_account_id: 'ba_123' }),
      ).rejects.toThrow(/recruiter_payout_account_valid/);
      await db('payout_account_changes').insert({
        recruiter_id: recruiter.id,
        stripe_account_id: 'acct_1',
        old_status: 'not_connected',
        new_status: 'onboarding',
        actor_role: 'recruiter',
      });
      await expect(db('payout_account_changes').update({ new_status: 'enabled' })).rejects.toThrow(/append-only/);
      await db('stripe_webhook_events').insert({ id: 'evt_1', type: 'account.updated' });
      await expect(db('stripe_webhook_events').insert({ id: 'evt_1', type: 'account.updated' })).rejects.toThrow(/duplicate key/);
      await db.migrate.down({ name: MIGRATION });
      for (const table of ['recruiter_payout_accounts', 'payout_account_changes', 'stripe_webhook_events'])
        expect(await db.schema.hasTable(table)).toBe(false);
      expect(await db('recruiters').where({ id: recruiter.id }).first()).toMatchObject({ display_name: 'Rec' });
    });
  });

  it('014 keeps existing users active with their long names and existing links working, refuses a second address in another case, and rolls back', async () => {
    await scratch('people', async (db) => {
      const MIGRATION = '014_people';
      await db.migrate.down({ name: MIGRATION });
      const [seeded] = (await db('users')
        .insert({ email: 'Old@Example.com', name: 'N'.repeat(300), role: 'platform_admin' })
        .returning('id')) as [{ id: string }];
      await db('magic_links').insert({ token_hash: 'h1', user_id: seeded.id, expires_at: new Date(Date.now() + 60_000) });
      await db.migrate.up({ name: MIGRATION });
      expect(await db('users').where({ id: seeded.id }).first('invited_at', 'last_signed_in_at', 'deactivated_at')).toEqual({
        invited_at: null,
        last_signed_in_at: null,
        deactivated_at: null,
      });
      expect(await db('magic_links').where({ token_hash: 'h1' }).first('purpose', 'revoked_at')).toEqual({
        purpose: 'sign_in',
        revoked_at: null,
      });
      await expect(db('users').insert({ email: 'old@example.COM', name: 'Twin', role: 'platform_admin' })).rejects.toThrow(
        /users_email_lower_unique/,
      );
      await expect(db('users').insert({ email: 'new@example.com', name: 'x'.repeat(201), role: 'platform_admin' })).rejects.toThrow(
        /users_name_length/,
      );
      await expect(
        db('people_changes').insert({ user_id: seeded.id, actor_role: 'platform_admin', change: 'promoted' as never }),
      ).rejects.toThrow(/people_changes_change_valid/);
      await db.migrate.down({ name: MIGRATION });
      expect(await db.schema.hasTable('people_changes')).toBe(false);
      expect(await db.schema.hasColumn('users', 'invited_at')).toBe(false);
      expect(await db.schema.hasColumn('magic_links', 'purpose')).toBe(false);
    });
  });
});
