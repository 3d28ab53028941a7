import { configProblems, loadConfig, PROCESS_NAMES, type ProcessName } from '../lib/config.js';
import { createDb, migrateLatest } from '../lib/db.js';
import { isMain, runMain } from '../lib/main.js';
import { seedDemo } from './seeds/demo.js';

/**
 * The processes `--check-config[=api,worker-ats-sync,…]` checks: all of them when none are named
 * (a deployment runs them all), so one missing or malformed setting stops the deployment here,
 * before any worker or the API starts, naming each problem and the process that needs it.
 */
export function processesToCheck(argv: readonly string[]): ProcessName[] | undefined {
  const flag = argv.find((a) => a === '--check-config' || a.startsWith('--check-config='));
  if (!flag) return undefined;
  const named =
    flag
      .split('=')[1]
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean) ?? [];
  const unknown = named.filter((n) => !PROCESS_NAMES.includes(n as ProcessName));
  if (unknown.length > 0) throw new Error(`--check-config: unknown process ${unknown.join(', ')} (known: ${PROCESS_NAMES.join(', ')})`);
  return named.length > 0 ? (named as ProcessName[]) : PROCESS_NAMES;
}

/** `npm run migrate [-- --seed] [-- --check-config[=…]]`: applies pending migrations (and the demo seed). */
if (isMain(import.meta.url)) {
  runMain(async () => {
    const processes = processesToCheck(process.argv);
    if (processes) {
      const problems = configProblems(processes);
      if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
    }
    const { DATABASE_URL } = loadConfig('migrate');
    const db = createDb(DATABASE_URL, { max: 1 });
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
