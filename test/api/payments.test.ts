import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../domain/actors.js';
import { signatureHeader } from '../../testkit/fakes/stripe/webhooks.js';
import { createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  // Fee invoices stay open until a test (or an admin command) settles them.
  h = await startApiHarness(undefined, { companiesPayAtOnce: false });
});
afterAll(async () => {
  await h?.stop();
});

const DAY = 86_400_000;
const WEBHOOK = '/api/v1/webhooks/stripe';
const hex = () => randomUUID().replace(/-/g, '');

/** A Stripe event as Stripe sends it (https://docs.stripe.com/api/events/object). */
function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_test_${hex()}`) {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
}
const invoiceEvent = (type: string, invoiceId: string) => stripeEvent(type, { id: invoiceId, object: 'invoice', status: 'paid' });
const eventId = (payload: string) => JSON.parse(payload).id as string;

const deliver = (payload: string, secret = h.stripeWebhookSecret) =>
  h.request('POST', WEBHOOK, {
    rawBody: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader(payload, secret) },
  });
const eventRows = (id: string) => h.db('stripe_webhook_events').where({ id });

interface Seeded {
  m: Marketplace;
  placementId: string;
  invoiceId: string;
  chargeId: string;
}

/**
 * A placement as the placement workflow would have written it (no workflow runs for it): fee
 * $10 000 with a 10 % platform fee and a 20 % holdback, `m.recruiter` its only collaborator, the
 * activation payout paid (platform fee 80 000, split 720 000) and the holdback's processing. The
 * fee invoice as given (none when `payment` is null).
 */
async function seedPlacement(payment: Record<string, unknown> | null, split: { reversedCents?: number } = {}): Promise<Seeded> {
  const m = await createMarketplace(h.db);
  const placementId = randomUUID();
  const [invoiceId, chargeId] = [`in_test${hex()}`, `ch_test${hex()}`];
  const now = new Date();
  await h.db('placements').insert({
    id: placementId,
    company_id: m.companyId,
    job_id: m.jobId,
    candidate_id: m.candidateId,
    fee_cents: 1_000_000,
    currency: 'USD',
    holdback_bps: 2000,
    platform_fee_bps: 1000,
    start_date: now.toISOString().slice(0, 10),
    guarantee_days: 90,
    state: 'active',
    workflow_id: `placement-${placementId}`,
    created_at: now,
    updated_at: now,
  });
  const [collaborator] = await h
    .db('placement_collaborators')
    .insert({ placement_id: placementId, recruiter_id: m.recruiterId, role: 'sourcer', split_bps: 10_000, created_at: now })
    .returning('id');
  const payouts = [
    { tranche: 'activation', amount: 800_000, fee: 80_000, status: 'paid', split: 720_000, splitStatus: 'paid' },
    { tranche: 'holdback', amount: 200_000, fee: 20_000, status: 'processing', split: 180_000, splitStatus: 'pending' },
  ] as const;
  for (const [i, p] of payouts.entries()) {
    const payoutId = randomUUID();
    const at = new Date(now.getTime() + i);
    await h.db('payout_schedules').insert({
      id: payoutId,
      placement_id: placementId,
      tranche: p.tranche,
      amount_cents: p.amount,
      platform_fee_cents: p.fee,
      currency: 'USD',
      status: p.status,
      workflow_id: `payout-${payoutId}`,
      created_at: at,
      updated_at: at,
    });
    await h.db('payout_splits').insert({
      payout_id: payoutId,
      collaborator_id: collaborator!.id,
      recruiter_id: m.recruiterId,
      amount_cents: p.split,
      stripe_account_id: 'acct_test0000000001',
      status: p.splitStatus,
      stripe_transfer_id: p.splitStatus === 'paid' ? `tr_test${hex()}` : null,
      reversed_cents: p.splitStatus === 'paid' ? (split.reversedCents ?? 0) : 0,
      updated_at: at,
    });
  }
  if (payment) {
    await h.db('placement_payments').insert({
      placement_id: placementId,
      company_id: m.companyId,
      amount_cents: 1_000_000,
      currency: 'USD',
      stripe_customer_id: `cus_test${hex().slice(0, 12)}`,
      stripe_invoice_id: invoiceId,
      hosted_invoice_url: `https://invoice.stripe.test/${invoiceId}`,
      created_at: now,
      updated_at: now,
      ...payment,
    });
  }
  return { m, placementId, invoiceId, chargeId };
}

