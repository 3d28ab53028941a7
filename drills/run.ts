/**
 * Runs the drills (`drills/*.drill.ts`, each `export default` a Drill) one after another in
 * this process: `npm run drills [-- name…]` (all by default). Each drill starts and stops its
 * own infrastructure inside run(), bounded by its timeoutMs (a timeout is a failure). Prints
 * a table and each drill's failures, writes JSON to test-results/drills/, and exits 1 if
 * any drill lost anything or failed.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { formatReports, passed, writeReports, type Drill, type DrillReport } from './lib/report.js';

const DIR = path.dirname(fileURLToPath(import.meta.url));
/** After a timeout: how long to let the drill's own cleanup finish before the next starts. */
const CLEANUP_GRACE_MS = 90_000;

async function loadDrills(): Promise<Drill[]> {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.drill.ts')).sort();
  const drills: Drill[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(DIR, file)).href)) as { default?: Drill };
    const drill = mod.default;
    if (!drill || typeof drill.run !== 'function' || typeof drill.name !== 'string') {
      throw new Error(`${file} does not export a Drill as its default export`);
    }
    drills.push(drill);
  }
  return drills;
}

async function runOne(drill: Drill): Promise<DrillReport> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  console.log(`\n▶ ${drill.name} (timeout ${Math.round(drill.timeoutMs / 1000)}s)`);
  const running = drill.run();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), drill.timeoutMs);
  });
  try {
    const outcome = await Promise.race([running, timeout]);
    if (outcome === 'timeout') {
      console.error(
        `[drills] ${drill.name} timed out after ${drill.timeoutMs / 1000}s; waiting up to ${CLEANUP_GRACE_MS / 1000}s for its cleanup`,
      );
      await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, CLEANUP_GRACE_MS).unref())]);
      return { name: drill.name, checked: [], lost: 0, failures: [`timed out after ${drill.timeoutMs / 1000}s`], seconds: seconds() };
    }
    return { name: drill.name, ...outcome, seconds: seconds() };
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { name: drill.name, checked: [], lost: 0, failures: [`the drill threw: ${message}`], seconds: seconds() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The process-wide Temporal runtime, installed once here before any drill loads: workers log
 * expected failures (refused updates, retried activities) at WARN, which the drills assert
 * instead. Drills must not call Runtime.install() themselves. DRILL_LOG_LEVEL=INFO shows more.
 */
function installRuntime() {
  const level = (process.env.DRILL_LOG_LEVEL ?? 'ERROR') as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: level } } },
  });
}

async function main(): Promise<number> {
  installRuntime();
  const all = await loadDrills();
  const asked = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = asked.filter((name) => !all.some((d) => d.name === name));
  if (unknown.length) {
    console.error(`unknown drill(s): ${unknown.join(', ')}; known: ${all.map((d) => d.name).join(', ')}`);
    return 2;
  }
  const selected = asked.length ? asked.map((name) => all.find((d) => d.name === name)!) : all;
  const reports: DrillReport[] = [];
  for (const drill of selected) {
    const report = await runOne(drill);
    console.log(
      `${passed(report) ? '✓' : '✗'} ${drill.name}: ${report.checked.length} checked, ${report.lost} lost, ${report.failures.length} failure(s), ${report.seconds}s`,
    );
    reports.push(report);
  }
  console.log(`\n${formatReports(reports)}\n`);
  const file = await writeReports(reports);
  console.log(`JSON report: ${path.relative(process.cwd(), file)}`);
  return reports.every(passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
