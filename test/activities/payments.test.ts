import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { createPaymentActivities } from '../../activities/payments.js';
import { createStripeActivities } from '../../activities/stripe.js';
import { createPayoutDbActivities } from '../../activities/db/payouts.js';
import { createPlacementDbActivities } from '../../activities/db/placements.js';
import { createEmailActivities } from '../../activities/email.js';
import type { Db } from '../../lib/db.js';
import type { RefundPolicy } from '../../domain/terms.js';
import { FAILURE_TYPES } from '../../domain/failure-types.js';
import { reversalBps, type FeePayment, type PaymentEvent } from '../../domain/payment.js';
import { startFakeStripe, type FakeStripe } from '../../testkit/fakes/stripe.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { activityRunner, testDb } from '../support/context.js';
import { createMarketplace, createPlacement, type CollaboratorSpec } from '../../testkit/harness/factories.js';

let db: Db;
let fake: FakeStripe;
let resend: FakeResend;
let client: Stripe;
let pay: ReturnType<typeof createPaymentActivities>;
let stripeActs: ReturnType<typeof createStripeActivities>;
let payoutsDb: ReturnType<typeof createPayoutDbActivities>;
const run = activityRunner();
const DAY = 86_400_000;
const FEE = 10_000;
const admin = { userId: null as string | null, role: 'platform_admin' as const };

beforeAll(async () => {
  db = testDb();
  fake = await startFakeStripe();
  resend = await startFakeResend();
  client = fake.client({ maxNetworkRetries: 0 });
  pay = createPaymentActivities({ db, stripe: client });
  stripeActs = createStripeActivities({ db, stripe: client });
  payoutsDb = createPayoutDbActivities({ db });
});
afterAll(async () => {
  await Promise.all([fake.close(), resend.close()]);
  await db.destroy();
});

/** A placement as recorded with these terms; the collaborators have working connected accounts. */
async function placement(
  terms: { paymentTermsDays?: number; refundPolicy?: RefundPolicy } = {},
  specs: CollaboratorSpec[] = [{ role: 'sourcer', splitBps: 10_000 }],
) {
  const p = await createPlacement(db, fake, specs, { feeCents: FEE, currency: 'USD' });
  await db('placements')
    .where({ id: p.placementId })
    .update({ payment_terms_days: terms.paymentTermsDays ?? 30, refund_policy: terms.refundPolicy ?? 'full', guarantee_days: 90 });
  const platformAdminId = p.marketplace.actors.platformAdmin.userId;
  return { ...p, placementId: p.placementId, admin: { ...admin, userId: platformAdminId } };
}

/** The company pays on the hosted invoice page (the fake's control endpoint), or has its card declined. */
async function companyPays(invoiceId: string, outcome: 'succeed' | 'fail' = 'succeed') {
  await fetch(`${fake.url}/_fake/invoices/${invoiceId}/pay`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `outcome=${outcome}`,
  });
}

const control = (path: string, body = '') =>
  fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body }).then(
    (r) => r.json() as Promise<{ id: string }>,
  );

const row = async (placementId: string) => (await db('placement_payments').where({ placement_id: placementId }).first())!;
const audit = (placementId: string, event?: PaymentEvent) =>
  db('payment_changes')
    .where(event ? { placement_id: placementId, event } : { placement_id: placementId })
    .orderBy('id');
const invoicesOf = async (placementId: string) => {
  const { stripe_customer_id } = (await db('placement_payments').where({ placement_id: placementId }).first())!;
  return (await client.invoices.list({ customer: stripe_customer_id!, limit: 100 })).data.filter(
    (i) => i.metadata?.placement_id === placementId,
  );
};
const fails = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

/** A paid invoice, paid by card through the hosted page and synced. */
async function paidByCard(terms: { refundPolicy?: RefundPolicy } = {}, specs?: CollaboratorSpec[]) {
  const p = await placement(terms, specs);
  const invoiced = await run(pay.invoiceFee, { placementId: p.placementId });
  const { stripe_invoice_id } = await row(p.placementId);
  await companyPays(stripe_invoice_id!);
  const paid = await run(pay.syncFeePayment, { placementId: p.placementId });
  return { ...p, invoiced, paid, invoiceId: stripe_invoice_id! };
}

