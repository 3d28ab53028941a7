import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createProposalsWorker } from '../../workers/proposals.js';
import type { Db } from '../../lib/db.js';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import type { ProposalInput } from '../../domain/proposal.js';
import type { FakeResend } from '../fakes/resend.js';
import type { Marketplace } from './factories.js';
import type { ProposalWorkflow } from '../../domain/proposal.js';

/** A worker on a private task queue with the real activities (test database, fake Resend). */
/** `automationTaskQueue`: where the proposal's domain events start rule executions (private unless given). */
export async function proposalTestWorker(
  env: TestWorkflowEnvironment,
  db: Db,
  resend: FakeResend,
  bundle: { codePath: string },
  automationTaskQueue = `automation-test-${randomUUID()}`,
) {
  const taskQueue = `proposals-test-${randomUUID()}`;
  // The production factory (its activity interceptors included).
  const worker = await createProposalsWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    db,
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    temporal: env.client,
    automationTaskQueue,
  });
  return { worker, taskQueue };
}

export function proposalInput(m: Marketplace, overrides: Partial<ProposalInput> = {}): ProposalInput {
  return {
    proposalId: randomUUID(),
    candidateId: m.candidateId,
    jobId: m.jobId,
    companyId: m.companyId,
    recruiterId: m.recruiterId,
    pitch: 'A strong backend engineer with payments experience.',
    actor: m.actors.recruiter,
    ...overrides,
  };
}

export function startProposal(env: TestWorkflowEnvironment, taskQueue: string, input: ProposalInput) {
  return env.client.workflow.start<ProposalWorkflow>(WORKFLOW_TYPES.proposal, {
    workflowId: workflowIds.proposal(input.proposalId),
    taskQueue,
    args: [input],
  });
}
