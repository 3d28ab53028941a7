/**
 * `npm run dev`: everything on one machine. Starts (or uses) Postgres, migrates and
 * seeds, starts the Temporal dev server with its Web UI and search attributes, local
 * Stripe/Resend fakes unless real keys are configured, the worker and the API (which
 * serves the web UI), then prints URLs and demo API keys. Ctrl-C stops it all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { DEMO, DEMO_IDENTITIES, seedDemo } from '../db/seeds/demo.js';
import { createDb, ensureDatabase, migrateLatest, type Db } from '../lib/db.js';
import { signInDal } from '../db/dal/sign-in.js';
import { newApiKey } from '../api/auth.js';
import { startFakeResend } from '../testkit/fakes/resend.js';
import { startFakeStripe } from '../testkit/fakes/stripe.js';
import { startGreenhouseFake } from '../testkit/fakes/ats/greenhouse.js';
import { waitFor } from './lib/net.js';
import { startTemporalDevServer } from './lib/temporal-server.js';
import { DATA_DIR, PROJECT_ROOT } from './lib/tools.js';

const DEV_DIR = path.join(DATA_DIR, 'dev');
const env = process.env;
const API_PORT = Number(env.API_PORT ?? 3000);
const stops: Array<() => Promise<unknown>> = [];
const children: ChildProcess[] = [];

const say = (msg: string) => console.log(`[dev] ${msg}`);

function persistentSecret(file: string): string {
  const full = path.join(DEV_DIR, file);
  if (!existsSync(full)) writeFileSync(full, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(full, 'utf8').trim();
}

async function database(): Promise<string> {
  if (env.DATABASE_URL) {
    say('using DATABASE_URL');
    return env.DATABASE_URL;
  }
  const port = Number(env.DEV_POSTGRES_PORT ?? 54329);
  say(`starting embedded Postgres on 127.0.0.1:${port} (data in .data/dev/postgres)`);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(DEV_DIR, 'postgres'), port });
  stops.push(() => pg.stop());
  await ensureDatabase(pg.adminUrl, 'splits');
  return pg.urlFor('splits');
}

async function providers(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!env.STRIPE_SECRET_KEY) {
    // The fake signs its webhook deliveries to the API's endpoint: account.updated after onboarding,
    // invoice.paid / invoice.payment_failed when the placement page's demo buttons pay a company's
    // invoice (they call the fake's /_fake/invoices/:id/pay, found from the invoice's hosted page).
    const webhook = { url: `http://localhost:${API_PORT}/api/v1/webhooks/stripe`, secret: 'whsec_local_fake_stripe_webhooks' };
    // Companies pay when someone clicks "Pay invoice (demo)" on the placement page, not as the invoice is sent.
    const stripe = await startFakeStripe({ port: Number(env.DEV_FAKE_STRIPE_PORT ?? 12111), webhook, autoPayInvoices: false });
    stops.push(() => stripe.close());
    Object.assign(out, { STRIPE_SECRET_KEY: 'sk_test_local_fake', STRIPE_API_BASE: stripe.url, STRIPE_WEBHOOK_SECRET: webhook.secret });
    say(`no STRIPE_SECRET_KEY: local Stripe fake at ${stripe.url} (webhooks to ${webhook.url})`);
    // The fake starts empty: give the demo recruiters fresh connected accounts. Bob's has not
    // finished onboarding, so a payout to him blocks (PayoutStatus = "blocked" in the Web UI)
    // until he clicks "Continue setup" on his account page and completes the fake's onboarding.
    const accounts = [
      { id: DEMO.recruiters.alice, enabled: true },
      { id: DEMO.recruiters.chloe, enabled: true },
      { id: DEMO.recruiters.bob, enabled: false },
    ];
    // Nor does it know the companies' Stripe customers of an earlier run: forgotten here, each is
    // created afresh with the company's next invoice (the fee collection creates it when missing).
    await db('companies').whereNotNull('stripe_customer_id').update({ stripe_customer_id: null });
    const at = new Date();
    for (const { id, enabled } of accounts) {
      const account = stripe.createAccount({ payoutsEnabled: enabled });
      await db('recruiters').where({ id }).update({ stripe_account_id: account.id });
      await db('recruiter_payout_accounts')
        .insert({
          recruiter_id: id,
          idempotency_key: `payout-account-${id}-dev-${at.getTime()}`,
          stripe_account_id: account.id,
          status: enabled ? 'enabled' : 'onboarding',
          payouts_enabled: enabled,
          transfers_active: enabled,
          currently_due: JSON.stringify(account.requirements?.currently_due ?? []) as never,
          disabled_reason: account.requirements?.disabled_reason ?? null,
          created_at: at,
          updated_at: at,
        })
        .onConflict('recruiter_id')
        .merge();
    }
  }
  if (!env.RESEND_API_KEY) {
    const resend = await startFakeResend({ port: Number(env.DEV_FAKE_RESEND_PORT ?? 12112) });
    stops.push(() => resend.close());
    // The dev sign-in page reads the magic links from the fake's inbox (never set with a real Resend).
    Object.assign(out, {
      RESEND_API_KEY: 're_test_local_fake',
      RESEND_BASE_URL: resend.url,
      DEV_SIGN_IN_INBOX_URL: `${resend.url}/_fake/emails`,
    });
    say(`no RESEND_API_KEY: local Resend fake at ${resend.url} (sent e-mails: ${resend.url}/_fake/emails)`);
  }
  return out;
}

/**
 * A local Greenhouse (Harvest v3) with a few jobs, candidates and applications, so an
 * integration can be connected and synced by clicking; its connection details are printed
 * and written to .data/dev/fake-ats.json.
 */
