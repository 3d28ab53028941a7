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
      const left = await db.raw(`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name not like 'knex_%'`);
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
      const [company] = await db('companies').insert({ name: 'Acme' }).returning('id');
      const [job] = await db('jobs').insert({ company_id: company.id, title: 'Engineer' }).returning('id');
      const candidates = await db('candidates').insert([{ full_name: 'A' }, { full_name: 'B' }, { full_name: 'C' }]).returning('id');
      const rows = [['Recruiter Screen', 'active'], ['Onsite', 'rejected'], ['screening', 'active']] as const;
      await db('applications').insert(rows.map(([stage, status], i) => ({ candidate_id: candidates[i].id, job_id: job.id, stage, status })));
      const stages = async () => (await db('applications').orderBy('candidate_id').select('candidate_id', 'stage', 'stage_label'))
        .map((a) => [candidates.findIndex((c: { id: string }) => c.id === a.candidate_id), a.stage, a.stage_label ?? null]).sort();
      await db.migrate.up({ name: MIGRATION });
      expect(await stages()).toEqual([[0, 'screening', 'Recruiter Screen'], [1, 'rejected', 'Onsite'], [2, 'screening', null]]);
      await db.migrate.down({ name: MIGRATION });
      expect((await db('applications').select('stage')).map((a) => a.stage).sort()).toEqual(['Onsite', 'Recruiter Screen', 'screening']);
    });
  });

  it('013 keeps existing candidates as they were, keys their e-mail for duplicate lookup, and rolls back', async () => {
    await scratch('profiles', async (db) => {
      const MIGRATION = '013_candidate_profiles';
      await db.migrate.down({ name: MIGRATION });
      // A synced name longer than the hand-entered limit, and an e-mail as an ATS might send it.
      const [synced] = await db('candidates').insert({ full_name: 'N'.repeat(300), email: '  Ada@Example.COM ' }).returning('id');
      const [plain] = await db('candidates').insert({ full_name: 'Grace', email: null }).returning('id');
      await db.migrate.up({ name: MIGRATION });
      const rows = await db('candidates').orderBy('full_name').select('id', 'email_normalized', 'skills', 'erased_at', 'created_by_recruiter_id');
      expect(rows).toEqual([
        { id: plain.id, email_normalized: null, skills: [], erased_at: null, created_by_recruiter_id: null },
        { id: synced.id, email_normalized: 'ada@example.com', skills: [], erased_at: null, created_by_recruiter_id: null },
      ]);
      const found = await db.raw(`select id from candidates where search_vector @@ to_tsquery('simple', 'ada:*')`);
      expect(found.rows.map((r: { id: string }) => r.id)).toEqual([synced.id]);
      // A recruiter-added name over the limit is refused by the database too.
      const [user] = await db('users').insert({ email: 'r@example.com', name: 'R', role: 'recruiter' }).returning('id');
      const [recruiter] = await db('recruiters').insert({ user_id: user.id, display_name: 'R' }).returning('id');
      await expect(db('candidates').insert({ full_name: 'x'.repeat(201), created_by_recruiter_id: recruiter.id })).rejects.toThrow(/candidates_name_length/);
      await db.migrate.down({ name: MIGRATION });
      expect((await db('candidates').orderBy('id').select('id', 'full_name', 'email')).length).toBe(2);
      expect(await db.schema.hasTable('candidate_files')).toBe(false);
    });
  });
});

