import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { temporal } from '@temporalio/proto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Db } from '../../lib/db.js';
import { dataConverter, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../lib/payload-codec.js';
import { fetchHistories, HistoryExistsError, parseFetchArgs } from '../../scripts/fetch-histories.js';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { claimCandidateUpdate, releaseProtectionUpdate } from '../../domain/protection.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { temporalAddress, testDb, workflowBundle } from '../support/context.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { replay } from '../support/replay.js';
import type { ProtectionWorkflow } from '../../domain/protection.js';
import { createOwnershipWorker } from '../../workers/ownership.js';

const { EventType } = temporal.api.enums.v1;

let db: Db;
let resend: FakeResend;
let connection: Connection;
let nativeConnection: NativeConnection;
const workers: { worker: Worker; running: Promise<void> }[] = [];
let out: string;
/** A run written with plain payloads, and one written through the payload codec. */
let workflowId: string;
let encryptedWorkflowId: string;
const quiet = () => undefined;
const PAYLOAD_KEYS = `fh2:${Buffer.alloc(32, 9).toString('base64')},fh1:${Buffer.alloc(32, 8).toString('base64')}`;
const encrypting = dataConverter(PAYLOAD_KEYS)!;

/**
 * A real run on the test suite's dev server, on a private task queue: a candidate claimed by
 * a recruiter, who then releases the protection (two updates, two activities, a cancelled
 * timer), so the workflow completes. `converter` is the client's and worker's data converter.
 */
async function releasedProtection(converter?: DataConverter): Promise<string> {
  const taskQueue = `ownership-fetch-${randomUUID()}`;
  const client = new Client({ connection, ...(converter && { dataConverter: converter }) });
  const worker = await createOwnershipWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    dataConverter: converter,
    db,
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    temporal: client,
  });
  workers.push({ worker, running: worker.run() });
  const m = await createMarketplace(db);
  const id = workflowIds.protection(m.candidateId);
  const handle = await client.workflow.start<ProtectionWorkflow>(WORKFLOW_TYPES.protection, {
    workflowId: id,
    taskQueue,
    args: [{ candidateId: m.candidateId }],
  });
  await handle.executeUpdate(claimCandidateUpdate, { args: [{ recruiterId: m.recruiterId, actor: m.actors.recruiter }] });
  await handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.recruiter, reason: 'not a fit' }] });
  expect((await handle.result()).state).toBe('released');
  return id;
}

beforeAll(async () => {
  db = testDb();
  resend = await startFakeResend();
  [connection, nativeConnection] = await Promise.all([
    Connection.connect({ address: temporalAddress() }),
    NativeConnection.connect({ address: temporalAddress() }),
  ]);
  out = await mkdtemp(path.join(tmpdir(), 'fetch-histories-'));
  [workflowId, encryptedWorkflowId] = await Promise.all([releasedProtection(), releasedProtection(encrypting)]);
});

afterAll(async () => {
  for (const { worker } of workers) worker.shutdown();
  await Promise.all(workers.map((w) => w.running));
  await Promise.all([
    connection?.close(),
    nativeConnection?.close(),
    resend?.close(),
    db?.destroy(),
    out && rm(out, { recursive: true, force: true }),
  ]);
});

const readHistory = async (file: string) => historyFromJSON(JSON.parse(await readFile(file, 'utf8')));

