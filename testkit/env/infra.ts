import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../../db/embedded.js';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../../lib/db.js';
import { freePort } from '../../scripts/lib/net.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/lib/temporal-server.js';
import { DATA_DIR } from '../../scripts/lib/tools.js';
import { WORKFLOW_BUNDLE_SOURCES } from '../../workers/queue-worker.js';

export const TEST_DIR = path.join(DATA_DIR, 'test');

export interface TestInfra {
  databaseUrl: string;
  temporalAddress: string;
  /** The dev server's Web UI (the browser test of the codec server opens it). */
  temporalUiUrl: string;
  workflowBundlePath: string;
  stop(): Promise<void>;
}

/**
 * A fresh, migrated database (on TEST_DATABASE_ADMIN_URL's server, else an embedded
 * Postgres), a Temporal dev server on a free port, and the workflow bundle built once.
 */
export async function startTestInfra(opts: { temporal?: boolean } = {}): Promise<TestInfra> {
  await mkdir(TEST_DIR, { recursive: true });
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => console.error(err));
  };
  try {
    let adminUrl = process.env.TEST_DATABASE_ADMIN_URL;
    let urlFor = (name: string) => Object.assign(new URL(adminUrl!), { pathname: `/${name}` }).toString();
    if (!adminUrl) {
      // A cluster of this run's own, removed afterwards: runs side by side (a bench, a drill, a
      // second test run) never share one.
      const dataDir = path.join(TEST_DIR, `postgres-${process.pid}`);
      await rm(dataDir, { recursive: true, force: true });
      const pg = await startEmbeddedPostgres({ dataDir, port: await freePort() });
      stops.push(() => rm(dataDir, { recursive: true, force: true }));
      stops.push(() => pg.stop());
      adminUrl = pg.adminUrl;
      urlFor = pg.urlFor;
    }
    const name = `splits_test_${Date.now()}_${process.pid}`;
    await ensureDatabase(adminUrl, name);
    stops.push(() => dropDatabase(adminUrl, name));
    const databaseUrl = urlFor(name);
    const db = createDb(databaseUrl, { max: 1 });
    await migrateLatest(db);
    await db.destroy();

    const [server, bundle] = await Promise.all([
      opts.temporal === false ? undefined : startSupervisedDevServer(),
      bundleWorkflowCode({ ...WORKFLOW_BUNDLE_SOURCES, logger: quietLogger }),
    ]);
    if (server) stops.push(() => server.stop());
    const workflowBundlePath = path.join(TEST_DIR, `workflow-bundle-${process.pid}.js`);
    await writeFile(workflowBundlePath, bundle.code);
    stops.push(() => rm(workflowBundlePath, { force: true }));

    // 127.0.0.1, like the API under test: the same site, so the operator cookie reaches /codec from the UI.
    const temporalUiUrl = server?.uiUrl?.replace('localhost', '127.0.0.1') ?? '';
    return { databaseUrl, temporalAddress: server?.address ?? '', temporalUiUrl, workflowBundlePath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Where the suite's dev server writes what it prints (CI keeps it beside the test report). */
export const DEV_SERVER_LOG = path.join('test-results', `temporal-dev-server-${process.pid}.log`);

/**
 * The suite's Temporal dev server, restarted on the same ports if it ever exits on its own (it
 * has been seen to die right after start-up on a loaded machine): the files that run after it
 * then find a server instead of 25 suites failing on a refused connection. Its output goes to
 * DEV_SERVER_LOG, so such an exit can be explained.
 */
export async function startSupervisedDevServer(): Promise<
  Pick<TemporalDevServer, 'address' | 'uiUrl' | 'stop'> & { readonly pid: number | undefined }
> {
  mkdirSync(path.dirname(DEV_SERVER_LOG), { recursive: true });
  writeFileSync(DEV_SERVER_LOG, '');
  const log = (line: string) => appendFileSync(DEV_SERVER_LOG, `${line}\n`);
  const ports = { port: await freePort(), uiPort: await freePort() };
  let stopping = false;
  let current = await startTemporalDevServer({ ...ports, log });
  const supervise = (server: TemporalDevServer) =>
    server.process.once('exit', (code, signal) => {
      if (stopping) return;
      const why = `the Temporal dev server exited by itself (code ${code}, signal ${signal}); restarting it on port ${ports.port} (its output: ${DEV_SERVER_LOG})`;
      log(why);
      console.warn(`[test infra] ${why}`);
      startTemporalDevServer({ ...ports, log }).then(
        (next) => {
          current = next;
          supervise(next);
        },
        (err: unknown) => console.error('[test infra] the Temporal dev server could not be restarted', err),
      );
    });
  supervise(current);
  return {
    address: current.address,
    uiUrl: current.uiUrl,
    get pid() {
      return current.process.pid;
    },
    stop: async () => {
      stopping = true;
      await current.stop();
    },
  };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
