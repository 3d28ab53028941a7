import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../domain/temporal.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { temporalCli } from './tools.js';
import { freePort, waitFor } from './net.js';
import { startUiCodecProxy, type UiCodecProxy } from './ui-codec-proxy.js';

export interface TemporalDevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

const SA_TYPE_NAMES: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** `--search-attribute Name=Type` for every custom attribute of product §5. */
export function searchAttributeFlags(): string[] {
  return Object.values(SEARCH_ATTRIBUTES).flatMap((key) => ['--search-attribute', `${key.name}=${SA_TYPE_NAMES[key.type]}`]);
}

/**
 * Starts `temporal server start-dev` (our own process, so we control how long to wait
 * on a busy machine) and resolves once its frontend answers. With `uiCodecEndpoint`, the
 * Web UI on `uiPort` is a proxy that turns on the codec's cookies (see ui-codec-proxy.ts);
 * the dev server's own UI listens on a free port behind it.
 */
export async function startTemporalDevServer(opts: {
  port: number;
  uiPort?: number;
  dbFile?: string;
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
}): Promise<TemporalDevServer> {
  const proxied = !!(opts.uiPort && opts.uiCodecEndpoint);
  const innerUiPort = proxied ? await freePort() : opts.uiPort;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    'default',
    '--log-level',
    'warn',
    ...(opts.uiPort ? ['--ui-port', String(innerUiPort)] : ['--headless']),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
    ...searchAttributeFlags(),
  ];
  const child = spawn(temporalCli(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.log ?? (() => undefined);
  child.stdout?.on('data', (d: Buffer) => log(d.toString().trimEnd()));
  child.stderr?.on('data', (d: Buffer) => log(d.toString().trimEnd()));
  let exited = false;
  child.once('exit', () => (exited = true));

  const address = `127.0.0.1:${opts.port}`;
  await waitFor(
    'Temporal dev server',
    async () => {
      if (exited) throw new Error('temporal exited during start-up');
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        const added = await ensureSearchAttributes(connection);
        if (added.length) log(`registered search attributes missing from the existing database: ${added.join(', ')}`);
      } finally {
        await connection.close();
      }
    },
    90_000,
  );
  const stopServer = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  let proxy: UiCodecProxy | undefined;
  if (proxied) {
    proxy = await startUiCodecProxy({
      target: `http://127.0.0.1:${innerUiPort}`,
      codecEndpoint: opts.uiCodecEndpoint!,
      port: opts.uiPort,
    }).catch(async (err: unknown) => {
      await stopServer();
      throw new Error(`the Web UI port ${opts.uiPort} is taken: ${String(err)}`);
    });
  }

  return {
    address,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : null,
    process: child,
    stop: async () => {
      await proxy?.close();
      await stopServer();
    },
  };
}