describe('npm run fetch-histories', () => {
  it("writes a closed execution's history by workflow id, in the replay corpus format", async () => {
    const lines: string[] = [];
    const written = await fetchHistories({
      address: temporalAddress(),
      namespace: 'default',
      workflowIds: [workflowId],
      out,
      log: (l) => lines.push(l),
    });

    const file = path.join(out, `${workflowId}.json`);
    expect(written).toEqual([expect.objectContaining({ workflowId, workflowType: 'protectionWorkflow', status: 'COMPLETED', file })]);
    expect(lines).toEqual([expect.stringContaining(`protectionWorkflow ${workflowId}`)]);
    const history = await readHistory(file);
    const events = history.events ?? [];
    expect(events[0]?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    expect(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('protectionWorkflow');
    expect(events.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)).toHaveLength(2);
    expect(written[0]!.events).toBe(events.length);
    // Exactly as stored: the payloads keep their encoding metadata (never decoded or re-encoded).
    expect((await readFile(file, 'utf8')).endsWith('}\n')).toBe(true);
    expect(Buffer.from(events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.metadata!.encoding!).toString()).toBe(
      'json/plain',
    );
  });

  it('refuses to overwrite an existing file unless --force, and writes nothing when it refuses', async () => {
    const file = path.join(out, `${workflowId}.json`);
    const before = await readFile(file, 'utf8');
    await writeFile(file, before.replace('"eventId": "1"', '"eventId": "1" '));
    const marked = await readFile(file, 'utf8');

    const refused = await fetchHistories({
      address: temporalAddress(),
      namespace: 'default',
      workflowIds: [workflowId],
      out,
      log: quiet,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HistoryExistsError);
    expect((refused as Error).message).toMatch(/--force/);
    expect(await readFile(file, 'utf8')).toBe(marked);

    await fetchHistories({ address: temporalAddress(), namespace: 'default', workflowIds: [workflowId], out, force: true, log: quiet });
    const replaced = await readFile(file, 'utf8');
    expect(replaced).not.toBe(marked);
    // The same history (the server may order a payload's metadata keys differently each time).
    expect(JSON.parse(replaced)).toEqual(JSON.parse(before));
  });

  it('writes nothing when one of the executions cannot be fetched', async () => {
    const dir = path.join(out, 'partial');
    await expect(
      fetchHistories({
        address: temporalAddress(),
        namespace: 'default',
        workflowIds: [workflowId, `protection-${randomUUID()}`],
        out: dir,
        log: quiet,
      }),
    ).rejects.toThrow(/not found/i);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });

  it('finds executions with a visibility query and names the file with --name', async () => {
    const query = `WorkflowType = "protectionWorkflow" AND ProtectionState = "released" AND WorkflowId = "${workflowId}" AND ExecutionStatus = "Completed"`;
    const client = new Client({ connection });
    // Visibility follows the history shortly after the close.
    for (let i = 0; (await client.workflow.count(query)).count === 0; i++) {
      if (i > 100) throw new Error(`no execution matches ${query}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const written = await fetchHistories({
      address: temporalAddress(),
      namespace: 'default',
      query,
      limit: 5,
      name: 'protection-released-by-sourcer',
      out,
      log: quiet,
    });
    expect(written.map((w) => path.basename(w.file))).toEqual(['protection-released-by-sourcer.json']);
    const history = await readHistory(written[0]!.file);
    expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('protectionWorkflow');

    await expect(
      fetchHistories({
        address: temporalAddress(),
        namespace: 'default',
        query: `WorkflowId = "no-such-${randomUUID()}"`,
        out,
        log: quiet,
      }),
    ).rejects.toThrow(/no execution matches/);
  });

  it("keeps payloads encrypted by the payload codec exactly as stored; they replay through the workers' data converter", async () => {
    const [written] = await fetchHistories({
      address: temporalAddress(),
      namespace: 'default',
      workflowIds: [encryptedWorkflowId],
      out: path.join(out, 'encrypted'),
      log: quiet,
    });
    const history = await readHistory(written!.file);
    const payloads = (history.events ?? []).flatMap((e) => [
      ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? []),
      ...(e.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
    ]);
    expect(payloads.length).toBeGreaterThanOrEqual(6); // input, 2 update args, 2 activity inputs, result
    for (const p of payloads) {
      expect(Buffer.from(p.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      expect(Buffer.from(p.metadata![KEY_ID_METADATA]!).toString()).toBe('fh2');
    }

    const { results, failures } = await replay([{ workflowId: encryptedWorkflowId, history }], { dataConverter: encrypting });
    expect(failures).toEqual([]);
    expect(results).toHaveLength(1);
  });

  it('writes histories that replay against the current workflow code', async () => {
    const files = (await readdir(out)).filter((f) => f.endsWith('.json')).sort(); // the plain ones
    expect(files).toEqual(['protection-released-by-sourcer.json', `${workflowId}.json`].sort());
    const histories = await Promise.all(
      files.map(async (f) => ({ workflowId: path.basename(f, '.json'), history: await readHistory(path.join(out, f)) })),
    );
    const { results, failures } = await replay(histories);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(histories.length);
  });

  it('parses its command line: ids or a query, never both', async () => {
    const env = { TEMPORAL_ADDRESS: '10.0.0.1:7233' };
    await expect(parseFetchArgs(['--workflow-id', 'a', '--workflow-id', 'b', '--name', 'x', '--force'], env)).resolves.toMatchObject({
      address: '10.0.0.1:7233',
      namespace: 'default',
      workflowIds: ['a', 'b'],
      name: 'x',
      force: true,
    });
    await expect(parseFetchArgs(['--query', 'PayoutStatus = "blocked"', '--address', 'h:1', '--out', 'o'], env)).resolves.toMatchObject({
      address: 'h:1',
      query: 'PayoutStatus = "blocked"',
      limit: 20,
      out: 'o',
      force: false,
    });
    await expect(parseFetchArgs([], env)).rejects.toThrow(/--workflow-id or --query/);
    await expect(parseFetchArgs(['--workflow-id', 'a', '--query', 'x'], env)).rejects.toThrow(/--workflow-id or --query/);
    await expect(parseFetchArgs(['--query', 'x', '--limit', '0'], env)).rejects.toThrow(/--limit/);
    await expect(parseFetchArgs(['--workflow-id', 'a', '--name', '../escape'], env)).rejects.toThrow(/--name/);
  });
});
