/**
 * `npm run record-histories`: runs each important path of every workflow type against
 * the time-skipping test server with the real activities (embedded Postgres, fake
 * Resend) and writes their event histories to test/replay/histories/, which the replay
 * test replays against the current workflow code. Re-record only when a change is
 * meant to be incompatible (then old runs must be drained or patched first).
 * `npm run record-histories -- automation- proposal-accepted` records only the scenarios
 * whose names start with one of the given prefixes, leaving the other files as they are
 * (histories of older code stay, to prove a `patched()` change still replays them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { WorkflowContinuedAsNewError, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb } from '../lib/db.js';
import type { ProposalWorkflow } from '../domain/proposal.js';
import {
  acceptProposalUpdate,
  declineProposalUpdate,
  proposalRecordedUpdate,
  reviewProposalUpdate,
  withdrawProposalUpdate,
} from '../domain/proposal.js';
import { randomUUID } from 'node:crypto';
import { createOwnershipWorker } from '../workers/ownership.js';
import { createPlacementsWorker } from '../workers/placements.js';
import { createAutomationWorker } from '../workers/automation.js';
import { createAtsSyncWorker } from '../workers/ats-sync.js';
import { createEventPublisher } from '../activities/events.js';
import { createGreenhouseConnector } from '../activities/ats/greenhouse.js';
import type { AtsSyncWorkflow } from '../domain/ats.js';
import { disconnectUpdate, pauseSyncUpdate, resumeSyncUpdate, syncNowSignal, syncStatusQuery, webhookEventsSignal } from '../domain/ats.js';
import type { AutomationExecutionWorkflow } from '../domain/automation.js';
import { approveExecutionUpdate, automationStateQuery, rejectExecutionUpdate } from '../domain/automation.js';
import type { ProtectionWorkflow } from '../domain/protection.js';
import { claimCandidateUpdate, extendProtectionUpdate, overrideAttributionUpdate, releaseProtectionUpdate } from '../domain/protection.js';
import { WORKFLOW_TYPES, workflowIds } from '../domain/temporal.js';
import type { PayoutWorkflow } from '../domain/payout.js';
import { accountUpdatedSignal, payoutAccountStateQuery, type PayoutAccountWorkflow } from '../domain/payout-account.js';
import { cancelSplitUpdate, changeSplitAccountUpdate, payoutStateQuery, retrySplitUpdate } from '../domain/payout.js';
import type { PlacementWorkflow } from '../domain/placement.js';
import { feePaymentEventSignal, retryRefundUpdate, voidFeeUpdate } from '../domain/payment.js';
import {
  chooseRefundUpdate,
  chooseReplacementUpdate,
  placementRecordedUpdate,
  placementStateQuery,
  releaseEarlyUpdate,
  reportFailureUpdate,
} from '../domain/placement.js';
import { startGreenhouseFake } from '../testkit/fakes/ats/greenhouse.js';
import { startWorkableFake } from '../testkit/fakes/ats/workable.js';
import { ATS_TEST_KEY_RING, connect as connectAts, seedSmall } from '../testkit/harness/ats-harness.js';
import { createApplication, createRule, stageChanged } from '../testkit/harness/automation-harness.js';
import { startFakeResend } from '../testkit/fakes/resend.js';
import { startFakeStripe } from '../testkit/fakes/stripe.js';
import { createCandidate, createCollaborators, createPlacement, type CollaboratorSpec } from '../testkit/harness/factories.js';
import { startTimeSkippingEnv } from '../testkit/env/time-skipping.js';
import { createMarketplace } from '../testkit/harness/factories.js';
import { startTestInfra, type TestInfra } from '../testkit/env/infra.js';
import { proposalInput, proposalTestWorker, startProposal } from '../testkit/harness/proposal-harness.js';
import { PROJECT_ROOT } from './lib/tools.js';

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

/**
 * A fresh time-skipping server with every queue's worker and the scenarios to run on it.
 * One per scenario: the test server's time-lock accounting can break when one server
 * sees many update-driven workflows, and then later scenarios hang.
 */
