import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, composeCommand, temporalCli } from '../../scripts/lib/tools.js';
import { SEARCH_ATTRIBUTES, TASK_QUEUES } from '../../workflows/constants.js';
import { temporalAddress } from '../support/context.js';

const run = promisify(execFile);
const FILE = 'docker-compose.temporal.yml';
const CLOUD_OVERRIDE = 'docker/compose.temporal-cloud.yml';

interface Service {
  command?: string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: { published: string; target: number; host_ip?: string }[];
  container_name?: string;
}

/** Only what compose needs to run: nothing of this machine's app configuration leaks in. */
const bareEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra });

/** `docker compose -f <files> config --format json`, resolved as compose resolves it. */
async function resolved(files: string[], env: Record<string, string> = {}): Promise<Record<string, Service>> {
  const [cmd, ...pre] = composeCommand();
  const { stdout } = await run(cmd!, [...pre, ...files.flatMap((f) => ['-f', f]), 'config', '--format', 'json'], { cwd: PROJECT_ROOT, env: bareEnv(env) });
  return (JSON.parse(stdout) as { services: Record<string, Service> }).services;
}

const workerServices = Object.values(TASK_QUEUES).map((queue) => [`worker-${queue}`, queue] as const);
const appServices = [...workerServices.map(([name]) => name), 'api'];

describe('the production compose file', () => {
  it('passes `docker compose config` as it is, with no variable set', async () => {
    const [cmd, ...pre] = composeCommand();
    const { stderr } = await run(cmd!, [...pre, '-f', FILE, 'config', '--quiet'], { cwd: PROJECT_ROOT, env: bareEnv() });
    expect(stderr).toBe('');
  });

  it('runs one scalable worker service per task queue, each after the migrations, the Temporal server and the search attributes', async () => {
    const services = await resolved([FILE]);
    for (const [name, queue] of workerServices) {
      const worker = services[name];
      expect(worker, name).toBeDefined();
      const script = worker!.command!.at(-1)!;
      expect(script).toBe(`workers/${queue}.ts`);
      expect(existsSync(path.join(PROJECT_ROOT, script))).toBe(true);
      // --scale needs replicas that do not clash: no fixed name, no host port.
      expect(worker!.container_name).toBeUndefined();
      expect(worker!.ports ?? []).toEqual([]);
    }
    for (const name of appServices) {
      expect(services[name]!.depends_on, name).toEqual({
        postgres: expect.objectContaining({ condition: 'service_healthy' }),
        migrate: expect.objectContaining({ condition: 'service_completed_successfully' }),
        temporal: expect.objectContaining({ condition: 'service_healthy' }),
        'temporal-admin-tools': expect.objectContaining({ condition: 'service_completed_successfully' }),
      });
    }
    for (const name of ['postgres', 'temporal', 'api']) expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(0);
    // The migration step checks the app's whole configuration first, with the app's environment.
    expect(services.migrate!.command).toEqual(['node', '--import', 'tsx', 'db/migrate.ts', '--check-config']);
    expect(Object.keys(services.migrate!.environment!).sort()).toEqual(
      Object.keys(services['worker-proposals']!.environment!).filter((k) => !k.startsWith('WORKER_')).sort(),
    );
  });

  it('wires the Web UI to the API codec server, and both follow the ports and secrets given in the environment', async () => {
    const services = await resolved([FILE], { API_PORT: '4000', TEMPORAL_UI_PORT: '9090', JWT_SECRET: 'j'.repeat(40), PAYLOAD_CODEC_KEYS: 'p1:key' });
    const ui = services['temporal-ui']!.environment!;
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe('http://localhost:4000/codec');
    expect(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
    expect(ui.TEMPORAL_CORS_ORIGINS).toBe('http://localhost:3000');
    const api = services.api!;
    expect(api.environment).toMatchObject({ CODEC_CORS_ORIGINS: 'http://localhost:9090', TEMPORAL_UI_URL: 'http://localhost:9090', JWT_SECRET: 'j'.repeat(40), PAYLOAD_CODEC_KEYS: 'p1:key', NODE_ENV: 'production' });
    expect(api.ports).toEqual([expect.objectContaining({ published: '4000', target: 3000 })]);
    expect(services['temporal-ui']!.ports).toEqual([expect.objectContaining({ published: '9090', target: 8080, host_ip: '127.0.0.1' })]);
  });

  it('with the Temporal Cloud override, starts every app service without the bundled Temporal server', async () => {
    const services = await resolved([FILE, CLOUD_OVERRIDE]);
    for (const name of appServices) expect(Object.keys(services[name]!.depends_on!).sort(), name).toEqual(['migrate', 'postgres']);
  });

  it('stops at the migration step, naming each missing secret, before it touches the database', async () => {
    // The database URL points at a closed port: the check must fail first, and say why.
    const env = bareEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', JWT_SECRET: 'short' });
    const failed = await run(process.execPath, ['--import', 'tsx', 'db/migrate.ts', '--check-config'], { cwd: PROJECT_ROOT, env }).catch((err: { code: number; stderr: string }) => err);
    expect('code' in failed && failed.code).toBe(1);
    const { stderr } = failed as { stderr: string };
    for (const variable of ['JWT_SECRET', 'STRIPE_SECRET_KEY', 'RESEND_API_KEY', 'PAYLOAD_CODEC_KEYS']) expect(stderr).toContain(variable);
    expect(stderr).not.toMatch(/ECONNREFUSED/);
  });

  it("registers every search attribute with the admin-tools script, idempotently", async () => {
    const namespace = `compose-${Date.now()}`;
    const cli = temporalCli();
    await run(cli, ['operator', 'namespace', 'create', '--namespace', namespace, '--address', temporalAddress()]);
    const env = bareEnv({ PATH: `${path.dirname(cli)}:${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: namespace, SA_RETRY_SECONDS: '1' });
    for (let i = 0; i < 2; i++) await run('sh', ['docker/register-search-attributes.sh'], { cwd: PROJECT_ROOT, env });
    const { stdout } = await run(cli, ['operator', 'search-attribute', 'list', '--namespace', namespace, '--address', temporalAddress(), '-o', 'json']);
    const listed = JSON.parse(stdout) as { customAttributes?: Record<string, string> };
    for (const a of Object.values(SEARCH_ATTRIBUTES)) expect(listed.customAttributes?.[a.name], a.name).toMatch(new RegExp(a.type, 'i'));
  });
});
