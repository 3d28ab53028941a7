import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { processesToCheck } from '../../db/migrate.js';
import { configProblems, PROCESS_NAMES, PROCESS_REQUIREMENTS, type ProcessName } from '../../lib/config.js';
import { PROJECT_ROOT, composeCommand, temporalCli } from '../../scripts/lib/tools.js';
import { SEARCH_ATTRIBUTES, TASK_QUEUES } from '../../domain/temporal.js';
import { temporalAddress } from '../support/context.js';

const run = promisify(execFile);
const FILE = 'docker-compose.temporal.yml';
const CLOUD = 'docker/compose.temporal-cloud.yml';
const CLOUD_MTLS = 'docker/compose.temporal-cloud-mtls.yml';

interface Service {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: { published: string; target: number; host_ip?: string }[];
  container_name?: string;
  profiles?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  secrets?: { source: string; target: string }[];
  volumes?: { source: string; target: string }[];
}
interface Project {
  services: Record<string, Service>;
  secrets?: Record<string, { file: string }>;
  'x-images'?: Record<string, string>;
}

/** Only what compose needs to run: nothing of this machine's app configuration leaks in. */
const bareEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra });

async function compose(args: string[], env: Record<string, string> = {}) {
  const [cmd, ...pre] = composeCommand();
  return run(cmd!, [...pre, ...args], { cwd: PROJECT_ROOT, env: bareEnv(env) });
}

/** `docker compose config --format json`, resolved as compose resolves it. */
async function resolved(files: string[], envFile: string, extra: string[] = []): Promise<Project> {
  const { stdout } = await compose(['--env-file', envFile, ...files.flatMap((f) => ['-f', f]), ...extra, 'config', '--format', 'json']);
  return JSON.parse(stdout) as Project;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'splits-compose-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A .env as an operator has it: made by docker/init-env.sh, provider keys filled in. */
async function operatorEnv(name: string, args: string[] = [], extra = ''): Promise<string> {
  const file = path.join(tmp, name);
  await run('sh', ['docker/init-env.sh', ...args], { cwd: PROJECT_ROOT, env: bareEnv({ ENV_FILE: file }) });
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace(/^STRIPE_SECRET_KEY=$/m, 'STRIPE_SECRET_KEY=sk_live_x')
      .replace(/^STRIPE_WEBHOOK_SECRET=$/m, 'STRIPE_WEBHOOK_SECRET=whsec_x')
      .replace(/^RESEND_API_KEY=$/m, 'RESEND_API_KEY=re_x') + extra,
  );
  return file;
}

const workerServices = Object.values(TASK_QUEUES).map((queue) => [`worker-${queue}`, queue] as const);
const appServices = [...workerServices.map(([name]) => name), 'api'] as ProcessName[];
const SECRETS = [
  'JWT_SECRET',
  'PAYLOAD_CODEC_KEYS',
  'ATS_CREDENTIALS_KEYS',
  'METRICS_TOKEN',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'RESEND_API_KEY',
  'POSTGRES_PASSWORD',
  'TEMPORAL_DB_PASSWORD',
  'APP_DB_PASSWORD',
];
const requiredOf = (p: ProcessName): string[] => [...PROCESS_REQUIREMENTS[p].always, ...PROCESS_REQUIREMENTS[p].production];
const asEnv = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v ?? '']));

