import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../lib/db.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { SEARCH_ATTRIBUTES, workflowIds } from '../../domain/temporal.js';
import type { RefundPolicy } from '../../domain/terms.js';
import { placementWorkflow } from '../../workflows/placement.js';
import {
  chooseRefundUpdate,
  placementRecordedUpdate,
  placementStateQuery,
  releaseEarlyUpdate,
  reportFailureUpdate,
  type PlacementInput,
} from '../../domain/placement.js';
import {
  cancelRefundUpdate,
  extendPaymentDueUpdate,
  feePaymentEventSignal,
  markFeePaidUpdate,
  retryRefundUpdate,
  voidFeeUpdate,
} from '../../domain/payment.js';
import type { FakeResend } from '../../testkit/fakes/resend.js';
import type { FakeStripe } from '../../testkit/fakes/stripe.js';
import { startPlacementHarness, type PlacementHarness } from '../../testkit/harness/placement-harness.js';
import { eventually } from '../../testkit/harness/api-harness.js';
import { createCollaborators, type CollaboratorSpec } from '../../testkit/harness/factories.js';

const DAY = 86_400_000;
let h: PlacementHarness;
let env: TestWorkflowEnvironment;
let db: Db;
let stripe: FakeStripe;
let resend: FakeResend;
let taskQueue: string;

/**
 * Each test on its own time-skipping server, whose companies pay when they choose to (or never),
 * not the moment the invoice is finalized. Stripe (the fake) dates invoices by the wall clock and
 * the workflows by the server's clock, which a shared server moves ahead (other tests' sleeps, and
 * skips while any result is awaited): tests about due dates need the two clocks together.
 */
beforeEach(async () => {
  h = await startPlacementHarness(undefined, { companiesPayAtOnce: false });
  ({ env, db, stripe, resend, taskQueue } = h);
});
afterEach(() => h?.stop());

const TEAM: CollaboratorSpec[] = [
  { role: 'sourcer', splitBps: 6000 },
  { role: 'closer', splitBps: 4000 },
];
const PLATFORM = { userId: randomUUID(), role: 'platform_admin' as const };
const FEE = 1_000_000;

type Handle = WorkflowHandle<typeof placementWorkflow>;

async function hire(terms: { paymentTermsDays?: number; refundPolicy?: RefundPolicy } = {}) {
  const { marketplace: m, recruiters } = await createCollaborators(db, stripe, TEAM);
  await db('company_settings').insert({
    company_id: m.companyId,
    payment_terms_days: terms.paymentTermsDays ?? 30,
    refund_policy: terms.refundPolicy ?? 'full',
  });
  const input: PlacementInput = {
    placementId: randomUUID(),
    companyId: m.companyId,
    jobId: m.jobId,
    candidateId: m.candidateId,
    feeCents: FEE,
    currency: 'USD',
    startDate: new Date(await env.currentTimeMs()).toISOString().slice(0, 10),
    collaborators: recruiters.map((r) => ({ recruiterId: r.recruiterId, role: r.spec.role, splitBps: r.spec.splitBps })),
    actor: m.actors.companyAdmin,
  };
  const handle: Handle = await env.client.workflow.start(placementWorkflow, {
    workflowId: workflowIds.placement(input.placementId),
    taskQueue,
    args: [input],
  });
  await handle.executeUpdate(placementRecordedUpdate);
  await eventually(async () => (await handle.query(placementStateQuery)).state === 'active');
  return { m, input, handle };
}

const paymentOf = async (placementId: string) => (await db('placement_payments').where({ placement_id: placementId }).first())!;
const transfersOf = (placementId: string) => stripe.transfers().filter((t) => t.transfer_group === placementId);
const auditOf = async (placementId: string) =>
  (await db('payment_changes').where({ placement_id: placementId }).orderBy('id')).map((r) => r.event);
const searchAttribute = async <T>(handle: Handle, key: { name: string }) =>
  (await handle.describe()).typedSearchAttributes.get(key as never) as T | undefined;

