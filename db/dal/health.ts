import type { Db } from '../../lib/db.js';

/** The readiness probe's question to Postgres. */
export const healthDal = (db: Db) => ({
  ping: async () => {
    await db.raw('select 1');
  },
});
