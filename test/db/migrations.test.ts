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
