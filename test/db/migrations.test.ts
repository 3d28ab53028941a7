import { afterAll, describe, expect, it } from 'vitest';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../../lib/db.js';
import { databaseUrl } from '../support/context.js';

// A scratch database beside the suite's own, on the same server.
const name = `splits_migrations_${process.pid}_${Date.now()}`;
const adminUrl = Object.assign(new URL(databaseUrl()), { pathname: '/postgres' }).toString();
const scratchUrl = Object.assign(new URL(databaseUrl()), { pathname: `/${name}` }).toString();
afterAll(() => dropDatabase(adminUrl, name));

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
});
