import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Db } from '../../lib/db.js';
import { createProposalsWorker } from '../../workers/proposals.js';
import { asPermanentFailure } from '../../workers/permanent-failures.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { proposalRecordedUpdate } from '../../domain/proposal.js';
import { temporalAddress, testDb, workflowBundle } from '../support/context.js';
import type { ProposalWorkflow } from '../../domain/proposal.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { proposalInput } from '../../testkit/harness/proposal-harness.js';
import { stuckWorkflows } from '../../testkit/harness/stuck-workflows.js';

let db: Db;
let resend: FakeResend;
let connection: Connection;
let native: NativeConnection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `proposals-permanent-${randomUUID()}`;

beforeAll(async () => {
  db = testDb();
  resend = await startFakeResend();
  [connection, native] = await Promise.all([
    Connection.connect({ address: temporalAddress() }),
    NativeConnection.connect({ address: temporalAddress() }),
  ]);
  client = new Client({ connection });
  // The production factory: what every worker process registers.
  worker = await createProposalsWorker({
    connection: native,
    namespace: 'default',
    temporal: client,
    db,
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    workflowBundle: workflowBundle(),
    taskQueue,
    automationTaskQueue: `automation-permanent-${randomUUID()}`,
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.all([connection?.close(), native?.close(), resend?.close(), db?.destroy()]);
});

const sqlError = (sql: string, bindings: unknown[]) =>
  db.raw(sql, bindings as never).then(
    () => {
      throw new Error('expected the database to refuse');
    },
    (err: unknown) => err,
  );

describe('activities failing on bad data', () => {
  it('turn a Postgres data exception (class 22) and a check violation into a non-retryable InvalidData failure', async () => {
    const nul = asPermanentFailure(await sqlError('select ?::text as t', ['a\u0000b']));
    expect(nul).toBeInstanceOf(ApplicationFailure);
    expect(nul).toMatchObject({ type: FAILURE_TYPES.InvalidData, nonRetryable: true });
    expect((nul as ApplicationFailure).details).toEqual([{ sqlState: '22021' }]);
    expect(asPermanentFailure(await sqlError("select 'x'::uuid", []))).toMatchObject({
      type: FAILURE_TYPES.InvalidData,
      details: [{ sqlState: '22P02' }],
    });
    await db.raw('create temporary table permanent_check (n int check (n > 0))');
    expect(asPermanentFailure(await sqlError('insert into permanent_check values (?)', [-1]))).toMatchObject({
      nonRetryable: true,
      details: [{ sqlState: '23514' }],
    });
  });

  it('leave a unique violation, a connection error and an ApplicationFailure as they are', async () => {
    await db.raw('create temporary table permanent_unique (n int primary key)');
    await db.raw('insert into permanent_unique values (1)');
    const duplicate = await sqlError('insert into permanent_unique values (1)', []);
    expect(asPermanentFailure(duplicate)).toBe(duplicate);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(asPermanentFailure(refused)).toBe(refused);
    const typed = ApplicationFailure.retryable('try later', 'Busy');
    expect(asPermanentFailure(typed)).toBe(typed);
  });

  it('fail a proposal whose pitch Postgres refuses once, answering its recorder instead of retrying forever', async () => {
    const m = await createMarketplace(db);
    const input = proposalInput(m, { pitch: 'a\u0000b' });
    const workflowId = workflowIds.proposal(input.proposalId);
    const recorded = client.workflow.executeUpdateWithStart(proposalRecordedUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation<ProposalWorkflow>(WORKFLOW_TYPES.proposal, {
        workflowId,
        taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [input],
      }),
    });
    const outcome = await Promise.race([
      recorded.then(
        () => 'recorded',
        (err: unknown) => err,
      ),
      new Promise((r) => setTimeout(() => r('no answer in 20 s'), 20_000)),
    ]);
    expect(outcome).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((outcome as WorkflowUpdateFailedError).cause).toMatchObject({ type: FAILURE_TYPES.InvalidData });
    expect(await db('candidate_role_assignments').where({ id: input.proposalId })).toHaveLength(0);
    expect(await stuckWorkflows(client, `WorkflowId = "${workflowId}"`)).toEqual([]);
    const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
    expect(events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([
      1,
    ]);
  });
});
