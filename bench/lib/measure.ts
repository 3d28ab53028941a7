import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';

export interface Measurement {
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `task(i)` for i < n with at most `limit` in flight; returns wall time and per-task latencies. */
export async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<Measurement> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: n / seconds, p50Ms: pct(50), p99Ms: pct(99) };
}

export function printTable(title: string, rows: [string, Measurement][]): void {
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
  console.log(`\n${title}`);
  console.log('| run | per second | p50 ms | p99 ms | wall s |');
  console.log('|---|---|---|---|---|');
  for (const [name, r] of rows) console.log(`| ${name} | ${fmt(r.perSecond)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.seconds)} |`);
}

/** Writes the run's numbers under bench/results/ (git-ignored). */
export async function saveReport(name: string, report: unknown): Promise<void> {
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${name}-${Date.now()}.json`), `${JSON.stringify(report, null, 2)}\n`);
}