/** The company pays (or its card is declined) on the hosted invoice page; Stripe's webhook becomes the workflow's signal. */
async function companyPays(handle: Handle, placementId: string, outcome: 'succeed' | 'fail' = 'succeed') {
  const invoiceId = (await paymentOf(placementId)).stripe_invoice_id!;
  const res = await fetch(`${stripe.url}/_fake/invoices/${invoiceId}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `outcome=${outcome}`,
  });
  expect(res.status, await res.clone().text()).toBeLessThan(500);
  await handle.signal(feePaymentEventSignal, {
    eventId: `evt_${randomUUID()}`,
    type: outcome === 'succeed' ? 'invoice.paid' : 'invoice.payment_failed',
  });
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type;
}

describe('placement fee collection', () => {
  it('invoices the company once at the hire and pays nothing out until the invoice is paid; then every transfer draws on the paying charge', async () => {
    const { input, handle } = await hire();
    await env.sleep(5 * DAY);
    expect(transfersOf(input.placementId)).toEqual([]);
    expect((await handle.query(placementStateQuery)).payment).toMatchObject({ status: 'awaiting_payment', amountCents: FEE });
    expect(await searchAttribute(handle, SEARCH_ATTRIBUTES.PaymentStatus)).toBe('awaiting_payment');

    await companyPays(handle, input.placementId);
    // Stripe delivers the same event three times, and an older one after it: nothing happens twice.
    for (const type of ['invoice.paid', 'invoice.paid', 'invoice.payment_failed'])
      await handle.signal(feePaymentEventSignal, { eventId: 'evt_repeat', type });
    const transfers = (await eventually(async () => {
      const t = transfersOf(input.placementId);
      return t.length === 2 ? t : undefined;
    }))!;
    const payment = await paymentOf(input.placementId);
    expect(payment).toMatchObject({ state: 'paid', amount_paid_cents: FEE });
    expect(transfers.map((t) => t.source_transaction)).toEqual([payment.stripe_charge_id, payment.stripe_charge_id]);
    expect(transfers.reduce((s, t) => s + t.amount, 0)).toBe(800_000); // the activation tranche (80 %)
    expect((await auditOf(input.placementId)).filter((e) => e === 'paid')).toHaveLength(1);
    const invoices = await stripe.client().invoices.list({ customer: payment.stripe_customer_id! });
    expect(invoices.data).toHaveLength(1);

    // The holdback is paid at the guarantee's end (released early here: no test here waits out a whole guarantee,
    // so the time-skipping server's clock stays where each test put it), from the same charge.
    await handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: PLATFORM, reason: 'hire confirmed' }] });
    expect(await handle.result()).toMatchObject({ state: 'completed', payment: { status: 'paid' } });
    expect(transfersOf(input.placementId).map((t) => t.source_transaction)).toEqual(Array(4).fill(payment.stripe_charge_id));
    expect(transfersOf(input.placementId).reduce((s, t) => s + t.amount, 0)).toBe(FEE);
  });

  it('reminds the company 3 and 10 days after the due date, then needs attention; paid late, it pays out', async () => {
    const { m, input, handle } = await hire({ paymentTermsDays: 7 });
    await env.sleep(7 * DAY + 3 * DAY + 60_000);
    await eventually(async () => (await paymentOf(input.placementId)).reminders_sent === 1);
    expect(await searchAttribute(handle, SEARCH_ATTRIBUTES.PaymentStatus)).toBe('overdue');
    await env.sleep(7 * DAY);
    await eventually(async () => (await paymentOf(input.placementId)).reminders_sent === 2);
    await eventually(async () => (await searchAttribute(handle, SEARCH_ATTRIBUTES.NeedsAttention)) === true);
    const reminders = resend
      .emails()
      .filter((e) => e.to.includes(m.emails.companyAdmin) && /placement fee of .* is overdue/.test(e.subject));
    expect(reminders).toHaveLength(2);
    expect(transfersOf(input.placementId)).toEqual([]);

    await companyPays(handle, input.placementId);
    await eventually(async () => transfersOf(input.placementId).length === 2);
    await eventually(async () => (await searchAttribute(handle, SEARCH_ATTRIBUTES.NeedsAttention)) === false);
    expect(await searchAttribute(handle, SEARCH_ATTRIBUTES.PaymentStatus)).toBe('paid');
    expect((await auditOf(input.placementId)).filter((e) => e === 'reminder_sent')).toHaveLength(2);
  });

  it('shows a declined payment as payment_failed, and pays out once a later payment succeeds', async () => {
    const { input, handle } = await hire();
    await companyPays(handle, input.placementId, 'fail');
    await eventually(async () => (await handle.query(placementStateQuery)).payment?.status === 'payment_failed');
    expect(transfersOf(input.placementId)).toEqual([]);
    await companyPays(handle, input.placementId);
    await eventually(async () => transfersOf(input.placementId).length === 2);
    expect(await auditOf(input.placementId)).toEqual(expect.arrayContaining(['invoice_created', 'payment_failed', 'paid']));
  });

  /** The fake's control endpoints: what the card holder's bank does. */
  async function bank(path: string, body = '') {
    const res = await fetch(`${stripe.url}/_fake/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as { id: string };
  }

  it('holds payouts not yet made while a dispute is open; a won dispute releases them, a lost one stops them', async () => {
    for (const outcome of ['won', 'lost'] as const) {
      const { input, handle } = await hire();
      await companyPays(handle, input.placementId);
      await eventually(async () => transfersOf(input.placementId).length === 2);
      const dispute = await bank(`charges/${(await paymentOf(input.placementId)).stripe_charge_id}/dispute`);
      await handle.signal(feePaymentEventSignal, { eventId: `evt_${randomUUID()}`, type: 'charge.dispute.created' });
      await eventually(async () => (await searchAttribute(handle, SEARCH_ATTRIBUTES.PaymentStatus)) === 'disputed');
      expect(await searchAttribute(handle, SEARCH_ATTRIBUTES.NeedsAttention)).toBe(true);

      // The guarantee ends (released early here); the holdback waits for the bank's decision.
      await handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: PLATFORM, reason: 'hire confirmed' }] });
      await env.sleep(DAY);
      expect(transfersOf(input.placementId)).toHaveLength(2);

      await bank(`disputes/${dispute.id}/close`, `outcome=${outcome}`);
      await handle.signal(feePaymentEventSignal, { eventId: `evt_${randomUUID()}`, type: 'charge.dispute.closed' });
      expect(await handle.result()).toMatchObject({ state: 'completed' });
      expect(transfersOf(input.placementId)).toHaveLength(outcome === 'won' ? 4 : 2);
      expect(await auditOf(input.placementId)).toEqual(expect.arrayContaining(['disputed', 'dispute_closed']));
    }
  });

  it('lets only a platform admin void the invoice: nothing is paid out, and the placement still completes', async () => {
    const { m, input, handle } = await hire();
    expect(await refusal(handle.executeUpdate(voidFeeUpdate, { args: [{ actor: m.actors.companyAdmin, reason: 'no' }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );
    expect(await refusal(handle.executeUpdate(voidFeeUpdate, { args: [{ actor: PLATFORM, reason: ' ' }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    const view = await handle.executeUpdate(voidFeeUpdate, { args: [{ actor: PLATFORM, reason: 'fee waived after a dispute' }] });
    expect(view.status).toBe('void');
    // Void is final: nothing more to mark paid.
    expect(await refusal(handle.executeUpdate(markFeePaidUpdate, { args: [{ actor: PLATFORM, reason: 'wire' }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    await handle.executeUpdate(releaseEarlyUpdate, { args: [{ actor: PLATFORM, reason: 'hire confirmed' }] });
    expect(await handle.result()).toMatchObject({ state: 'completed', payment: { status: 'void' } });
    expect(transfersOf(input.placementId)).toEqual([]);
    const voided = await db('payment_changes').where({ placement_id: input.placementId, event: 'voided' });
    expect(voided).toMatchObject([{ actor_user_id: PLATFORM.userId, actor_role: 'platform_admin', reason: 'fee waived after a dispute' }]);
  });

  it('pays out from the platform balance once a platform admin marks the fee paid out of band, and moves the reminders with an extended due date', async () => {
    const { input, handle } = await hire({ paymentTermsDays: 7 });
    const due = new Date((await paymentOf(input.placementId)).due_at!).getTime();
    await handle.executeUpdate(extendPaymentDueUpdate, { args: [{ actor: PLATFORM, days: 14, reason: 'budget approval' }] });
    expect(new Date((await paymentOf(input.placementId)).due_at!).getTime()).toBe(due + 14 * DAY);
    await env.sleep(7 * DAY + 3 * DAY + 60_000);
    expect((await paymentOf(input.placementId)).reminders_sent).toBe(0); // the old date's reminder is gone

    await handle.executeUpdate(markFeePaidUpdate, { args: [{ actor: PLATFORM, reason: 'bank wire received' }] });
    const transfers = (await eventually(async () => {
      const t = transfersOf(input.placementId);
      return t.length === 2 ? t : undefined;
    }))!;
    expect(transfers.map((t) => t.source_transaction ?? null)).toEqual([null, null]);
    expect(await paymentOf(input.placementId)).toMatchObject({ state: 'paid', paid_out_of_band: true });
    expect(await auditOf(input.placementId)).toEqual(expect.arrayContaining(['due_extended', 'marked_paid']));
  });

  it('refunds a pro-rata share after a failure 30 days into a 90-day guarantee, and takes back the same share of each paid split', async () => {
    const { m, input, handle } = await hire({ refundPolicy: 'pro_rata' });
    await companyPays(handle, input.placementId);
    await eventually(async () => transfersOf(input.placementId).length === 2);
    await env.sleep(30 * DAY);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: m.actors.companyAdmin, reason: 'left after a month' }] });
    await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    expect(await handle.result()).toMatchObject({ state: 'failed', escrowStatus: 'refunded', payment: { status: 'refunded' } });

    const payment = await paymentOf(input.placementId);
    // Whole days of the guarantee left when the failure was reported: 59 (a little more than 30 days had passed).
    const planned = await db('payment_changes').where({ placement_id: input.placementId, event: 'refund_planned' }).first();
    expect(planned!.details).toMatchObject({ policy: 'pro_rata', collectedCents: FEE, guaranteeDays: 90, daysLeft: 59 });
    const due = Math.floor((FEE * 59) / 90);
    expect(payment).toMatchObject({ refund_state: 'refunded', refund_due_cents: due, refunded_cents: due });
    const refunds = await stripe.client().refunds.list({ charge: payment.stripe_charge_id! });
    expect(refunds.data.map((r) => r.amount)).toEqual([due]);
    const bps = Math.floor((due * 10_000) / FEE);
    for (const t of await Promise.all(transfersOf(input.placementId).map((t) => stripe.client().transfers.retrieve(t.id))))
      expect(t.amount_reversed).toBe(Math.floor((t.amount * bps) / 10_000));
    expect((await auditOf(input.placementId)).filter((e) => e === 'refunded')).toHaveLength(1);
  });

  /** Paid, activation paid out, failure reported, and the refund's credit note refused by Stripe. */
  async function refundBlocked() {
    const { m, input, handle } = await hire();
    await companyPays(handle, input.placementId);
    await eventually(async () => transfersOf(input.placementId).length === 2);
    await handle.executeUpdate(reportFailureUpdate, { args: [{ actor: m.actors.companyAdmin, reason: 'left' }] });
    stripe.injectFailure({ method: 'POST', path: '/v1/credit_notes', status: 400, type: 'invalid_request_error', message: 'refused' });
    await handle.executeUpdate(chooseRefundUpdate, { args: [{ actor: m.actors.companyAdmin }] });
    await eventually(async () => (await handle.query(placementStateQuery)).payment?.status === 'refund_blocked');
    expect(await searchAttribute(handle, SEARCH_ATTRIBUTES.NeedsAttention)).toBe(true);
    return { m, input, handle };
  }

  it('blocks a refund Stripe refuses with NeedsAttention until a platform admin retries it', async () => {
    const { m, input, handle } = await refundBlocked();
    expect(await refusal(handle.executeUpdate(retryRefundUpdate, { args: [{ actor: m.actors.companyAdmin }] }))).toBe(
      FAILURE_TYPES.Forbidden,
    );

    const view = await handle.executeUpdate(retryRefundUpdate, { args: [{ actor: PLATFORM, reason: 'Stripe fixed' }] });
    expect(view.status).toBe('refunded');
    expect(await handle.result()).toMatchObject({ state: 'failed', payment: { status: 'refunded', refundedCents: FEE } });
    expect(await auditOf(input.placementId)).toEqual(
      expect.arrayContaining(['refund_planned', 'refund_blocked', 'refund_retried', 'refunded']),
    );
  });

  it('ends a blocked refund when a platform admin cancels it, with the reason audited', async () => {
    const { input, handle } = await refundBlocked();
    expect(await refusal(handle.executeUpdate(cancelRefundUpdate, { args: [{ actor: PLATFORM, reason: '' }] }))).toBe(
      FAILURE_TYPES.InvalidState,
    );
    await handle.executeUpdate(cancelRefundUpdate, { args: [{ actor: PLATFORM, reason: 'refunded by bank transfer' }] });
    expect(await handle.result()).toMatchObject({ state: 'failed', payment: { refundedCents: 0 } });
    expect(await paymentOf(input.placementId)).toMatchObject({ refund_state: 'cancelled' });
    const cancelled = await db('payment_changes').where({ placement_id: input.placementId, event: 'refund_cancelled' });
    expect(cancelled).toMatchObject([{ actor_role: 'platform_admin', reason: 'refunded by bank transfer' }]);
    expect(await searchAttribute(handle, SEARCH_ATTRIBUTES.NeedsAttention)).toBe(false);
  });
});
