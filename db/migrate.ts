import { loadConfig } from '../lib/config.js';
import { createDb, migrateLatest } from '../lib/db.js';
import { isMain, runMain } from '../lib/main.js';
import { seedDemo } from './seeds/demo.js';

/**
 * `npm run migrate [-- --seed]`: applies pending migrations (and the demo seed).
 * `--check-config` first validates the app's whole configuration, so a deployment missing a
 * secret stops here, before any worker or the API starts.
 */
if (isMain(import.meta.url)) {
  runMain(async () => {
    if (process.argv.includes('--check-config')) loadConfig();
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set');
    const db = createDb(url, { max: 1 });
    try {
      const applied = await migrateLatest(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      if (process.argv.includes('--seed')) {
        await seedDemo(db);
        console.log('demo data seeded');
      }
    } finally {
      await db.destroy();
    }
  });
}