async function recorder(infra: TestInfra) {
  const [env, resend, stripe] = await Promise.all([startTimeSkippingEnv(), startFakeResend(), startFakeStripe()]);
  const db = createDb(infra.databaseUrl);
  const { worker, taskQueue } = await proposalTestWorker(env, db, resend, { codePath: infra.workflowBundlePath });
  const automationTaskQueue = `automation-record-${randomUUID()}`;
  const placementsQueue = `placements-record-${randomUUID()}`;
  // Every queue's worker from the production factories: a refused write fails once (their activity interceptor), as in a worker process.
  const workerDeps = {
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    workflowBundle: { codePath: infra.workflowBundlePath },
    db,
    resend: resend.client(),
    emailFrom: 'record@splits.test',
    appUrl: 'http://app.test',
    temporal: env.client,
    automationTaskQueue,
  };
  const placementsWorker = await createPlacementsWorker({ ...workerDeps, taskQueue: placementsQueue, stripe: stripe.client() });
  const ADMIN = { userId: randomUUID(), role: 'platform_admin' as const };
  const startPayout = async (specs: CollaboratorSpec[]) => {
    const p = await createPlacement(db, stripe, specs);
    const payoutId = randomUUID();
    return env.client.workflow.start<PayoutWorkflow>(WORKFLOW_TYPES.payout, {
      workflowId: workflowIds.payout(payoutId),
      taskQueue: placementsQueue,
      args: [
        {
          payoutId,
          placementId: p.placementId,
          companyId: p.marketplace.companyId,
          tranche: 'activation',
          amountCents: 1_000_001,
          currency: 'USD',
        },
      ],
    });
  };
  const ownershipQueue = `ownership-record-${randomUUID()}`;
  const ownershipWorker = await createOwnershipWorker({ ...workerDeps, taskQueue: ownershipQueue });
  const automationWorker = await createAutomationWorker({ ...workerDeps, taskQueue: automationTaskQueue });
  const publisher = createEventPublisher({ db, temporal: env.client, taskQueue: automationTaskQueue });
  /** An application at "interview" whose stage change triggers `rule` (by default: move to offer, with approval). */
  const triggered = async (rule: Parameters<typeof createRule>[2] = {}) => {
    const m = await createMarketplace(db);
    const applicationId = await createApplication(db, m, 'interview');
    await createRule(db, m, rule);
    const { executionIds } = await publisher.publishDomainEvent(stageChanged(m, applicationId, 'interview'));
    const execution = await db('automation_executions').where({ id: executionIds[0] }).first();
    const handle: WorkflowHandle<AutomationExecutionWorkflow> = env.client.workflow.getHandle(execution!.workflow_id);
    return { m, handle };
  };
  const awaitingApproval = async (handle: WorkflowHandle<AutomationExecutionWorkflow>) => {
    while ((await handle.query(automationStateQuery)).status !== 'awaiting_approval') await new Promise((r) => setTimeout(r, 50));
  };
  const atsQueue = `ats-sync-record-${randomUUID()}`;
  const atsWorker = await createAtsSyncWorker({ ...workerDeps, taskQueue: atsQueue, keyRing: ATS_TEST_KEY_RING });
  const greenhouse = await startGreenhouseFake();
  seedSmall(greenhouse);
  const workable = await startWorkableFake();
  seedSmall(workable);
  const syncRuns = async (handle: WorkflowHandle<AtsSyncWorkflow>, runs: number) => {
    for (;;) {
      const s = await handle.query(syncStatusQuery);
      if ((s.runs >= runs && !s.syncing) || s.state !== 'active') return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const claimed = async () => {
    const m = await createMarketplace(db);
    const handle = await env.client.workflow.start<ProtectionWorkflow>(WORKFLOW_TYPES.protection, {
      workflowId: workflowIds.protection(m.candidateId),
      taskQueue: ownershipQueue,
      args: [{ candidateId: m.candidateId }],
    });
    await handle.executeUpdate(claimCandidateUpdate, { args: [{ recruiterId: m.recruiterId, actor: m.actors.recruiter }] });
    await handle
      .executeUpdate(claimCandidateUpdate, { args: [{ recruiterId: m.otherRecruiterId, actor: m.actors.otherRecruiter }] })
      .catch(() => undefined);
    return { m, handle };
  };
  /** A hire of the marketplace's candidate; `platformFeeBps` is the company's own platform fee (product §3.3, §3.11). */
  /**
   * A hire whose company pays the fee invoice the moment it is finalized, unless `paysAtOnce` is
   * false (the scenario pays, late or never). `terms` are the company's own.
   */
  const hire = async (
    opts: { platformFeeBps?: number; paysAtOnce?: boolean; paymentTermsDays?: number; refundPolicy?: 'full' | 'pro_rata' | 'none' } = {},
  ) => {
    const { marketplace: m, recruiters } = await createCollaborators(db, stripe, [
      { role: 'sourcer', splitBps: 6000 },
      { role: 'closer', splitBps: 4000 },
    ]);
    stripe.autoPayInvoices(opts.paysAtOnce ?? true);
    await db('company_settings')
      .insert({
        company_id: m.companyId,
        platform_fee_bps: opts.platformFeeBps ?? null,
        payment_terms_days: opts.paymentTermsDays ?? null,
        refund_policy: opts.refundPolicy ?? null,
      })
      .onConflict('company_id')
      .merge();
    const placementId = randomUUID();
    const handle = await env.client.workflow.start<PlacementWorkflow>(WORKFLOW_TYPES.placement, {
      workflowId: workflowIds.placement(placementId),
      taskQueue: placementsQueue,
      args: [
        {
          placementId,
          companyId: m.companyId,
          jobId: m.jobId,
          candidateId: m.candidateId,
          feeCents: 1_500_000,
          currency: 'USD',
          startDate: new Date(await env.currentTimeMs()).toISOString().slice(0, 10),
          collaborators: recruiters.map((r) => ({ recruiterId: r.recruiterId, role: r.spec.role, splitBps: r.spec.splitBps })),
          actor: m.actors.companyAdmin,
        },
      ],
    });
    await handle.executeUpdate(placementRecordedUpdate);
    return { handle, admin: m.actors.companyAdmin, placementId };
  };
  /** The company pays on the hosted invoice page (or its card is declined); Stripe's webhook becomes the signal. */
  const companyPays = async (handle: WorkflowHandle<PlacementWorkflow>, placementId: string, outcome: 'succeed' | 'fail' = 'succeed') => {
    let invoiceId: string | null | undefined;
    while (!(invoiceId = (await db('placement_payments').where({ placement_id: placementId }).first())?.stripe_invoice_id))
      await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${stripe.url}/_fake/invoices/${invoiceId}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `outcome=${outcome}`,
    });
    if (res.status >= 500) throw new Error(`the fake refused to pay ${invoiceId}: ${await res.text()}`);
    await handle.signal(feePaymentEventSignal, {
      eventId: `evt_${randomUUID()}`,
      type: `invoice.${outcome === 'succeed' ? 'paid' : 'payment_failed'}`,
    });
  };
  const activated = async (handle: WorkflowHandle<PlacementWorkflow>) => {
    while ((await handle.query(placementStateQuery)).state !== 'active') await new Promise((r) => setTimeout(r, 50));
  };
  // Recorded once per placement version (before and after APPLICATION_STAGE_PATCH), under two names.
  const refundedAfterFailure = async () => {
    const { handle, admin } = await hire();
    await env.sleep(5 * 86_400_000);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate left' }] });
    await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: admin, reason: 'refund' }] });
    return handle;
  };
  const replacedThenReleased = async () => {
    const { handle, admin } = await hire();
    await env.sleep(86_400_000);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate left' }] });
    await handle.executeUpdate(chooseReplacementUpdate, { args: [{ actor: admin, candidateId: await createCandidate(db) }] });
    await handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: ADMIN, reason: 'replacement confirmed' }] });
    return handle;
  };
  const blockedSplit = async (handle: WorkflowHandle<PayoutWorkflow>) => {
    for (;;) {
      const view = await handle.query(payoutStateQuery);
      const split = view.splits.find((s) => s.status === 'blocked');
      if (split) return split;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /**
   * A split blocked for an account that has not finished onboarding; the recruiter connected it
   * through the product and completes onboarding; `account.updated` reaches the payout-account
   * workflow, which retries the split as the system.
   */
  const accountEnabledAfterBlock = async () => {
    const p = await createPlacement(db, stripe, [
      { role: 'sourcer', splitBps: 6000 },
      { role: 'closer', splitBps: 4000, account: 'disabled' },
    ]);
    const closer = p.collaborators[1]!;
    const account = closer.stripeAccountId!;
    const at = new Date();
    await db('recruiter_payout_accounts').insert({
      recruiter_id: closer.recruiterId,
      idempotency_key: `payout-account-${closer.recruiterId}`,
      stripe_account_id: account,
      created_at: at,
      updated_at: at,
    });
    const payoutId = randomUUID();
    const payout = await env.client.workflow.start<PayoutWorkflow>(WORKFLOW_TYPES.payout, {
      workflowId: workflowIds.payout(payoutId),
      taskQueue: placementsQueue,
      args: [
        {
          payoutId,
          placementId: p.placementId,
          companyId: p.marketplace.companyId,
          tranche: 'activation',
          amountCents: 1_000_001,
          currency: 'USD',
        },
      ],
    });
    await blockedSplit(payout);
    const signal = (eventId: string) =>
      env.client.workflow.signalWithStart<PayoutAccountWorkflow, [{ eventId: string }]>(WORKFLOW_TYPES.payoutAccount, {
        workflowId: workflowIds.payoutAccount(account),
        taskQueue: placementsQueue,
        args: [{ stripeAccountId: account }],
        signal: accountUpdatedSignal,
        signalArgs: [{ eventId }],
      });
    const accountHandle = await signal('evt_record_before_onboarding');
    await fetch(`${stripe.url}/_fake/accounts/${account}/complete-onboarding`, { method: 'POST' });
    await signal('evt_record_onboarded');
    await payout.result();
    return { payout, accountHandle };
  };
  type AnyHandle =
    | WorkflowHandle<ProposalWorkflow>
    | WorkflowHandle<PayoutWorkflow>
    | WorkflowHandle<PayoutAccountWorkflow>
    | WorkflowHandle<PlacementWorkflow>
    | WorkflowHandle<ProtectionWorkflow>
    | WorkflowHandle<AutomationExecutionWorkflow>
    | WorkflowHandle<AtsSyncWorkflow>;
  const scenarios: Record<string, () => Promise<AnyHandle>> = {
    async 'ats-sync-synced-webhook-then-disconnected'() {
      const m = await createMarketplace(db);
      const { handle } = await connectAts(env, atsQueue, m, greenhouse);
      await syncRuns(handle, 1);
      const app = greenhouse.addApplication({
        candidateExternalId: greenhouse.addCandidate({ fullName: 'Dorothy Vaughan' }),
        jobExternalId: greenhouse.addJob({ title: 'Analyst' }),
      });
      await handle.signal(syncNowSignal);
      await syncRuns(handle, 2);
      greenhouse.moveApplication(app, greenhouse.stages[1]!);
      const delivery = greenhouse.stageChangeWebhook(app);
      await handle.signal(
        webhookEventsSignal,
        createGreenhouseConnector(greenhouse.config).parseWebhook(Buffer.from(delivery.body), delivery.headers),
      );
      await handle.executeUpdate(pauseSyncUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      await handle.executeUpdate(disconnectUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      return handle;
    },
    async 'ats-sync-workable-subscribed-then-disconnected'() {
      const m = await createMarketplace(db);
      const { handle } = await connectAts(env, atsQueue, m, workable);
      await syncRuns(handle, 1);
      await handle.executeUpdate(disconnectUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      return handle;
    },
    async 'ats-sync-auth-failed-then-resumed'() {
      const m = await createMarketplace(db);
      greenhouse.injectFailure({ path: '/token', status: 401, times: 2 });
      const { handle } = await connectAts(env, atsQueue, m, greenhouse);
      await syncRuns(handle, 1);
      await handle.executeUpdate(resumeSyncUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      await syncRuns(handle, 2);
      await handle.executeUpdate(disconnectUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      return handle;
    },
    async 'ats-sync-continued-as-new'() {
      const m = await createMarketplace(db);
      const { handle } = await connectAts(env, atsQueue, m, greenhouse, {}, { historyLimit: 20 });
      await syncRuns(handle, 1); // the first run passes the limit after its sync and continues as new
      return env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId, { followRuns: false });
    },
    async 'automation-approved-then-acted'() {
      const { m, handle } = await triggered();
      await awaitingApproval(handle);
      await handle.executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.companyAdmin, comment: 'strong interview' }] });
      return handle;
    },
    async 'automation-answer-refused-then-approved'() {
      const { m, handle } = await triggered();
      await awaitingApproval(handle);
      // Data the database refuses (past the API's edge check): the answer fails, the approval stays pending.
      await handle
        .executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.companyAdmin, comment: 'go\u0000' }] })
        .catch(() => undefined);
      await handle.executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.companyAdmin, comment: 'go' }] });
      return handle;
    },
    async 'automation-rejected'() {
      const { m, handle } = await triggered();
      await awaitingApproval(handle);
      await handle.executeUpdate(approveExecutionUpdate, { args: [{ actor: m.actors.hiringManager }] }).catch(() => undefined); // wrong role: refused
      await handle.executeUpdate(rejectExecutionUpdate, { args: [{ actor: m.actors.companyAdmin, comment: 'not yet' }] });
      return handle;
    },
    async 'automation-expired-without-answer'() {
      return (await triggered({ approval_timeout_hours: 2 })).handle;
    },
    async 'automation-skipped-conditions-unmet'() {
      return (await triggered({ conditions: { field: 'stageTo', op: 'eq', value: 'hired' } })).handle;
    },
    async 'automation-action-failed'() {
      return (
        await triggered({
          requires_approval: false,
          actions: [
            { type: 'create_task', title: 'Call', dueInDays: 1 },
            { type: 'advance_stage', stage: 'interview' },
          ],
        })
      ).handle;
    },
    async 'proposal-accepted-raises-domain-event'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      await handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      return handle;
    },
    async 'proposal-reviewed-then-accepted'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      await handle.executeUpdate(reviewProposalUpdate, { args: [{ actor: m.actors.hiringManager }] });
      await handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      return handle;
    },
    async 'proposal-declined-with-reason'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      await handle.executeUpdate(declineProposalUpdate, { args: [{ actor: m.actors.companyAdmin, reason: 'Role filled internally' }] });
      return handle;
    },
    async 'proposal-decline-refused-then-accepted'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      // Data the database refuses (past the API's edge check): the decline fails, the proposal stays open.
      await handle
        .executeUpdate(declineProposalUpdate, { args: [{ actor: m.actors.companyAdmin, reason: 'not\u0000now' }] })
        .catch(() => undefined);
      await handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      return handle;
    },
    async 'proposal-withdrawn'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      await handle.executeUpdate(withdrawProposalUpdate, { args: [{ actor: m.actors.recruiter }] });
      return handle;
    },
    async 'proposal-timed-out-after-reminder'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      return handle;
    },
    async 'payout-paid-to-three-collaborators'() {
      return startPayout([
        { role: 'sourcer', splitBps: 5000 },
        { role: 'submitter', splitBps: 3000 },
        { role: 'closer', splitBps: 2000 },
      ]);
    },
    async 'payout-blocked-retried-then-account-changed'() {
      const handle = await startPayout([
        { role: 'sourcer', splitBps: 6000 },
        { role: 'closer', splitBps: 4000, account: 'disabled' },
      ]);
      let split = await blockedSplit(handle);
      await handle.executeUpdate(retrySplitUpdate, {
        args: [{ splitId: split.splitId, actor: ADMIN, reason: 'recruiter says it is fixed' }],
      });
      split = await blockedSplit(handle);
      const account = stripe.createAccount({ payoutsEnabled: true });
      await handle.executeUpdate(changeSplitAccountUpdate, {
        args: [{ splitId: split.splitId, actor: ADMIN, stripeAccountId: account.id, updateRecruiterAccount: false, reason: 'new account' }],
      });
      return handle;
    },
    async 'payout-account-enabled-retries-blocked-split'() {
      return (await accountEnabledAfterBlock()).accountHandle;
    },
    async 'payout-account-restricted-nothing-blocked'() {
      // An account with nothing blocked: enabled, then Stripe asks for more (restricted); nothing to retry.
      const { recruiters } = await createCollaborators(db, stripe, [{ role: 'sourcer', splitBps: 10_000, account: 'disabled' }]);
      const { recruiterId, stripeAccountId } = recruiters[0]!;
      const at = new Date();
      await db('recruiter_payout_accounts').insert({
        recruiter_id: recruiterId,
        idempotency_key: `payout-account-${recruiterId}`,
        stripe_account_id: stripeAccountId,
        created_at: at,
        updated_at: at,
      });
      const signal = (eventId: string) =>
        env.client.workflow.signalWithStart<PayoutAccountWorkflow, [{ eventId: string }]>(WORKFLOW_TYPES.payoutAccount, {
          workflowId: workflowIds.payoutAccount(stripeAccountId!),
          taskQueue: placementsQueue,
          args: [{ stripeAccountId: stripeAccountId! }],
          signal: accountUpdatedSignal,
          signalArgs: [{ eventId }],
        });
      await fetch(`${stripe.url}/_fake/accounts/${stripeAccountId}/complete-onboarding`, { method: 'POST' });
      const handle = await signal('evt_record_onboarded');
      while ((await handle.query(payoutAccountStateQuery)).status !== 'enabled') await new Promise((r) => setTimeout(r, 50));
      await fetch(`${stripe.url}/_fake/accounts/${stripeAccountId}/require`, {
        method: 'POST',
        body: new URLSearchParams({ 'currently_due[0]': 'external_account' }),
      });
      await signal('evt_record_requirements_back');
      return handle;
    },
    async 'payout-blocked-then-retried-when-account-enabled'() {
      return (await accountEnabledAfterBlock()).payout;
    },
    async 'payout-blocked-then-split-cancelled'() {
      const handle = await startPayout([
        { role: 'sourcer', splitBps: 7000 },
        { role: 'support', splitBps: 3000, account: 'none' },
      ]);
      const split = await blockedSplit(handle);
      await handle.executeUpdate(cancelSplitUpdate, {
        args: [{ splitId: split.splitId, actor: ADMIN, reason: 'recruiter left the marketplace' }],
      });
      return handle;
    },
    async 'placement-completed-after-guarantee'() {
      return (await hire()).handle;
    },
    // A 10 % platform fee: the payouts keep it off each tranche (the activities; the workflow is unchanged).
    async 'placement-with-platform-fee-completed'() {
      return (await hire({ platformFeeBps: 1000 })).handle;
    },
    'placement-refunded-after-failure': refundedAfterFailure,
    // After patched(FEE_COLLECTION_PATCH): the company pays the fee before anything is paid out.
    async 'placement-fee-paid-on-time'() {
      const { handle, placementId } = await hire({ paysAtOnce: false });
      await activated(handle);
      await env.sleep(5 * 86_400_000);
      await companyPays(handle, placementId);
      return handle;
    },
    async 'placement-fee-paid-late-after-reminders'() {
      const { handle, placementId } = await hire({ paysAtOnce: false, paymentTermsDays: 7 });
      await activated(handle);
      await env.sleep(21 * 86_400_000);
      await companyPays(handle, placementId);
      return handle;
    },
    async 'placement-fee-payment-failed-then-paid'() {
      const { handle, placementId } = await hire({ paysAtOnce: false });
      await activated(handle);
      await companyPays(handle, placementId, 'fail');
      await env.sleep(86_400_000);
      await companyPays(handle, placementId);
      return handle;
    },
    async 'placement-fee-voided'() {
      const { handle } = await hire({ paysAtOnce: false });
      await activated(handle);
      await handle.executeUpdate(voidFeeUpdate, { args: [{ actor: ADMIN, reason: 'fee waived' }] });
      return handle;
    },
    async 'placement-fee-refunded-pro-rata-after-failure'() {
      const { handle, admin, placementId } = await hire({ paysAtOnce: false, refundPolicy: 'pro_rata' });
      await activated(handle);
      await companyPays(handle, placementId);
      await env.sleep(30 * 86_400_000);
      await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate left' }] });
      await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: admin, reason: 'refund' }] });
      return handle;
    },
    async 'placement-fee-refund-refused-then-retried'() {
      const { handle, admin } = await hire();
      await env.sleep(5 * 86_400_000);
      await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate left' }] });
      stripe.injectFailure({ method: 'POST', path: '/v1/credit_notes', status: 400, type: 'invalid_request_error', message: 'refused' });
      await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: admin, reason: 'refund' }] });
      while ((await handle.query(placementStateQuery)).payment?.status !== 'refund_blocked') await new Promise((r) => setTimeout(r, 50));
      await handle.executeUpdate(retryRefundUpdate, { args: [{ actor: ADMIN, reason: 'Stripe fixed' }] });
      return handle;
    },
    async 'placement-failure-report-refused-then-refunded'() {
      const { handle, admin } = await hire();
      await env.sleep(5 * 86_400_000);
      // Data the database refuses (past the API's edge check): the report fails, the guarantee runs on.
      await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'left\u0000early' }] }).catch(() => undefined);
      await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: admin, reason: 'candidate left' }] });
      await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: admin, reason: 'refund' }] });
      return handle;
    },
    'placement-replaced-then-released-early': replacedThenReleased,
    // After patched(APPLICATION_STAGE_PATCH): the placement moves the candidate's application.
    'placement-moves-application-hired-left-then-refunded': refundedAfterFailure,
    'placement-moves-application-to-replacement-then-released': replacedThenReleased,
    async 'protection-expired-after-notice'() {
      return (await claimed()).handle;
    },
    async 'protection-extended-overridden-then-released'() {
      const { m, handle } = await claimed();
      await handle.executeUpdate(extendProtectionUpdate, { args: [{ actor: ADMIN, days: 10, reason: 'dispute pending' }] });
      await handle.executeUpdate(overrideAttributionUpdate, {
        args: [{ actor: ADMIN, recruiterId: m.otherRecruiterId, reason: 'earlier outreach' }],
      });
      await handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.otherRecruiter, reason: 'not a fit' }] });
      return handle;
    },
    async 'protection-release-refused-then-released'() {
      const { m, handle } = await claimed();
      // Data the database refuses (past the API's edge check): the release fails, the window stays.
      await handle
        .executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.recruiter, reason: 'not\u0000a fit' }] })
        .catch(() => undefined);
      await handle.executeUpdate(releaseProtectionUpdate, { args: [{ actor: m.actors.recruiter, reason: 'not a fit' }] });
      return handle;
    },
    async 'proposal-refused-as-duplicate'() {
      const m = await createMarketplace(db);
      const first = await startProposal(env, taskQueue, proposalInput(m));
      await first.executeUpdate(proposalRecordedUpdate);
      const duplicate = await startProposal(env, taskQueue, proposalInput(m));
      await duplicate.executeUpdate(proposalRecordedUpdate).catch(() => undefined);
      await first.executeUpdate(withdrawProposalUpdate, { args: [{ actor: m.actors.recruiter }] });
      return duplicate;
    },
  };

  return {
    names: Object.keys(scenarios),
    /** Runs one scenario to its end and writes its history; then the server and workers stop. */
    async record(name: string) {
      try {
        await atsWorker.runUntil(() =>
          automationWorker.runUntil(() =>
            ownershipWorker.runUntil(() =>
              placementsWorker.runUntil(() =>
                worker.runUntil(async () => {
                  const handle = await scenarios[name]!();
                  await handle.result().catch((err: unknown) => {
                    if (!(err instanceof WorkflowContinuedAsNewError)) throw err;
                  });
                  const file = path.join(HISTORIES_DIR, `${name}.json`);
                  await writeFile(file, `${JSON.stringify(JSON.parse(historyToJSON(await handle.fetchHistory())), null, 2)}\n`);
                  console.log(`recorded ${path.relative(PROJECT_ROOT, file)}`);
                }),
              ),
            ),
          ),
        );
      } finally {
        await Promise.all([env.teardown(), resend.close(), stripe.close(), greenhouse.close(), workable.close(), db.destroy()]);
      }
    },
  };
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const infra = await startTestInfra({ temporal: false });
  try {
    await mkdir(HISTORIES_DIR, { recursive: true });
    const only = process.argv.slice(2);
    let next = await recorder(infra);
    const chosen = next.names.filter((name) => only.length === 0 || only.some((prefix) => name.startsWith(prefix)));
    if (chosen.length === 0) throw new Error(`no scenario starts with ${only.join(' or ')}; scenarios: ${next.names.join(', ')}`);
    for (const [i, name] of chosen.entries()) {
      if (i > 0) next = await recorder(infra);
      await next.record(name);
    }
  } finally {
    await infra.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
