import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app.js';
import { createProposalDbActivities } from '../../activities/db/proposals.js';
import type { Db } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { signToken } from '../../lib/tokens.js';
import { type TaskQueues, WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import type { Actor } from '../../domain/actors.js';
import { temporalAddress, testDb } from '../support/context.js';
import type { ProposalWorkflow } from '../../domain/proposal.js';
import { JWT } from '../../testkit/harness/api-harness.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { proposalInput } from '../../testkit/harness/proposal-harness.js';

const BOUND_MS = 1_500;
/** Task queues no worker polls: every workflow there is a workflow that does not answer. */
const deadQueue = () => `nobody-polls-${randomUUID()}`;
const taskQueues: TaskQueues = {
  proposals: deadQueue(),
  placements: deadQueue(),
  ownership: deadQueue(),
  automation: deadQueue(),
  atsSync: deadQueue(),
};

let db: Db;
let connection: Connection;
let temporal: Client;
let server: Server;
let baseUrl: string;
beforeAll(async () => {
  db = testDb();
  connection = await Connection.connect({ address: temporalAddress() });
  temporal = new Client({ connection });
  const app = createApp({
    temporal,
    db,
    taskQueues,
    logger: createLogger('api-test', 'silent'),
    config: { JWT_SECRET: JWT.secret, JWT_ISSUER: JWT.issuer, WORKFLOW_UPDATE_TIMEOUT_MS: BOUND_MS },
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await Promise.all([connection?.close(), db?.destroy()]);
});

async function post(path: string, actor: Actor, body: unknown) {
  const token = await signToken(
    { sub: actor.userId!, role: actor.role as 'recruiter', companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null },
    JWT,
  );
  const started = Date.now();
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string; details: { workflowId: string } } },
    ms: Date.now() - started,
  };
}

describe('a workflow that does not answer an update', () => {
  it('answers POST /proposals with 504 workflow_timeout naming the workflow, within the bound', async () => {
    const m = await createMarketplace(db);
    const res = await post('/api/v1/proposals', m.actors.recruiter, { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Strong fit.' });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('workflow_timeout');
    expect(res.body.error.details.workflowId).toMatch(/^proposal-/);
    expect(res.ms).toBeLessThan(BOUND_MS + 5_000);
    await temporal.workflow.getHandle(res.body.error.details.workflowId).terminate('test over');
  });

  it("answers a decline with 504 workflow_timeout when the proposal's worker is down", async () => {
    const m = await createMarketplace(db);
    const input = proposalInput(m);
    const workflowId = workflowIds.proposal(input.proposalId);
    await createProposalDbActivities({ db }).createProposal({ ...input, workflowId, createdAt: new Date().toISOString() });
    const handle = await temporal.workflow.start<ProposalWorkflow>(WORKFLOW_TYPES.proposal, {
      workflowId,
      taskQueue: taskQueues.proposals,
      args: [input],
    });
    const res = await post(`/api/v1/proposals/${input.proposalId}/decline`, m.actors.companyAdmin, { reason: 'Not now' });
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'workflow_timeout', details: { workflowId } });
    expect(res.ms).toBeLessThan(BOUND_MS + 5_000);
    await handle.terminate('test over');
  });
});
