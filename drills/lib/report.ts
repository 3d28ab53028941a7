import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What one drill found. */
export interface DrillReport {
  name: string;
  checked: string[];
  /** what was lost or duplicated: must be 0 */
  lost: number;
  failures: string[];
  seconds: number;
  details?: Record<string, unknown>;
}

/** One drill: bounded in time, loopback only; starts and stops its own infrastructure inside `run()`. */
export interface Drill {
  name: string;
  timeoutMs: number;
  run(): Promise<Omit<DrillReport, 'name' | 'seconds'>>;
}

/** Whether a report counts as passed: nothing lost, no failures. */
export const passed = (r: DrillReport) => r.lost === 0 && r.failures.length === 0;

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** The summary table (drill | checked | lost | failures | seconds), then each drill's failures. */
export function formatReports(reports: DrillReport[]): string {
  const rows = [['drill', 'checked', 'lost', 'failures', 'seconds', 'result']];
  for (const r of reports) {
    rows.push([
      r.name,
      String(r.checked.length),
      String(r.lost),
      String(r.failures.length),
      r.seconds.toFixed(1),
      passed(r) ? 'ok' : 'FAIL',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => pad(c, widths[i]!)).join(' | ')} |`;
  const out = [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
  for (const r of reports) {
    out.push('', `## ${r.name}: checked`);
    for (const c of r.checked) out.push(`  - ${c}`);
    if (r.failures.length) {
      out.push(`## ${r.name}: ${r.failures.length} failure(s)`);
      const shown = r.failures.slice(0, 50);
      for (const f of shown) out.push(`  ✗ ${f}`);
      if (r.failures.length > shown.length) out.push(`  … and ${r.failures.length - shown.length} more (see the JSON report)`);
    }
  }
  return out.join('\n');
}

/** Writes the reports as JSON under test-results/drills/ (git-ignored); returns the file's path. */
export async function writeReports(reports: DrillReport[], dir = path.join(process.cwd(), 'test-results', 'drills')): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `drills-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const ok = reports.every(passed);
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), ok, reports }, null, 2)}\n`);
  return file;
}