async function fakeAts(): Promise<Record<string, unknown> | undefined> {
  if (env.DEV_NO_FAKE_ATS) return undefined;
  const ats = await startGreenhouseFake({ port: Number(env.DEV_FAKE_ATS_PORT ?? 12113) });
  stops.push(() => ats.close());
  const jobs = [ats.addJob({ title: 'Staff Platform Engineer' }), ats.addJob({ title: 'Site Reliability Engineer' })];
  const people = ['Barbara Liskov', 'Donald Knuth', 'Frances Allen', 'Ken Thompson', 'Radia Perlman'];
  people.forEach((fullName, i) => {
    const candidate = ats.addCandidate({ fullName, email: `${fullName.split(' ')[0]!.toLowerCase()}@example.org` });
    const application = ats.addApplication({ candidateExternalId: candidate, jobExternalId: jobs[i % 2]! });
    if (i % 2 === 1) ats.moveApplication(application, ats.stages[1]!);
  });
  const connection = {
    platform: 'greenhouse',
    credentials: ats.config.credentials,
    baseUrl: ats.config.baseUrl,
    authUrl: ats.config.authUrl,
    webhookSecret: ats.webhookSecret,
  };
  writeFileSync(path.join(DEV_DIR, 'fake-ats.json'), JSON.stringify(connection, null, 2));
  say(`local Greenhouse fake at ${ats.url} (connection details in .data/dev/fake-ats.json)`);
  return connection;
}

async function temporal(): Promise<{ address: string; ui: string }> {
  if (env.TEMPORAL_ADDRESS) {
    say(`using Temporal at ${env.TEMPORAL_ADDRESS}`);
    return { address: env.TEMPORAL_ADDRESS, ui: env.TEMPORAL_UI_URL ?? "(your cluster's Web UI)" };
  }
  say('starting the Temporal dev server (state in .data/dev/temporal.sqlite)');
  const server = await startTemporalDevServer({
    port: Number(env.DEV_TEMPORAL_PORT ?? 7233),
    uiPort: Number(env.DEV_TEMPORAL_UI_PORT ?? 8233),
    // The Web UI decrypts payloads through the API's codec server (for a signed-in platform admin).
    uiCodecEndpoint: `http://localhost:${API_PORT}/codec`,
    dbFile: path.join(DEV_DIR, 'temporal.sqlite'),
    log: (line) => console.log(`[temporal] ${line}`),
  });
  stops.push(() => server.stop());
  return { address: server.address, ui: server.uiUrl ?? '' };
}

