import { afterAll, describe, expect, it } from 'vitest';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../../lib/db.js';
import { DEMO, seedDemo } from '../../db/seeds/demo.js';
import { databaseUrl } from '../support/context.js';

// A scratch database of its own: in the suite's database the demo's jobs would show up in other tests' marketplace lists.
const name = `splits_demo_seed_${process.pid}_${Date.now()}`;
const adminUrl = Object.assign(new URL(databaseUrl()), { pathname: '/postgres' }).toString();
afterAll(() => dropDatabase(adminUrl, name));

describe('the demo seed', () => {
  it('applies on a migrated database and again without changing anything, with a job Alice holds and shares with Bob only', async () => {
    await ensureDatabase(adminUrl, name);
    const db = createDb(Object.assign(new URL(databaseUrl()), { pathname: `/${name}` }).toString(), { max: 1 });
    try {
      await migrateLatest(db);
      await seedDemo(db);
      const count = async () =>
        Number((await db('jobs').count({ n: '*' }))[0]!.n) + Number((await db('job_recruiters').count({ n: '*' }))[0]!.n);
      const before = await count();
      await seedDemo(db);
      expect(await count()).toBe(before);
      expect(await db('jobs').where({ id: DEMO.jobs.acmeMl }).first()).toMatchObject({ shared_with_marketplace: false, status: 'open' });
      expect(await db('job_recruiters').where({ job_id: DEMO.jobs.acmeMl }).orderBy('relation').select('recruiter_id', 'relation')).toEqual(
        [
          { recruiter_id: DEMO.recruiters.alice, relation: 'holder' },
          { recruiter_id: DEMO.recruiters.bob, relation: 'partner' },
        ],
      );
    } finally {
      await db.destroy();
    }
  });
});