describe('createPlacement', () => {
  it('records the refund policy and payment terms in force: the company’s own, else the marketplace default', async () => {
    const db1 = createPlacementDbActivities({ db });
    const record = async (m: Awaited<ReturnType<typeof createMarketplace>>) => {
      const placementId = randomUUID();
      await run(db1.createPlacement, {
        placementId,
        companyId: m.companyId,
        jobId: m.jobId,
        candidateId: m.candidateId,
        feeCents: FEE,
        currency: 'USD',
        startDate: '2026-12-01',
        collaborators: [{ recruiterId: m.recruiterId, role: 'sourcer', splitBps: 10_000 }],
        actor: m.actors.companyAdmin,
        workflowId: `placement-${placementId}`,
        at: new Date().toISOString(),
      });
      return (await db('placements').where({ id: placementId }).first('refund_policy', 'payment_terms_days'))!;
    };
    const own = await createMarketplace(db);
    await db('company_settings').insert({ company_id: own.companyId, refund_policy: 'pro_rata', payment_terms_days: 14 });
    expect(await record(own)).toEqual({ refund_policy: 'pro_rata', payment_terms_days: 14 });
    expect(await record(await createMarketplace(db))).toEqual({ refund_policy: 'full', payment_terms_days: 30 });
  });
});

describe('invoiceFee', () => {
  it('creates one customer per company and one open invoice per placement, however often it runs', async () => {
    const p = await placement({ paymentTermsDays: 30 });
    const before = Date.now();
    const first = await run(pay.invoiceFee, { placementId: p.placementId });
    const invoicesPosted = fake.requests['POST /v1/invoices'];
    expect(await run(pay.invoiceFee, { placementId: p.placementId })).toEqual(first);
    expect(fake.requests['POST /v1/invoices']).toBe(invoicesPosted);

    expect(first).toMatchObject({
      state: 'open',
      amountCents: FEE,
      amountPaidCents: 0,
      currency: 'USD',
      chargeId: null,
      refundState: 'none',
    });
    expect(first.hostedInvoiceUrl).toMatch(/\/_fake\/invoices\/in_/);
    expect(new Date(first.dueAt!).getTime() - before).toBeGreaterThan(30 * DAY - 60_000);
    const [inv] = await invoicesOf(p.placementId);
    expect(inv).toMatchObject({
      collection_method: 'send_invoice',
      days_until_due: 30,
      status: 'open',
      total: FEE,
      metadata: { placement_id: p.placementId, company_id: p.marketplace.companyId },
    });
    expect(await audit(p.placementId)).toMatchObject([{ event: 'invoice_created', new_state: 'open', actor_role: 'system' }]);

    // A second placement of the same company: the same customer.
    const company = (await db('companies').where({ id: p.marketplace.companyId }).first())!;
    const other = await createPlacement(db, fake, [], { feeCents: 500 });
    await db('placements').where({ id: other.placementId }).update({ company_id: company.id });
    await run(pay.invoiceFee, { placementId: other.placementId });
    expect((await row(other.placementId)).stripe_customer_id).toBe(company.stripe_customer_id);
    expect((await client.customers.retrieve(company.stripe_customer_id!)) as Stripe.Customer).toMatchObject({
      metadata: { company_id: company.id },
      name: company.name,
    });
  });

  it('finishes a creation a crash interrupted, with exactly one invoice', async () => {
    const p = await placement();
    // Stripe created the invoice, but the answer was lost (and is replayed under its key).
    fake.injectFailure({ method: 'POST', path: /^\/v1\/invoices$/, status: 500, type: 'api_error', afterCommit: true });
    expect(await fails(run(pay.invoiceFee, { placementId: p.placementId }))).not.toBeInstanceOf(ApplicationFailure);
    expect((await row(p.placementId)).state).toBe('creating');
    // Then the finalization fails before Stripe ran it.
    fake.injectFailure({ method: 'POST', path: /\/finalize$/, status: 503, type: 'api_error' });
    expect(await fails(run(pay.invoiceFee, { placementId: p.placementId }))).not.toBeInstanceOf(ApplicationFailure);
    const done = await run(pay.invoiceFee, { placementId: p.placementId });
    expect(done.state).toBe('open');
    const invoices = await invoicesOf(p.placementId);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ status: 'open', total: FEE, id: (await row(p.placementId)).stripe_invoice_id });
    expect(await audit(p.placementId, 'invoice_created')).toHaveLength(1);
  });

  it('refuses for good what Stripe refuses (typed InvoiceRefused)', async () => {
    const p = await placement();
    fake.injectFailure({ method: 'POST', path: '/v1/customers', status: 400, type: 'invalid_request_error', message: 'Invalid name' });
    expect(await fails(run(pay.invoiceFee, { placementId: p.placementId }))).toMatchObject({
      type: FAILURE_TYPES.InvoiceRefused,
      nonRetryable: true,
    });
  });

  it('net 0: charges at once; a decline or a missing payment method is recorded, not thrown', async () => {
    const withCard = async (pm: string | null) => {
      const p = await placement({ paymentTermsDays: 0 });
      const customer = await client.customers.create({
        name: 'Acme',
        ...(pm && { invoice_settings: { default_payment_method: pm } }),
      });
      await db('companies').where({ id: p.marketplace.companyId }).update({ stripe_customer_id: customer.id });
      return { p, payment: await run(pay.invoiceFee, { placementId: p.placementId }) };
    };
    const before = Date.now();
    const paid = await withCard('pm_card_visa');
    expect(paid.payment).toMatchObject({ state: 'paid', amountPaidCents: FEE, chargeId: expect.stringMatching(/^ch_/) });
    expect((await invoicesOf(paid.p.placementId))[0]!.collection_method).toBe('charge_automatically');
    expect((await audit(paid.p.placementId)).map((a) => a.event)).toEqual(['invoice_created', 'paid']);

    const declined = await withCard('pm_card_chargeDeclined');
    expect(declined.payment).toMatchObject({ state: 'open', lastPaymentError: 'Your card was declined.', chargeId: null });
    expect(new Date(declined.payment.dueAt!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(declined.payment.dueAt!).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await audit(declined.p.placementId, 'payment_failed')).toHaveLength(1);
    expect(await run(pay.syncFeePayment, { placementId: declined.p.placementId })).toMatchObject({ state: 'open' });
    expect(await audit(declined.p.placementId, 'payment_failed')).toHaveLength(1);

    const noCard = await withCard(null);
    expect(noCard.payment).toMatchObject({ state: 'open', lastPaymentError: expect.stringMatching(/no attached payment source/) });
    expect(await audit(noCard.p.placementId, 'payment_failed')).toHaveLength(1);
  });
});

