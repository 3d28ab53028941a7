/**
 * `npm run fetch-histories`: copies the event histories of real executions from a running
 * Temporal server (the `npm run dev` server, staging, production) into the replay corpus,
 * test/replay/histories/, which the replay test (test/replay/histories.test.ts) replays
 * against the current workflow code.
 *
 * Use it to add a path the time-skipping recorder (`npm run record-histories`) does not
 * script: an admin intervention on a blocked payout, an approval decided in the web app, an
 * ATS integration that failed auth and was resumed, a workflow that is still running, or a
 * run from before a `patched()` change that must keep replaying after it.
 *
 *   npm run fetch-histories -- --workflow-id payout-<id> [--workflow-id …] [--name payout-admin-changed-account]
 *   npm run fetch-histories -- --query 'WorkflowType = "payoutWorkflow" AND PayoutStatus = "paid"' [--limit 20]
 *
 * Options: --address host:port (TEMPORAL_ADDRESS, else 127.0.0.1:7233), --namespace
 * (TEMPORAL_NAMESPACE, else default), --out dir (test/replay/histories), --name (the file name
 * for one execution, the prefix `<name>-<workflowId>` for several), --force (overwrite).
 * TEMPORAL_API_KEY / TEMPORAL_TLS / TEMPORAL_TLS_CERT_PATH + TEMPORAL_TLS_KEY_PATH connect
 * the way the API and workers do (lib/temporal.ts).
 *
 * The history is written exactly as the server stores it (`historyToJSON`, the format of
 * scripts/record-histories.ts). Payloads encrypted by the payload codec (lib/payload-codec.ts)
 * stay encrypted (`binary/encrypted`, with their `encryption-key-id`): this script never
 * decodes them; a replay decodes them through a data converter holding the key that sealed
 * them (`Worker.runReplayHistories({ workflowBundle, dataConverter }, …)`). The committed
 * corpus is plain and replayed with the bundle alone, and histories from staging or
 * production hold real people's data: for the corpus, capture demo-data runs on a dev server
 * started with encryption off (`PAYLOAD_CODEC_KEYS= npm run dev`); see docs/operations.md.
 * A file that exists is never overwritten without --force.
 */