const PAID = (chargeId?: string) => ({
  state: 'paid',
  amount_paid_cents: 1_000_000,
  stripe_charge_id: chargeId,
  due_at: new Date(Date.now() - 5 * DAY),
  paid_at: new Date(Date.now() - 6 * DAY),
});

async function paidPlacement(): Promise<Seeded> {
  const chargeId = `ch_test${hex()}`;
  const s = await seedPlacement(PAID(chargeId));
  return { ...s, chargeId };
}

const get = (id: string, actor: Actor) => h.request('GET', `/api/v1/placements/${id}`, { actor });
const command = (id: string, path: string, actor: Actor, body: unknown) =>
  h.request('POST', `/api/v1/placements/${id}/${path}`, { actor, body });

describe('POST /webhooks/stripe: money-in events', () => {
  it("acknowledges an invoice, charge or credit note that is not a placement's fee as ignored, and keeps nothing", async () => {
    const payloads = [
      invoiceEvent('invoice.paid', `in_unknown${hex()}`),
      stripeEvent('charge.refunded', { id: `ch_unknown${hex()}`, object: 'charge' }),
      stripeEvent('charge.dispute.created', {
        id: `dp_${hex()}`,
        object: 'dispute',
        charge: `ch_unknown${hex()}`,
        status: 'needs_response',
      }),
      stripeEvent('credit_note.created', { id: `cn_${hex()}`, object: 'credit_note', invoice: `in_unknown${hex()}` }),
    ];
    for (const payload of payloads) {
      const res = await deliver(payload);
      expect(res).toMatchObject({ status: 200, body: { received: true, ignored: true } });
      expect(await eventRows(eventId(payload))).toEqual([]);
    }
  });

  it('refuses a forged or stale delivery about a real invoice with 400 and records nothing', async () => {
    const s = await paidPlacement();
    const payload = invoiceEvent('invoice.paid', s.invoiceId);
    expect((await deliver(payload, 'whsec_not_the_endpoint_secret')).status).toBe(400);
    const stale = await h.request('POST', WEBHOOK, {
      rawBody: payload,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signatureHeader(payload, h.stripeWebhookSecret, Math.floor(Date.now() / 1000) - 301),
      },
    });
    expect(stale.status).toBe(400);
    expect(await eventRows(eventId(payload))).toEqual([]);
  });

  it('records an event delivered three times once, against the placement found by our invoice or charge id', async () => {
    const s = await paidPlacement();
    // The seeded placement has no running workflow: recorded, and the answer says its process has ended.
    for (const payload of [
      invoiceEvent('invoice.payment_succeeded', s.invoiceId),
      stripeEvent('charge.refunded', { id: s.chargeId, object: 'charge' }),
      stripeEvent('charge.dispute.created', { id: `dp_${hex()}`, object: 'dispute', charge: s.chargeId, status: 'needs_response' }),
      stripeEvent('credit_note.created', { id: `cn_${hex()}`, object: 'credit_note', invoice: s.invoiceId }),
    ]) {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await deliver(payload));
      expect(answers.map((a) => [a.status, a.body])).toEqual([
        [200, { received: true, placementClosed: true }],
        [200, { received: true, duplicate: true }],
        [200, { received: true, duplicate: true }],
      ]);
      const rows = await eventRows(eventId(payload));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ placement_id: s.placementId, account: null, type: JSON.parse(payload).type });
    }
  });

  it('refuses a signed invoice event that names no invoice with 400', async () => {
    const payload = stripeEvent('invoice.paid', { object: 'invoice' });
    expect((await deliver(payload)).status).toBe(400);
    expect(await eventRows(eventId(payload))).toEqual([]);
  });

  it("signals a running placement's workflow once per event, the fake's own deliveries and ours alike", async () => {
    const m = await createMarketplace(h.db);
    const hired = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    expect(hired.status).toBe(201);
    const payment = await eventually(async () => {
      const row = await h.db('placement_payments').where({ placement_id: hired.body.id }).first();
      return row?.stripe_invoice_id ? row : undefined;
    }, 30_000);
    expect(payment).toBeDefined();
    const payload = invoiceEvent('invoice.payment_failed', payment!.stripe_invoice_id!);
    expect(await deliver(payload)).toMatchObject({ status: 200, body: { received: true } });
    expect((await deliver(payload)).body).toEqual({ received: true, duplicate: true });
    expect(await eventRows(eventId(payload))).toMatchObject([{ placement_id: hired.body.id }]);
    // Every event recorded for the placement (ours and any the fake sent) is one feePaymentEvent signal.
    const signalled = await eventually(async () => {
      const recorded = await h.db('stripe_webhook_events').where({ placement_id: hired.body.id });
      const history = await h.temporal.workflow.getHandle(hired.body.workflowId).fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'feePaymentEvent');
      return signals.length === recorded.length ? signals : undefined;
    });
    expect(signalled?.length).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /placements/:id money', () => {
  it('shows collected, paid out, held, refunded and the platform fee from the stored invoice and payouts', async () => {
    const s = await paidPlacement();
    const res = await get(s.placementId, s.m.actors.companyAdmin);
    expect(res.status).toBe(200);
    expect(res.body.money).toEqual({
      currency: 'USD',
      feeCents: 1_000_000,
      platformFeeCents: 100_000,
      collectedCents: 1_000_000,
      paidOutCents: 720_000,
      refundedCents: 0,
      outstandingCents: 0,
      // 1 000 000 − 720 000 paid out − the activation's 80 000 platform fee: the holdback.
      heldCents: 200_000,
      payment: {
        status: 'paid',
        dueAt: expect.any(String),
        paidAt: expect.any(String),
        paidOutOfBand: false,
        amountCents: 1_000_000,
        remindersSent: 0,
        lastPaymentError: null,
        hostedInvoiceUrl: `https://invoice.stripe.test/${s.invoiceId}`,
        invoiceId: s.invoiceId,
        refundState: 'none',
        refundDueCents: null,
        refundBlockReason: null,
      },
    });
  });

  it('takes a refund off what is held and what the platform keeps, by the refunded share', async () => {
    const s = await seedPlacement(
      { ...PAID(), refund_state: 'refunded', refund_due_cents: 500_000, refunded_cents: 500_000 },
      { reversedCents: 360_000 },
    );
    const { body } = await get(s.placementId, s.m.actors.platformAdmin);
    // Half refunded: half of each paid split taken back, half of the 80 000 fee kept; 1 000 000 − 500 000 − 360 000 − 40 000.
    expect(body.money).toMatchObject({ collectedCents: 1_000_000, refundedCents: 500_000, paidOutCents: 360_000, heldCents: 100_000 });
    expect(body.money.payment).toMatchObject({ status: 'refunded', refundState: 'refunded', refundDueCents: 500_000 });
  });

  it('shows an open invoice as outstanding (overdue after its due date) with nothing collected or held', async () => {
    const due = await seedPlacement({ state: 'open', due_at: new Date(Date.now() + 10 * DAY) });
    expect((await get(due.placementId, due.m.actors.hiringManager)).body.money).toMatchObject({
      collectedCents: 0,
      outstandingCents: 1_000_000,
      heldCents: 0,
      payment: { status: 'awaiting_payment', paidAt: null },
    });
    const late = await seedPlacement({
      state: 'open',
      due_at: new Date(Date.now() - DAY),
      reminders_sent: 1,
      last_payment_error: 'card_declined',
    });
    expect((await get(late.placementId, late.m.actors.companyAdmin)).body.money).toMatchObject({
      outstandingCents: 1_000_000,
      payment: { status: 'overdue', remindersSent: 1, lastPaymentError: 'card_declined' },
    });
  });

  it('shows a placement from before money in with no payment and nothing collected', async () => {
    const s = await seedPlacement(null);
    const { body } = await get(s.placementId, s.m.actors.companyAdmin);
    expect(body.money).toMatchObject({ payment: null, collectedCents: 0, outstandingCents: 0, refundedCents: 0, paidOutCents: 720_000 });
  });

  it("shows the collaborating recruiter the numbers and the payment's status, not the invoice or its errors", async () => {
    const s = await seedPlacement({ state: 'open', due_at: new Date(Date.now() - DAY), last_payment_error: 'card_declined' });
    const { body } = await get(s.placementId, s.m.actors.recruiter);
    expect(body.money).toMatchObject({ feeCents: 1_000_000, outstandingCents: 1_000_000 });
    expect(body.money.payment).toMatchObject({
      status: 'overdue',
      amountCents: 1_000_000,
      invoiceId: null,
      hostedInvoiceUrl: null,
      lastPaymentError: null,
      refundBlockReason: null,
    });
    expect((await get(s.placementId, s.m.actors.otherRecruiter)).status).toBe(404);
    expect((await get(s.placementId, s.m.actors.foreignAdmin)).status).toBe(404);
  });
});