describe('syncFeePayment', () => {
  it('converges on duplicate and out-of-order events: failed, then paid, audited once each', async () => {
    const p = await placement();
    await run(pay.invoiceFee, { placementId: p.placementId });
    const { stripe_invoice_id } = await row(p.placementId);
    await companyPays(stripe_invoice_id!, 'fail');
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toMatchObject({
      state: 'open',
      lastPaymentError: 'Your card was declined.',
    });
    await companyPays(stripe_invoice_id!);
    const paid = await run(pay.syncFeePayment, { placementId: p.placementId });
    // The late copy of the failure event and a duplicate of the paid one re-read the same state.
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toEqual(paid);
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toEqual(paid);
    expect(paid).toMatchObject({ state: 'paid', amountPaidCents: FEE, chargeId: expect.stringMatching(/^ch_/), paidOutOfBand: false });
    expect((await audit(p.placementId)).map((a) => a.event)).toEqual(['invoice_created', 'payment_failed', 'paid']);
    expect((await row(p.placementId)).paid_at).not.toBeNull();
  });

  it('follows a dispute on the charge until it closes', async () => {
    const p = await paidByCard();
    const dispute = await control(`/_fake/charges/${p.paid.chargeId}/dispute`);
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toMatchObject({ disputeOpen: true, disputeLost: false });
    await control(`/_fake/disputes/${dispute.id}/close`, 'outcome=lost');
    await run(pay.syncFeePayment, { placementId: p.placementId });
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toMatchObject({
      state: 'paid',
      disputeOpen: false,
      disputeLost: true,
    });
    expect((await audit(p.placementId)).map((a) => a.event)).toEqual(['invoice_created', 'paid', 'disputed', 'dispute_closed']);
  });

  it('notices a refund made outside the product, once', async () => {
    const p = await paidByCard();
    await client.refunds.create({ charge: p.paid.chargeId!, amount: 1000 });
    await run(pay.syncFeePayment, { placementId: p.placementId });
    await run(pay.syncFeePayment, { placementId: p.placementId });
    expect(await audit(p.placementId, 'refunded_outside')).toMatchObject([{ details: { amountCents: 1000 } }]);
  });
});