function run(name: string, script: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: PROJECT_ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (d: Buffer) =>
    d
      .toString()
      .trimEnd()
      .split('\n')
      .forEach((l) => console.log(`[${name}] ${l}`));
  child.stdout?.on('data', prefix);
  child.stderr?.on('data', prefix);
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`[dev] ${name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

let shuttingDown = false;
async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
  say('stopped');
  process.exit(code);
}

async function main() {
  mkdirSync(DEV_DIR, { recursive: true });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void shutdown(0));

  const databaseUrl = await database();
  const db = createDb(databaseUrl, { max: 2 });
  const applied = await migrateLatest(db);
  say(applied.length ? `migrated: ${applied.join(', ')}` : 'database schema is up to date');
  await seedDemo(db);
  const demoKeys = await demoApiKeys(db);
  const providerEnv = await providers(db);
  await db.destroy();
  const atsConnection = await fakeAts();

  const { address, ui } = await temporal();
  const jwtSecret = env.JWT_SECRET ?? persistentSecret('jwt-secret');
  const apiUrl = `http://localhost:${API_PORT}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    ...providerEnv,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: address,
    JWT_SECRET: jwtSecret,
    API_PORT: String(API_PORT),
    API_PUBLIC_URL: env.API_PUBLIC_URL ?? apiUrl,
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    ATS_CREDENTIALS_KEYS:
      env.ATS_CREDENTIALS_KEYS ?? `dev:${Buffer.from(persistentSecret('ats-credentials-key'), 'hex').toString('base64')}`,
    // Integrations may point at the local ATS fake.
    ATS_ALLOW_BASE_URL: env.ATS_ALLOW_BASE_URL ?? 'true',
    // The web app links each process to its page in the Web UI.
    TEMPORAL_UI_URL: env.TEMPORAL_UI_URL ?? (ui.startsWith('http') ? ui : undefined),
    // Payloads are encrypted (a persisted dev key); the Web UI (either host name) may call the codec server.
    PAYLOAD_CODEC_KEYS: env.PAYLOAD_CODEC_KEYS ?? `dev:${Buffer.from(persistentSecret('payload-codec-key'), 'hex').toString('base64')}`,
    CODEC_CORS_ORIGINS:
      env.CODEC_CORS_ORIGINS ?? (ui.startsWith('http') ? [ui, ui.replace('localhost', '127.0.0.1')].join(',') : undefined),
  };
  run('worker:proposals', 'workers/proposals.ts', childEnv);
  run('worker:placements', 'workers/placements.ts', childEnv);
  run('worker:ownership', 'workers/ownership.ts', childEnv);
  run('worker:automation', 'workers/automation.ts', childEnv);
  run('worker:ats-sync', 'workers/ats-sync.ts', childEnv);
  run('api', 'api/server.ts', childEnv);
  await waitFor(
    'API',
    async () => {
      const res = await fetch(`${apiUrl}/healthz`);
      if (!res.ok) throw new Error(`healthz ${res.status}`);
    },
    120_000,
  );

  console.log(`
──────────────────────────────────────────────────────────────────────
 Splits orchestration is running
   Web app        ${apiUrl}/
${childEnv.DEV_SIGN_IN_INBOX_URL ? `   Sign in        ${apiUrl}/#/dev-sign-in   (one click per demo user: the magic link comes from the Resend fake)\n` : ''}   API            ${apiUrl}/api/v1   (OpenAPI: ${apiUrl}/api/v1/openapi.json)
   Health         ${apiUrl}/healthz
   Temporal UI    ${ui}   (payloads are encrypted: sign in to the web app as Pat, in the same
                  browser, and the UI shows them decrypted — docs/operations.md, "Payload encryption")
 Demo personal API keys (minted at each start, the previous start's revoked; also in
 .data/dev/api-keys.json; your own: menu under your name → Profile and API keys):
${demoKeys.map((k) => `   ${k.label.padEnd(30)} ${k.apiKey}`).join('\n')}
 Try, with Alice's key in SPLITS_API_KEY:
   curl -s -X POST ${apiUrl}/api/v1/proposals -H "Authorization: Bearer $SPLITS_API_KEY" \\
     -H 'Content-Type: application/json' \\
     -d '{"candidateId":"ca4d0000-0000-4000-8000-000000000001","jobId":"10b00000-0000-4000-8000-000000000001","pitch":"Strong fit"}'
${
  atsConnection
    ? ` Connect the local Greenhouse fake as Carol (company admin):
   curl -s -X POST ${apiUrl}/api/v1/integrations -H "Authorization: Bearer <Carol's key>" \\
     -H 'Content-Type: application/json' -d @.data/dev/fake-ats.json
`
    : ''
} Ctrl-C stops everything.
──────────────────────────────────────────────────────────────────────`);
  writeFileSync(path.join(DEV_DIR, 'api-keys.json'), JSON.stringify(Object.fromEntries(demoKeys.map((k) => [k.key, k.apiKey])), null, 2));
}

/**
 * One personal API key per demo user, what scripts use (README, "Calling the API"): minted at
 * each start, since only its hash is stored, and the previous start's key revoked.
 */
async function demoApiKeys(db: Db) {
  const dal = signInDal(db);
  return Promise.all(
    Object.entries(DEMO_IDENTITIES).map(async ([key, { label, sub }]) => {
      const { key: apiKey, prefix, keyHash } = newApiKey();
      await dal.replaceApiKey({ user_id: sub, name: 'npm run dev', prefix, key_hash: keyHash });
      return { key, label, apiKey };
    }),
  );
}

/**
 * The terminal sends Ctrl-C to its whole process group, which would stop Postgres and
 * Temporal under workers still draining. So this process only launches the supervisor in
 * a group of its own and forwards the signal; the supervisor stops things in order.
 */
function launchSupervisor() {
  const supervisor = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
    env: { ...env, SPLITS_DEV_SUPERVISOR: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => supervisor.kill('SIGTERM'));
  supervisor.on('exit', (code) => process.exit(code ?? 1));
}

if (env.SPLITS_DEV_SUPERVISOR) {
  main().catch(async (err: unknown) => {
    console.error('[dev] failed to start:', err instanceof Error ? err.message : err);
    await shutdown(1);
  });
} else {
  launchSupervisor();
}