describe('GET /placements/:id/payment/history', () => {
  it('pages the payment audit newest first with the actors named, for the company and platform admins only', async () => {
    const s = await paidPlacement();
    const base = Date.now() - 60_000;
    const rows = [
      { event: 'invoice_created' as const, old_state: 'creating', new_state: 'open', actor_user_id: null, actor_role: 'system' },
      {
        event: 'due_extended' as const,
        old_state: 'open',
        new_state: 'open',
        actor_user_id: s.m.actors.platformAdmin.userId,
        actor_role: 'platform_admin',
      },
      { event: 'paid' as const, old_state: 'open', new_state: 'paid', actor_user_id: null, actor_role: 'system' },
    ];
    for (const [i, r] of rows.entries()) {
      await h.db('payment_changes').insert({
        placement_id: s.placementId,
        ...r,
        reason: r.event === 'due_extended' ? 'asked for a week' : null,
        details: JSON.stringify({ step: i }),
        event_key: `test-${s.placementId}-${i}`,
        occurred_at: new Date(base + i * 1000),
      });
    }
    const path = `/api/v1/placements/${s.placementId}/payment/history`;
    const first = await h.request('GET', `${path}?limit=2`, { actor: s.m.actors.companyAdmin });
    expect(first.status).toBe(200);
    expect(first.body.data.map((c: { event: string }) => c.event)).toEqual(['paid', 'due_extended']);
    expect(first.body.data[1]).toMatchObject({
      actorUserId: s.m.actors.platformAdmin.userId,
      actorName: 'Platform',
      actorRole: 'platform_admin',
      reason: 'asked for a week',
      oldState: 'open',
      newState: 'open',
      details: { step: 1 },
    });
    const second = await h.request('GET', `${path}?limit=2&cursor=${first.body.nextCursor}`, { actor: s.m.actors.hiringManager });
    expect(second.body).toMatchObject({ data: [{ event: 'invoice_created', actorName: null }], nextCursor: null });
    expect((await h.request('GET', path, { actor: s.m.actors.platformAdmin })).body.data).toHaveLength(3);
    expect((await h.request('GET', path, { actor: s.m.actors.recruiter })).status).toBe(403);
    expect((await h.request('GET', path, { actor: s.m.actors.foreignAdmin })).status).toBe(404);
    expect((await h.request('GET', `${path}?cursor=not-a-cursor`, { actor: s.m.actors.companyAdmin })).status).toBe(400);
  });
});