describe('admin actions', () => {
  it('markFeePaid records an out-of-band payment once, with the admin and reason', async () => {
    const p = await placement();
    await run(pay.invoiceFee, { placementId: p.placementId });
    const input = { placementId: p.placementId, actor: p.admin, reason: 'bank wire 2026-12-01' };
    const marked = await run(pay.markFeePaid, input);
    expect(await run(pay.markFeePaid, input)).toEqual(marked);
    expect(marked).toMatchObject({ state: 'paid', paidOutOfBand: true, chargeId: null, amountPaidCents: FEE });
    expect(await audit(p.placementId, 'marked_paid')).toMatchObject([
      { actor_user_id: p.admin.userId, actor_role: 'platform_admin', reason: 'bank wire 2026-12-01', old_state: 'open', new_state: 'paid' },
    ]);
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toEqual(marked);
    expect(await audit(p.placementId, 'paid')).toHaveLength(0);
  });

  it('extendPaymentDue adds the days once per command, audited old → new', async () => {
    const p = await placement();
    const invoiced = await run(pay.invoiceFee, { placementId: p.placementId });
    const command = new MockActivityEnvironment({ activityId: randomUUID() }, { logger: new DefaultLogger('ERROR') });
    const input = { placementId: p.placementId, actor: p.admin, days: 5, reason: 'asked nicely' };
    const extended: FeePayment = await command.run(pay.extendPaymentDue, input);
    // The same command retried (same activity) changes nothing more.
    expect(await command.run(pay.extendPaymentDue, input)).toEqual(extended);
    expect(new Date(extended.dueAt!).getTime() - new Date(invoiced.dueAt!).getTime()).toBe(5 * DAY);
    expect(await audit(p.placementId, 'due_extended')).toMatchObject([
      {
        actor_user_id: p.admin.userId,
        reason: 'asked nicely',
        old_state: invoiced.dueAt,
        new_state: extended.dueAt,
        details: { days: 5 },
      },
    ]);
    // A re-read of the invoice keeps our due date.
    expect((await run(pay.syncFeePayment, { placementId: p.placementId })).dueAt).toBe(extended.dueAt);
  });

  it('voidFee voids the invoice once; a later sync keeps it void', async () => {
    const p = await placement();
    await run(pay.invoiceFee, { placementId: p.placementId });
    const input = { placementId: p.placementId, actor: p.admin, reason: 'hire cancelled' };
    const voided = await run(pay.voidFee, input);
    expect(await run(pay.voidFee, input)).toEqual(voided);
    expect(voided.state).toBe('void');
    expect((await invoicesOf(p.placementId))[0]!.status).toBe('void');
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toMatchObject({ state: 'void' });
    expect(await audit(p.placementId, 'voided')).toMatchObject([{ actor_user_id: p.admin.userId, reason: 'hire cancelled' }]);
  });

  it('a reminder is noted and e-mailed to the company admins once', async () => {
    const p = await placement();
    await run(pay.invoiceFee, { placementId: p.placementId });
    const email = createEmailActivities({ db, resend: resend.client(), from: 'Splits <noreply@splits.test>', appUrl: 'http://app.test' });
    const input = { placementId: p.placementId, reminder: 1 };
    expect(await run(email.sendPaymentReminderEmail, input)).toMatchObject({ status: 'sent' });
    expect(await run(email.sendPaymentReminderEmail, input)).toMatchObject({ status: 'already_sent' });
    await run(pay.notePaymentReminder, input);
    expect(await run(pay.notePaymentReminder, input)).toMatchObject({ remindersSent: 1 });
    expect(await audit(p.placementId, 'reminder_sent')).toHaveLength(1);
    const sent = resend.emails().filter((e) => e.to.includes(p.marketplace.emails.companyAdmin));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain((await row(p.placementId)).hosted_invoice_url!);
    expect(sent[0]!.subject).toContain('100.00 USD');
  });
});

