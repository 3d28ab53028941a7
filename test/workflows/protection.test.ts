import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Db } from '../../lib/db.js';
import { createOwnershipWorker } from '../../workers/ownership.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { SEARCH_ATTRIBUTES, workflowIds } from '../../domain/temporal.js';
import { protectionWorkflow } from '../../workflows/protection.js';
import {
  claimCandidateUpdate,
  extendProtectionUpdate,
  overrideAttributionUpdate,
  protectionQuery,
  releaseProtectionUpdate,
} from '../../domain/protection.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { startTimeSkippingEnv, testDb, workflowBundle } from '../support/context.js';
import { createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let db: Db;
let resend: FakeResend;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `ownership-test-${randomUUID()}`;

beforeAll(async () => {
  [env, resend] = await Promise.all([startTimeSkippingEnv(), startFakeResend()]);
  db = testDb();
  // The production factory (its activity interceptors included).
  worker = await createOwnershipWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    db,
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    temporal: env.client,
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.all([env?.teardown(), resend?.close(), db?.destroy()]);
});

const PLATFORM = { userId: randomUUID(), role: 'platform_admin' as const };

async function claimed(m: Marketplace) {
  const handle = await env.client.workflow.start(protectionWorkflow, {
    workflowId: workflowIds.protection(m.candidateId),
    taskQueue,
    args: [{ candidateId: m.candidateId }],
  });
  const view = await handle.executeUpdate(claimCandidateUpdate, { args: [{ recruiterId: m.recruiterId, actor: m.actors.recruiter }] });
  return { handle, view };
}
async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type;
}
const sourcer = (m: Marketplace) => db('candidate_sourcers').where({ candidate_id: m.candidateId }).first();
const events = async (m: Marketplace) =>
  (await db('marketplace_events').where({ candidate_id: m.candidateId }).orderBy('id')).map((e) => e.type);

describe('protection workflow', () => {
  it('protects the first claim for 30 days, notices the sourcer 3 days before, then lapses by itself', async () => {
    const m = await createMarketplace(db);
    const started = await env.currentTimeMs();
    const { handle, view } = await claimed(m);
    expect(view).toMatchObject({ state: 'protected', recruiterId: m.recruiterId });
    expect(Math.abs(new Date(view.protectionEndsAt!).getTime() - (started + 30 * DAY))).toBeLessThan(60_000);

    expect(
      await refusal(
        handle.executeUpdate(claimCandidateUpdate, { args: [{ recruiterId: m.otherRecruiterId, actor: m.actors.otherRecruiter }] }),
      ),
    ).toBe(FAILURE_TYPES.AlreadySourced);
    await env.sleep(26 * DAY);
    expect(resend.emails().filter((e) => e.subject.includes('ends soon') && e.to.includes(m.emails.recruiter))).toHaveLength(0);
    const result = await handle.result();
    expect(result.state).toBe('expired');
    expect(resend.emails().filter((e) => e.subject.includes('ends soon') && e.to.includes(m.emails.recruiter))).toHaveLength(1);
    expect((await sourcer(m))!.protection_state).toBe('expired');
    expect(await events(m)).toEqual(['candidate_sourced', 'sourcing_conflict', 'protection_expired']);
  });

  it('lets only the sourcer release the protection early', async () => {
    const m = await createMarketplace(db);
    const { handle } = await claimed(m);
    expect(await refusal(handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.otherRecruiter }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );
    expect(
      (await handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.recruiter, reason: 'not a fit for my clients' }] }))
        .state,
    ).toBe('released');
    expect((await handle.result()).state).toBe('released');
    expect((await sourcer(m))!.protection_state).toBe('released');
    expect(await db('decision_audit_log').where({ entity_id: m.candidateId, decision: 'release' })).toHaveLength(1);
  });

  it('lets a platform admin override the attribution with a reason: audited, the losing recruiter e-mailed', async () => {
    const m = await createMarketplace(db);
    const { handle } = await claimed(m);
    expect(
      await refusal(
        handle.executeUpdate(overrideAttributionUpdate, {
          args: [{ actor: m.actors.companyAdmin, recruiterId: m.otherRecruiterId, reason: 'x' }],
        }),
      ),
    ).toBe(FAILURE_TYPES.Forbidden);
    expect(
      await refusal(
        handle.executeUpdate(overrideAttributionUpdate, { args: [{ actor: PLATFORM, recruiterId: m.otherRecruiterId, reason: '' }] }),
      ),
    ).toBe(FAILURE_TYPES.InvalidState);
    const overridden = await handle.executeUpdate(overrideAttributionUpdate, {
      args: [{ actor: PLATFORM, recruiterId: m.otherRecruiterId, reason: 'earlier outreach proven by e-mail evidence' }],
    });
    expect(overridden.recruiterId).toBe(m.otherRecruiterId);
    expect((await sourcer(m))!.recruiter_id).toBe(m.otherRecruiterId);
    const audit = await db('decision_audit_log').where({ entity_id: m.candidateId, decision: 'override_attribution' }).first();
    expect(audit).toMatchObject({
      actor_user_id: PLATFORM.userId,
      reason: 'earlier outreach proven by e-mail evidence',
      details: { from: { recruiterId: m.recruiterId }, to: { recruiterId: m.otherRecruiterId } },
    });
    expect(
      resend
        .emails()
        .filter((e) => e.subject.includes('reassigned'))
        .map((e) => e.to),
    ).toContainEqual([m.emails.recruiter]);
    await handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.otherRecruiter }] });
  });

  it('lets a platform admin extend the window by 1–365 days', async () => {
    const m = await createMarketplace(db);
    const { handle, view } = await claimed(m);
    expect(
      await refusal(handle.executeUpdate(extendProtectionUpdate, { args: [{ actor: PLATFORM, days: 366, reason: 'too long' }] })),
    ).toBe(FAILURE_TYPES.InvalidState);
    const extended = await handle.executeUpdate(extendProtectionUpdate, {
      args: [{ actor: PLATFORM, days: 10, reason: 'dispute pending' }],
    });
    expect(new Date(extended.protectionEndsAt!).getTime() - new Date(view.protectionEndsAt!).getTime()).toBe(10 * DAY);
    await env.sleep(35 * DAY);
    expect((await handle.query(protectionQuery)).state).toBe('protected');
    expect((await handle.result()).state).toBe('expired');
    expect((await sourcer(m))!.protection_ends_at.toISOString()).toBe(extended.protectionEndsAt);
  });

  it("keeps the protection as it was when the database refuses a release's reason: the update fails, NeedsAttention is set, a later release works", async () => {
    const m = await createMarketplace(db);
    const { handle } = await claimed(m);
    const release = handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.recruiter, reason: 'not\u0000a fit' }] });
    const outcome = await Promise.race([
      release.then(
        () => 'released',
        (err: unknown) => err,
      ),
      new Promise((r) => setTimeout(() => r('no answer in 20 s'), 20_000)),
    ]);
    expect(outcome).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((outcome as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FAILURE_TYPES.InvalidData);
    expect((await handle.query(protectionQuery)).state).toBe('protected');
    expect((await sourcer(m))!.protection_state).toBe('protected');
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.NeedsAttention)).toBe(true);
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.ProtectionState)).toBe('protected');

    expect(
      (await handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.recruiter, reason: 'not a fit' }] })).state,
    ).toBe('released');
    expect((await handle.result()).state).toBe('released');
  });
});