describe('the production compose file', () => {
  it('generates no secret: each is read from .env, and a missing one stops compose up front, named', async () => {
    const raw = readFileSync(path.join(PROJECT_ROOT, FILE), 'utf8');
    expect(raw).not.toMatch(/openssl|\/dev\/urandom|\$\(/);
    for (const name of SECRETS) {
      const uses = raw.match(new RegExp(`\\$\\{${name}[^}]*\\}`, 'g')) ?? [];
      expect(uses.length, name).toBeGreaterThan(0);
      // Never a default (`:-`), always required (`:?`).
      for (const use of uses) expect(use, name).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
    }
    const failed = await compose(['-f', FILE, 'config', '--quiet']).catch((err: { code: number; stderr: string }) => err);
    expect('code' in failed && failed.code).toBeTruthy();
    for (const name of SECRETS) expect((failed as { stderr: string }).stderr).toContain(`required variable ${name} is missing a value`);
  });

  it('resolves with a .env made once by docker/init-env.sh, which refuses to overwrite it and keeps it private', async () => {
    const envFile = await operatorEnv('self-hosted.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const again = await run('sh', ['docker/init-env.sh'], { cwd: PROJECT_ROOT, env: bareEnv({ ENV_FILE: envFile }) }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect('code' in again && again.code).toBe(1);
    expect((again as { stderr: string }).stderr).toContain('exists: keeping it');
    const { stderr } = await compose(['--env-file', envFile, '-f', FILE, 'config', '--quiet']);
    expect(stderr).toBe('');
    // COMPOSE_FILE and COMPOSE_PROFILES come from the .env too: a plain `docker compose …` runs the same stack.
    const { stdout } = await compose(['--env-file', envFile, 'config', '--services']);
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        'api',
        'migrate',
        'postgres',
        'temporal',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        ...workerServices.map(([n]) => n),
      ].sort(),
    );
  });

  it('gives each app service what its process requires (lib/config.ts), valid, and the gate checks every process first', async () => {
    const { services } = await resolved([FILE], await operatorEnv('requirements.env'));
    for (const name of appServices) {
      expect(configProblems([name], asEnv(services[name]!)), name).toEqual([]);
      for (const setting of requiredOf(name)) expect(services[name]!.environment?.[setting], `${name} ${setting}`).toBeTruthy();
    }
    // Least privilege: only the placements worker gets the Stripe key, workers no JWT secret.
    for (const [name] of workerServices) {
      expect(Object.keys(services[name]!.environment!).includes('STRIPE_SECRET_KEY'), name).toBe(name === 'worker-placements');
      expect(services[name]!.environment!.JWT_SECRET, name).toBeUndefined();
    }
    const migrate = services.migrate!;
    expect(migrate.command).toEqual(['node', 'db/migrate.js', '--check-config']);
    expect(processesToCheck(migrate.command!)).toEqual(PROCESS_NAMES);
    expect(configProblems(PROCESS_NAMES, asEnv(migrate))).toEqual([]);
  });

  it('runs one scalable worker service per task queue from the compiled image, each probed, after the migrations and the Temporal setup', async () => {
    const { services } = await resolved([FILE], await operatorEnv('workers.env'));
    for (const [name, queue] of workerServices) {
      const worker = services[name]!;
      expect(worker.command).toEqual(['node', `workers/${queue}.js`]);
      expect(existsSync(path.join(PROJECT_ROOT, `workers/${queue}.ts`))).toBe(true);
      // --scale needs replicas that do not clash: no fixed name, no host port.
      expect(worker.container_name).toBeUndefined();
      expect(worker.ports ?? []).toEqual([]);
      expect(worker.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${worker.environment!.WORKER_HEALTH_PORT}/healthz`);
    }
    for (const name of [...appServices, 'migrate']) {
      expect(services[name]!.read_only, name).toBe(true);
      expect(services[name]!.cap_drop, name).toEqual(['ALL']);
    }
    for (const name of appServices) {
      expect(services[name]!.depends_on, name).toEqual({
        postgres: expect.objectContaining({ condition: 'service_healthy' }),
        migrate: expect.objectContaining({ condition: 'service_completed_successfully' }),
        'temporal-setup': expect.objectContaining({ condition: 'service_completed_successfully' }),
      });
    }
    expect(services.api!.command).toEqual(['node', 'api/server.js']);
  });

  it('runs Temporal on its reference pattern: schema job, then the server, then the namespace job, on images pinned in one place', async () => {
    const project = await resolved([FILE], await operatorEnv('temporal.env'));
    const { services } = project;
    const images = project['x-images']!;
    const [server, admin] = [images['temporal-server']!, images['temporal-admin-tools']!];
    expect(server).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    // admin-tools carries the schema of its own server version.
    expect(admin).toBe(server.replace('temporalio/server', 'temporalio/admin-tools'));
    // Every image run comes from x-images; each version is written once in the file.
    for (const [name, s] of Object.entries(services))
      if (s.image && !name.startsWith('worker-') && !['api', 'migrate'].includes(name))
        expect(Object.values(images), name).toContain(s.image);
    const raw = readFileSync(path.join(PROJECT_ROOT, FILE), 'utf8');
    const outsideImagesBlock = raw.replace(/^\s*#.*\n/gm, '').replace(/^x-images:\n(?: .*\n)+/m, '');
    expect(outsideImagesBlock).not.toMatch(/temporalio\/|image: (?!\*|\$\{APP_IMAGE)/);

    expect(services['temporal-schema']).toMatchObject({ image: admin, entrypoint: ['/bin/sh', '/scripts/setup-schema.sh'] });
    expect(services.temporal).toMatchObject({
      image: server,
      depends_on: { 'temporal-schema': { condition: 'service_completed_successfully' } },
    });
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', PROMETHEUS_ENDPOINT: '0.0.0.0:9090' });
    // No Temporal CLI in temporalio/server: its health check must not need one.
    expect(services.temporal!.healthcheck!.test.join(' ')).not.toMatch(/\btemporal\b/);
    expect(services['temporal-setup']).toMatchObject({
      image: admin,
      depends_on: { temporal: { condition: 'service_healthy' } },
      entrypoint: ['/bin/sh', '/scripts/setup-namespace.sh'],
    });
    const schemaScript = readFileSync(path.join(PROJECT_ROOT, 'docker/temporal/setup-schema.sh'), 'utf8');
    for (const step of ['setup-schema -v 0.0', 'update-schema -d', '--plugin postgres12']) expect(schemaScript).toContain(step);
    await run('sh', ['-n', 'docker/temporal/setup-schema.sh'], { cwd: PROJECT_ROOT });
    for (const name of ['temporal-schema', 'temporal', 'temporal-setup', 'temporal-ui'])
      expect(services[name]!.profiles, name).toEqual(['temporal']);
  });

  it('publishes only the API and the Web UI, on 127.0.0.1 unless told otherwise', async () => {
    const { services } = await resolved([FILE], await operatorEnv('ports.env', [], 'API_PORT=4000\nTEMPORAL_UI_PORT=9090\n'));
    const published = Object.entries(services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name, s]) => [name, s.ports!.map((p) => `${p.host_ip}:${p.published}`)]);
    expect(Object.fromEntries(published)).toEqual({
      api: ['127.0.0.1:4000'],
      'temporal-ui': ['127.0.0.1:9090'],
      temporal: ['127.0.0.1:7233'],
    });
    expect(services['temporal-ui']!.environment).toMatchObject({
      TEMPORAL_CODEC_ENDPOINT: 'http://localhost:3000/codec',
      TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true',
    });
    expect(services.api!.environment).toMatchObject({ CODEC_CORS_ORIGINS: 'http://localhost:9090', NODE_ENV: 'production' });
  });

  it('without the temporal profile, refuses to start the app against a Temporal server that is not there', async () => {
    const envFile = await operatorEnv('no-profile.env');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace(/^COMPOSE_PROFILES=.*$/m, ''));
    const failed = await compose(['--env-file', envFile, '-f', FILE, 'config', '--quiet']).catch((err: { stderr: string }) => err);
    expect((failed as { stderr: string }).stderr).toMatch(/depends on undefined service "temporal-setup"/);
  });

  it('with the Temporal Cloud overrides, runs the app alone, with the endpoint required and the mTLS files mounted', async () => {
    const missing = await compose(['--env-file', await operatorEnv('cloud-empty.env', ['--cloud']), 'config', '--quiet']).catch(
      (err: { stderr: string }) => err,
    );
    expect((missing as { stderr: string }).stderr).toMatch(/required variable TEMPORAL_ADDRESS is missing a value/);

    const envFile = await operatorEnv(
      'cloud.env',
      ['--cloud'],
      'TEMPORAL_ADDRESS=ns.acct.tmprl.cloud:7233\nTEMPORAL_NAMESPACE=ns.acct\nTEMPORAL_TLS_CERT_FILE=/etc/splits/client.pem\nTEMPORAL_TLS_KEY_FILE=/etc/splits/client.key\n',
    );
    const project = await resolved([FILE, CLOUD, CLOUD_MTLS], envFile);
    expect(Object.keys(project.services).sort()).toEqual(['api', 'migrate', 'postgres', ...workerServices.map(([n]) => n)].sort());
    for (const name of appServices) {
      const s = project.services[name]!;
      expect(Object.keys(s.depends_on!).sort(), name).toEqual(['migrate', 'postgres']);
      expect(s.environment, name).toMatchObject({
        TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
        TEMPORAL_NAMESPACE: 'ns.acct',
        TEMPORAL_TLS_CERT_PATH: '/run/secrets/temporal-tls-cert',
        TEMPORAL_TLS_KEY_PATH: '/run/secrets/temporal-tls-key',
      });
      expect(s.secrets?.map((x) => x.source).sort(), name).toEqual(['temporal-tls-cert', 'temporal-tls-key']);
    }
    expect(project.secrets).toMatchObject({
      'temporal-tls-cert': { file: '/etc/splits/client.pem' },
      'temporal-tls-key': { file: '/etc/splits/client.key' },
    });
    // COMPOSE_FILE in the .env made with --cloud names the Cloud override: plain `docker compose` commands use it.
    expect(readFileSync(envFile, 'utf8')).toMatch(/^COMPOSE_FILE=docker-compose\.temporal\.yml:docker\/compose\.temporal-cloud\.yml$/m);
  });

  it('stops at the migration step, naming each missing secret and the processes needing it, before it touches the database', async () => {
    // The database URL points at a closed port: the check must fail first, and say why.
    const env = bareEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', JWT_SECRET: 'short' });
    const failed = await run(process.execPath, ['--import', 'tsx', 'db/migrate.ts', '--check-config'], { cwd: PROJECT_ROOT, env }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect('code' in failed && failed.code).toBe(1);
    const { stderr } = failed as { stderr: string };
    expect(stderr).toContain('ATS_CREDENTIALS_KEYS: not set (required by worker-ats-sync)');
    expect(stderr).toContain('STRIPE_SECRET_KEY: not set (required by worker-placements)');
    for (const variable of ['JWT_SECRET', 'RESEND_API_KEY', 'PAYLOAD_CODEC_KEYS', 'METRICS_TOKEN']) expect(stderr).toContain(variable);
    expect(stderr).not.toMatch(/ECONNREFUSED/);
  });

  it('creates the namespace and registers every search attribute with the admin-tools script, idempotently', async () => {
    const namespace = `compose-${Date.now()}`;
    const cli = temporalCli();
    const env = bareEnv({
      PATH: `${path.dirname(cli)}:${process.env.PATH ?? ''}`,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_NAMESPACE_RETENTION: '2d',
      SA_RETRY_SECONDS: '1',
    });
    for (let i = 0; i < 2; i++) await run('sh', ['docker/temporal/setup-namespace.sh'], { cwd: PROJECT_ROOT, env });
    const described = JSON.parse(
      (await run(cli, ['operator', 'namespace', 'describe', '--namespace', namespace, '--address', temporalAddress(), '-o', 'json']))
        .stdout,
    ) as { config?: { workflowExecutionRetentionTtl?: string } };
    expect(described.config?.workflowExecutionRetentionTtl).toBe('172800s');
    const { stdout } = await run(cli, [
      'operator',
      'search-attribute',
      'list',
      '--namespace',
      namespace,
      '--address',
      temporalAddress(),
      '-o',
      'json',
    ]);
    const listed = JSON.parse(stdout) as { customAttributes?: Record<string, string> };
    for (const a of Object.values(SEARCH_ATTRIBUTES)) expect(listed.customAttributes?.[a.name], a.name).toMatch(new RegExp(a.type, 'i'));
  });
});
