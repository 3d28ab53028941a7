import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundles } from '../../scripts/build-workflow-bundles.js';
import { DATA_DIR, PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { recordedHistories, replay } from '../support/replay.js';

/**
 * What the image's build stage does (Dockerfile `build`), run here: the app compiled with
 * tsconfig.build.json, and the two prebuilt workflow bundles. Inside the project, so the compiled
 * modules resolve packages from its node_modules as they do from the image's.
 */
const run = promisify(execFile);
const out = mkdtempSync(path.join(DATA_DIR, 'build-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const ENTRY_POINTS = [
  'api/server.js',
  'db/migrate.js',
  'workers/proposals.js',
  'workers/placements.js',
  'workers/ownership.js',
  'workers/automation.js',
  'workers/ats-sync.js',
];

describe('the image build', () => {
  it('compiles the app to JavaScript whose ESM imports all resolve, without tsx', async () => {
    const dist = path.join(out, 'dist');
    await run(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist],
      { cwd: PROJECT_ROOT },
    );
    // Laid out as the runtime stage copies it: the compiled tree plus the one CommonJS file tsc does not emit.
    for (const entry of ENTRY_POINTS) expect(existsSync(path.join(dist, entry)), entry).toBe(true);
    expect(
      existsSync(path.join(dist, 'test')) ||
        existsSync(path.join(dist, 'testkit')) ||
        existsSync(path.join(dist, 'bench')) ||
        existsSync(path.join(dist, 'scripts')),
    ).toBe(false);
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY lib/failure-converter.cjs ./lib/');
    const imports = ENTRY_POINTS.map((e) => `await import(${JSON.stringify(path.join(dist, e))});`).join('\n');
    await run(process.execPath, ['--input-type=module', '-e', imports], { cwd: out, env: { PATH: process.env.PATH ?? '' } });
    // The compiled gate runs as the migrate Job and service run it, and refuses an empty configuration.
    const failed = await run(process.execPath, [path.join(dist, 'db/migrate.js'), '--check-config'], {
      cwd: out,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    }).catch((err: { code: number; stderr: string }) => err);
    expect('code' in failed && failed.code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/^Invalid configuration:\n {2}DATABASE_URL: not set/);
  }, 240_000);

  it('prebuilds the plain and the traced workflow bundles, and the replay corpus replays on the plain one', async () => {
    const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };
    const [plain, traced] = await buildWorkflowBundles(path.join(out, 'bundles'), quiet);
    expect([plain, traced].map((f) => path.basename(f!))).toEqual(['workflows.js', 'workflows-traced.js']);
    // Only the traced one carries the OpenTelemetry workflow interceptors (and calls their sink).
    expect(readFileSync(traced!, 'utf8')).toContain('OpenTelemetryInboundInterceptor');
    expect(readFileSync(plain!, 'utf8')).not.toContain('OpenTelemetryInboundInterceptor');
    const histories = await recordedHistories();
    const { failures, results } = await replay(histories, { bundle: { codePath: plain! } });
    expect(failures).toEqual([]);
    expect(results).toHaveLength(histories.length);
  }, 240_000);
});