describe('refunds', () => {
  const fail = (ends: number, daysLeft: number) => ({
    failedAt: new Date(ends - daysLeft * DAY).toISOString(),
    guaranteeEndsAt: new Date(ends).toISOString(),
  });

  it('full policy, paid by card: a credit note refunds the charge, once', async () => {
    const p = await paidByCard({ refundPolicy: 'full' });
    const plan = await run(pay.planRefund, { placementId: p.placementId, ...fail(Date.now(), 10) });
    expect(plan).toEqual({ refundDueCents: FEE, reverseBps: 10_000 });
    const input = { placementId: p.placementId, reason: 'hire left', actor: p.admin };
    const refunded = await run(pay.refundFee, input);
    expect(await run(pay.refundFee, input)).toEqual(refunded);
    expect(refunded).toMatchObject({ refundState: 'refunded', refundedCents: FEE, state: 'paid' });
    const charge = await client.charges.retrieve(p.paid.chargeId!);
    expect(charge.amount_refunded).toBe(FEE);
    const notes = (await client.creditNotes.list({ invoice: p.invoiceId })).data;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ id: (await row(p.placementId)).stripe_credit_note_id, post_payment_amount: FEE });
    await run(pay.syncFeePayment, { placementId: p.placementId });
    expect((await audit(p.placementId)).map((a) => a.event)).toEqual(['invoice_created', 'paid', 'refund_planned', 'refunded']);
  });

  it('pro rata: the share of the guarantee not worked; the plan is fixed once', async () => {
    const p = await paidByCard({ refundPolicy: 'pro_rata' });
    const ends = Date.now() + 30 * DAY;
    const plan = await run(pay.planRefund, { placementId: p.placementId, ...fail(ends, 30) });
    expect(plan).toEqual({ refundDueCents: Math.floor((FEE * 30) / 90), reverseBps: reversalBps(Math.floor((FEE * 30) / 90), FEE) });
    expect(await run(pay.planRefund, { placementId: p.placementId, ...fail(ends, 60) })).toEqual(plan);
    const refunded = await run(pay.refundFee, { placementId: p.placementId, reason: 'hire left', actor: p.admin });
    expect(refunded).toMatchObject({ refundedCents: 3333 });
    expect((await client.charges.retrieve(p.paid.chargeId!)).amount_refunded).toBe(3333);
  });

  it('none: nothing is due and nothing is sent to Stripe', async () => {
    const p = await paidByCard({ refundPolicy: 'none' });
    expect(await run(pay.planRefund, { placementId: p.placementId, ...fail(Date.now(), 80) })).toEqual({
      refundDueCents: 0,
      reverseBps: 0,
    });
    const notesBefore = fake.requests['POST /v1/credit_notes'] ?? 0;
    expect(await run(pay.refundFee, { placementId: p.placementId, reason: 'hire left', actor: p.admin })).toMatchObject({
      refundState: 'refunded',
      refundedCents: 0,
    });
    expect(fake.requests['POST /v1/credit_notes'] ?? 0).toBe(notesBefore);
  });

  it('paid out of band: the credit note records the refund outside Stripe', async () => {
    const p = await placement();
    await run(pay.invoiceFee, { placementId: p.placementId });
    await run(pay.markFeePaid, { placementId: p.placementId, actor: p.admin, reason: 'wire' });
    await run(pay.planRefund, { placementId: p.placementId, ...fail(Date.now(), 10) });
    await run(pay.refundFee, { placementId: p.placementId, reason: 'hire left', actor: p.admin });
    const { stripe_invoice_id, stripe_credit_note_id } = await row(p.placementId);
    const [note] = (await client.creditNotes.list({ invoice: stripe_invoice_id! })).data;
    expect(note).toMatchObject({ id: stripe_credit_note_id, out_of_band_amount: FEE, refunds: [] });
  });

  it('unpaid: all of it due back voids the invoice; a part lowers what is owed', async () => {
    const whole = await placement({ refundPolicy: 'full' });
    await run(pay.invoiceFee, { placementId: whole.placementId });
    expect(await run(pay.planRefund, { placementId: whole.placementId, ...fail(Date.now(), 10) })).toEqual({
      refundDueCents: FEE,
      reverseBps: 0,
    });
    expect(await run(pay.refundFee, { placementId: whole.placementId, reason: 'hire left', actor: whole.admin })).toMatchObject({
      state: 'void',
      refundState: 'refunded',
    });
    expect((await invoicesOf(whole.placementId))[0]!.status).toBe('void');

    const part = await placement({ refundPolicy: 'pro_rata' });
    await run(pay.invoiceFee, { placementId: part.placementId });
    await run(pay.planRefund, { placementId: part.placementId, ...fail(Date.now(), 45) });
    expect(await run(pay.refundFee, { placementId: part.placementId, reason: 'hire left', actor: part.admin })).toMatchObject({
      state: 'open',
      refundedCents: FEE / 2,
    });
    const [inv] = await invoicesOf(part.placementId);
    expect(inv).toMatchObject({ status: 'open', amount_remaining: FEE / 2, pre_payment_credit_notes_amount: FEE / 2 });
  });

  it('one credit note and one refund when the answer to the first was lost', async () => {
    const p = await paidByCard({ refundPolicy: 'full' });
    await run(pay.planRefund, { placementId: p.placementId, ...fail(Date.now(), 10) });
    fake.injectFailure({ method: 'POST', path: '/v1/credit_notes', status: 500, type: 'api_error', afterCommit: true });
    const input = { placementId: p.placementId, reason: 'hire left', actor: p.admin };
    expect(await fails(run(pay.refundFee, input))).not.toBeInstanceOf(ApplicationFailure);
    expect((await row(p.placementId)).refund_state).toBe('none');
    expect(await run(pay.refundFee, input)).toMatchObject({ refundState: 'refunded', refundedCents: FEE });
    expect((await client.creditNotes.list({ invoice: p.invoiceId })).data).toHaveLength(1);
    expect((await client.refunds.list({ charge: p.paid.chargeId! })).data).toHaveLength(1);
  });

  it('paid since the last sync: the refund goes back to the card that paid', async () => {
    const p = await placement({ refundPolicy: 'full' });
    await run(pay.invoiceFee, { placementId: p.placementId });
    await run(pay.planRefund, { placementId: p.placementId, ...fail(Date.now(), 10) });
    await companyPays((await row(p.placementId)).stripe_invoice_id!);
    const refunded = await run(pay.refundFee, { placementId: p.placementId, reason: 'hire left', actor: p.admin });
    expect(refunded).toMatchObject({ state: 'paid', refundState: 'refunded', refundedCents: FEE, chargeId: expect.stringMatching(/^ch_/) });
    expect((await client.charges.retrieve(refunded.chargeId!)).amount_refunded).toBe(FEE);
  });

  it('a refund Stripe refuses blocks; an admin retry refunds, or a cancel gives it up', async () => {
    const refuseOnce = () =>
      fake.injectFailure({ method: 'POST', path: '/v1/credit_notes', status: 400, type: 'invalid_request_error', message: 'No.' });
    const p = await paidByCard();
    await run(pay.planRefund, { placementId: p.placementId, ...fail(Date.now(), 10) });
    const input = { placementId: p.placementId, reason: 'hire left', actor: p.admin };
    refuseOnce();
    expect(await fails(run(pay.refundFee, input))).toMatchObject({ type: FAILURE_TYPES.RefundRefused, nonRetryable: true });
    expect(await run(pay.syncFeePayment, { placementId: p.placementId })).toMatchObject({
      refundState: 'blocked',
      refundBlockReason: expect.stringContaining('No.'),
    });
    expect(await fails(run(pay.refundFee, input))).toMatchObject({ type: FAILURE_TYPES.RefundRefused });
    const retried = await run(pay.retryRefund, { placementId: p.placementId, actor: p.admin });
    expect(await run(pay.retryRefund, { placementId: p.placementId, actor: p.admin })).toEqual(retried);
    expect(retried.refundState).toBe('none');
    expect((await row(p.placementId)).refund_attempt).toBe(2);
    expect(await run(pay.refundFee, input)).toMatchObject({ refundState: 'refunded', refundedCents: FEE });
    expect((await audit(p.placementId)).map((a) => a.event)).toEqual([
      'invoice_created',
      'paid',
      'refund_planned',
      'refund_blocked',
      'refund_retried',
      'refunded',
    ]);

    const q = await paidByCard();
    await run(pay.planRefund, { placementId: q.placementId, ...fail(Date.now(), 10) });
    refuseOnce();
    await fails(run(pay.refundFee, { placementId: q.placementId, reason: 'hire left', actor: q.admin }));
    expect(await run(pay.cancelRefund, { placementId: q.placementId, actor: q.admin, reason: 'settled by phone' })).toMatchObject({
      refundState: 'cancelled',
    });
    expect(await audit(q.placementId, 'refund_cancelled')).toMatchObject([{ actor_user_id: q.admin.userId, reason: 'settled by phone' }]);
    expect((await client.charges.retrieve(q.paid.chargeId!)).amount_refunded).toBe(0);
  });
});