const COMMANDS: { path: string; valid: Record<string, unknown> }[] = [
  { path: 'payment/mark-paid', valid: { reason: 'paid by wire' } },
  { path: 'payment/extend', valid: { days: 14, reason: 'asked for two weeks' } },
  { path: 'payment/void', valid: { reason: 'fee waived' } },
  { path: 'refund/retry', valid: {} },
  { path: 'refund/cancel', valid: { reason: 'settled outside' } },
];

describe('payment commands', () => {
  it('are for platform admins only: every other role gets 403, before the body is judged', async () => {
    const s = await seedPlacement({ state: 'open', due_at: new Date(Date.now() + 10 * DAY) });
    const a = s.m.actors;
    for (const { path, valid } of COMMANDS) {
      for (const actor of [a.companyAdmin, a.hiringManager, a.recruiter, a.otherRecruiter, a.foreignAdmin]) {
        expect((await command(s.placementId, path, actor, valid)).status, `${path} as ${actor.role}`).toBe(403);
        expect((await command(s.placementId, path, actor, { days: 'x' })).status, `${path} as ${actor.role}, bad body`).toBe(403);
      }
      expect((await command(randomUUID(), path, a.platformAdmin, valid)).status).toBe(404);
    }
  });

  it('refuse a bad body with 400 and change nothing', async () => {
    const s = await seedPlacement({ state: 'open', due_at: new Date(Date.now() + 10 * DAY) });
    const before = await h.db('placement_payments').where({ placement_id: s.placementId }).first();
    const bad: [string, unknown][] = [
      ['payment/mark-paid', {}],
      ['payment/mark-paid', { reason: '   ' }],
      ['payment/mark-paid', { reason: 'x'.repeat(5000) }],
      ['payment/mark-paid', { reason: 'ok', amountCents: 5 }],
      ['payment/extend', { days: 0, reason: 'r' }],
      ['payment/extend', { days: 91, reason: 'r' }],
      ['payment/extend', { days: 1.5, reason: 'r' }],
      ['payment/extend', { days: 7 }],
      ['payment/void', { reason: 'nul \u0000 inside' }],
      ['refund/retry', { reason: 7 }],
      ['refund/cancel', {}],
    ];
    for (const [path, body] of bad) {
      expect((await command(s.placementId, path, s.m.actors.platformAdmin, body)).status, `${path} ${JSON.stringify(body)}`).toBe(400);
    }
    expect(await h.db('placement_payments').where({ placement_id: s.placementId }).first()).toEqual(before);
    expect(await h.db('payment_changes').where({ placement_id: s.placementId })).toEqual([]);
  });

  it('answer 409 when the placement has no running process to take the command', async () => {
    const s = await seedPlacement({ state: 'open', due_at: new Date(Date.now() + 10 * DAY) });
    for (const { path, valid } of COMMANDS) {
      expect((await command(s.placementId, path, s.m.actors.platformAdmin, valid)).status, path).toBe(409);
    }
  });
});