import { readFile, mkdir, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { PROJECT_ROOT } from './lib/tools.js';

export const DEFAULT_OUT = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

export interface FetchHistoriesOptions {
  /** Temporal frontend `host:port`. */
  address: string;
  namespace: string;
  /** Executions by id (their latest run); exclusive with `query`. */
  workflowIds?: string[];
  /** A visibility query (List Filter), e.g. `WorkflowType = "payoutWorkflow" AND PayoutStatus = "paid"`. */
  query?: string;
  /** At most this many executions from `query` (default 20). */
  limit?: number;
  /** File name for a single execution; the prefix `<name>-<workflowId>` for several. */
  name?: string;
  /** Directory to write to (created if missing). */
  out: string;
  /** Overwrite existing files. */
  force?: boolean;
  /** TLS (mTLS pair, or plain TLS) and API key, as for the app's own connections. */
  tls?: ConnectionOptions['tls'];
  apiKey?: string;
  log?: (line: string) => void;
}

export interface FetchedHistory {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The execution's status when it was fetched, e.g. `COMPLETED` or `RUNNING`. */
  status: string;
  events: number;
  file: string;
}

/** Raised before anything is written when a target file exists and `force` is not set. */
export class HistoryExistsError extends Error {
  constructor(readonly files: string[]) {
    super(`refusing to overwrite ${files.join(', ')} (pass --force to replace ${files.length === 1 ? 'it' : 'them'})`);
    this.name = 'HistoryExistsError';
  }
}

interface Target {
  workflowId: string;
  runId?: string;
}

/** Fetches each execution's history and writes it to `<out>/<name or workflowId>.json`; returns what it wrote. */
export async function fetchHistories(options: FetchHistoriesOptions): Promise<FetchedHistory[]> {
  const ids = options.workflowIds ?? [];
  if (ids.length > 0 === (options.query !== undefined)) throw new Error('give either workflow ids or a query, not both or neither');
  const log = options.log ?? ((line: string) => console.log(line));
  const connection = await Connection.connect({ address: options.address, tls: options.tls, apiKey: options.apiKey });
  try {
    // No data converter: histories are copied as stored, never decoded.
    const client = new Client({ connection, namespace: options.namespace });
    const targets: Target[] =
      options.query !== undefined
        ? await listExecutions(client, options.query, options.limit ?? 20)
        : [...new Set(ids)].map((workflowId) => ({ workflowId }));
    if (targets.length === 0)
      throw new Error(`no execution matches ${options.query !== undefined ? `the query ${options.query}` : 'the given ids'}`);

    const files = fileNames(targets, options.name).map((base) => path.resolve(options.out, `${base}.json`));
    if (!options.force) {
      const existing = (await Promise.all(files.map(async (f) => ((await exists(f)) ? f : null)))).filter((f): f is string => f !== null);
      if (existing.length > 0) throw new HistoryExistsError(existing.map(shown));
    }

    // Everything is fetched before anything is written: a failure leaves the corpus as it was.
    const fetched = await Promise.all(
      targets.map(async (target, i) => {
        // Pin the run: a workflow that continues as new meanwhile still yields the run described.
        const description = await client.workflow.getHandle(target.workflowId, target.runId).describe();
        const history = await client.workflow.getHandle(target.workflowId, description.runId).fetchHistory();
        const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
        if (!started) throw new Error(`${target.workflowId}: the history does not start with WorkflowExecutionStarted`);
        const summary: FetchedHistory = {
          workflowId: target.workflowId,
          runId: description.runId,
          workflowType: started.workflowType?.name ?? description.type,
          status: description.status.name,
          events: history.events?.length ?? 0,
          file: files[i]!,
        };
        return { summary, json: `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n` };
      }),
    );
    await mkdir(path.resolve(options.out), { recursive: true });
    const written: FetchedHistory[] = [];
    for (const { summary, json } of fetched) {
      // `wx` fails if the file appeared since the check above, so nothing is overwritten without --force.
      await writeFile(summary.file, json, { flag: options.force ? 'w' : 'wx' });
      written.push(summary);
      log(
        `wrote ${shown(summary.file)}: ${summary.workflowType} ${summary.workflowId} (run ${summary.runId}, ${summary.status}, ${summary.events} events)`,
      );
    }
    return written;
  } finally {
    await connection.close();
  }
}

async function listExecutions(client: Client, query: string, limit: number): Promise<Target[]> {
  const found: Target[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    found.push({ workflowId: execution.workflowId, runId: execution.runId });
    if (found.length >= limit) break;
  }
  return found;
}

/** `name` for one execution, `<name>-<workflowId>` for several; the run id is added when one id has several runs. */
function fileNames(targets: Target[], name: string | undefined): string[] {
  const runsOf = new Map<string, number>();
  for (const t of targets) runsOf.set(t.workflowId, (runsOf.get(t.workflowId) ?? 0) + 1);
  return targets.map((t) => {
    const id = (runsOf.get(t.workflowId) ?? 0) > 1 && t.runId ? `${t.workflowId}-${t.runId}` : t.workflowId;
    const base = name === undefined ? id : targets.length === 1 ? name : `${name}-${id}`;
    return base.replace(/[^A-Za-z0-9._-]/g, '_');
  });
}

/** A path as the user would type it: relative inside the working directory, else absolute. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

const USAGE = `usage: npm run fetch-histories -- [--address 127.0.0.1:7233] [--namespace default]
         (--workflow-id <id> [--workflow-id <id> …] | --query '<visibility query>' [--limit 20])
         [--name <file name or prefix>] [--out test/replay/histories] [--force]`;

/** Parses the command line (and the TEMPORAL_* environment) into options. */
export async function parseFetchArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<FetchHistoriesOptions | 'help'> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      address: { type: 'string' },
      namespace: { type: 'string' },
      'workflow-id': { type: 'string', multiple: true },
      query: { type: 'string' },
      limit: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const workflowIds = values['workflow-id'] ?? [];
  if (workflowIds.length > 0 === (values.query !== undefined)) throw new Error(`give --workflow-id or --query (one of them)\n${USAGE}`);
  if (values.limit !== undefined && values.query === undefined) throw new Error('--limit goes with --query');
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
  if (values.name !== undefined && !/^[A-Za-z0-9._-]+$/.test(values.name))
    throw new Error('--name may use letters, digits, ".", "_" and "-"');

  const certPath = env.TEMPORAL_TLS_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_KEY_PATH;
  const tls =
    certPath && keyPath
      ? { clientCertPair: { crt: await readFile(certPath), key: await readFile(keyPath) } }
      : env.TEMPORAL_TLS === 'true' || env.TEMPORAL_API_KEY
        ? true
        : undefined;
  return {
    address: values.address ?? env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: values.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default',
    ...(workflowIds.length > 0 ? { workflowIds } : { query: values.query!, limit }),
    ...(values.name !== undefined && { name: values.name }),
    out: values.out ?? DEFAULT_OUT,
    force: values.force,
    tls,
    apiKey: env.TEMPORAL_API_KEY || undefined,
  };
}

async function main() {
  const options = await parseFetchArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const written = await fetchHistories(options);
  console.log(`${written.length} histor${written.length === 1 ? 'y' : 'ies'} written; \`npx vitest run test/replay\` replays the corpus`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