describe('payouts funded by the fee', () => {
  async function payout(placementId: string, amountCents: number) {
    const payoutId = randomUUID();
    return run(payoutsDb.preparePayout, {
      payoutId,
      workflowId: `payout-${payoutId}`,
      placementId,
      tranche: 'activation',
      amountCents,
      currency: 'USD',
      at: new Date().toISOString(),
    });
  }

  it('refuses a transfer before the fee is paid, then draws on the charge', async () => {
    const p = await placement();
    await run(pay.invoiceFee, { placementId: p.placementId });
    const [split] = await payout(p.placementId, 8000);
    expect(await fails(run(stripeActs.transferSplit, { splitId: split!.splitId }))).toMatchObject({
      type: FAILURE_TYPES.FeeNotCollected,
      nonRetryable: true,
    });
    expect(fake.transfers().filter((t) => t.transfer_group === p.placementId)).toHaveLength(0);
    await companyPays((await row(p.placementId)).stripe_invoice_id!);
    const { chargeId } = await run(pay.syncFeePayment, { placementId: p.placementId });
    expect((await run(stripeActs.transferSplit, { splitId: split!.splitId })).status).toBe('paid');
    expect(fake.transfers().filter((t) => t.transfer_group === p.placementId)).toMatchObject([
      { amount: 8000, source_transaction: chargeId },
    ]);
  });

  it('pays out of the platform balance when the fee was paid out of band', async () => {
    const p = await placement();
    await run(pay.invoiceFee, { placementId: p.placementId });
    await run(pay.markFeePaid, { placementId: p.placementId, actor: p.admin, reason: 'wire' });
    const [split] = await payout(p.placementId, 8000);
    await run(stripeActs.transferSplit, { splitId: split!.splitId });
    expect(fake.transfers().filter((t) => t.transfer_group === p.placementId)).toMatchObject([{ amount: 8000, source_transaction: null }]);
  });

  it('no transfer larger than what is left of the charge: Stripe refuses it and the split blocks', async () => {
    const p = await paidByCard();
    await client.refunds.create({ charge: p.paid.chargeId!, amount: 5000 });
    const [split] = await payout(p.placementId, 8000);
    expect(await fails(run(stripeActs.transferSplit, { splitId: split!.splitId }))).toMatchObject({ type: FAILURE_TYPES.TransferRefused });
    expect(await db('payout_splits').where({ id: split!.splitId }).first()).toMatchObject({
      status: 'blocked',
      block_reason: expect.stringMatching(/balance_insufficient/),
    });
    expect(fake.transfers().filter((t) => t.transfer_group === p.placementId)).toHaveLength(0);
  });

  it('reverses the refunded share of each paid split, then the rest', async () => {
    const p = await paidByCard();
    const [split] = await payout(p.placementId, 8000);
    await run(stripeActs.transferSplit, { splitId: split!.splitId });
    const share = { placementId: p.placementId, reason: 'refund 25 %', reverseBps: 2500 };
    expect(await run(stripeActs.reversePaidSplits, share)).toEqual({ reversedCents: 2000, refused: [] });
    expect(await run(stripeActs.reversePaidSplits, share)).toEqual({ reversedCents: 0, refused: [] });
    expect(await db('payout_splits').where({ id: split!.splitId }).first()).toMatchObject({ status: 'paid', reversed_cents: 2000 });
    expect(await run(stripeActs.reversePaidSplits, { placementId: p.placementId, reason: 'all of it' })).toEqual({
      reversedCents: 6000,
      refused: [],
    });
    expect(await db('payout_splits').where({ id: split!.splitId }).first()).toMatchObject({ status: 'reversed', reversed_cents: 8000 });
    const [transfer] = fake.transfers().filter((t) => t.transfer_group === p.placementId);
    expect(transfer!.amount_reversed).toBe(8000);
  });
});