describe('payment commands on a running placement', () => {
  async function hiredWithInvoice() {
    const m = await createMarketplace(h.db);
    const hired = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    expect(hired.status).toBe(201);
    const payment = await eventually(async () => {
      const row = await h.db('placement_payments').where({ placement_id: hired.body.id }).first();
      return row?.state === 'open' ? row : undefined;
    }, 30_000);
    expect(payment).toBeDefined();
    return { m, id: hired.body.id as string, payment };
  }
  const history = async (id: string, actor: Actor) =>
    (await h.request('GET', `/api/v1/placements/${id}/payment/history`, { actor })).body.data as {
      event: string;
      actorName: string | null;
    }[];

  it('extends the due date, then marks the fee paid out of band, each audited with the admin named', async () => {
    const { m, id, payment } = await hiredWithInvoice();
    const extended = await command(id, 'payment/extend', m.actors.platformAdmin, { days: 14, reason: 'asked for two weeks' });
    expect(extended.status).toBe(200);
    expect(new Date(extended.body.money.payment.dueAt).getTime()).toBe(payment!.due_at!.getTime() + 14 * DAY);
    const paid = await command(id, 'payment/mark-paid', m.actors.platformAdmin, { reason: 'paid by wire' });
    expect(paid.status).toBe(200);
    expect(paid.body.money).toMatchObject({
      collectedCents: 2_500_000,
      outstandingCents: 0,
      payment: { status: 'paid', paidOutOfBand: true },
    });
    const events = await history(id, m.actors.companyAdmin);
    expect(events.slice(0, 2)).toMatchObject([
      { event: 'marked_paid', actorName: 'Platform' },
      { event: 'due_extended', actorName: 'Platform' },
    ]);
    // Paid: voiding it now is late.
    expect((await command(id, 'payment/void', m.actors.platformAdmin, { reason: 'too late' })).status).toBe(409);
  });

  it('voids an open invoice; a refund that is not blocked cannot be retried or cancelled', async () => {
    const { m, id } = await hiredWithInvoice();
    expect((await command(id, 'refund/retry', m.actors.platformAdmin, {})).status).toBe(409);
    expect((await command(id, 'refund/cancel', m.actors.platformAdmin, { reason: 'nothing to cancel' })).status).toBe(409);
    const voided = await command(id, 'payment/void', m.actors.platformAdmin, { reason: 'fee waived' });
    expect(voided.status).toBe(200);
    expect(voided.body.money).toMatchObject({ outstandingCents: 0, collectedCents: 0, payment: { status: 'void' } });
    expect((await history(id, m.actors.platformAdmin))[0]).toMatchObject({ event: 'voided', actorName: 'Platform' });
  });
});
