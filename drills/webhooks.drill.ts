/**
 * Webhooks delivered 3× each and out of order: 0 duplicates.
 * - Resend (svix-signed): several outreach e-mails' delivery events, each delivered 3×
 *   (same svix-id, fresh signature, partly concurrent), shuffled → one stored event per
 *   svix-id, and each outreach's timeline as for in-order delivery.
 * - ATS (Greenhouse fake, the platform's signature): stage moves of synced applications,
 *   each delivered 3× shuffled → one ats_events row per provider event id, stage history
 *   without duplicates, final stage = the latest event's.
 * - Stripe (Stripe-Signature): recruiters connect payout accounts; their `account.updated` events
 *   (onboarding done, requirements back, done again) each delivered 3× shuffled → one
 *   stripe_webhook_events row per event id, every projection equal to Stripe's final state, no
 *   status change audited twice in a row.
 * - Stripe, money in (hires through the API): hires whose fee invoices the fake pays at once; every event about those
 *   invoices (finalized, payment succeeded, paid) delivered 3× shuffled → one stripe_webhook_events
 *   row per event id (with its placement), each invoice read paid, `paid` audited once per placement.
 * - Stripe, money in (held, reversed, declined, refunded, forged): DRILL_WEBHOOK_PLACEMENTS (4) placements invoice their companies with the
 *   fake's deliveries held; the companies pay (one after a declined card), one company's charge is
 *   then partly refunded outside the platform (`charge.refunded`). A forged (wrong secret) and a
 *   stale (301 s old) delivery of a real `invoice.paid` are refused (400) and record nothing. Then
 *   every held event goes out in reverse order and twice more shuffled (`redeliver`, 4 at a time)
 *   → one stripe_webhook_events row per fee event, every placement_payments projection equal to
 *   Stripe's final invoice (paid, its charge), no payment_changes event twice, the refund outside
 *   audited once, each split's transfer made once and funded by its placement's charge.
 */
import { randomUUID } from 'node:crypto';
import { canonicalStage } from '../domain/ats-stages.js';
import { syncStatusQuery } from '../domain/ats.js';
import { emailEvent, signWebhook, type SentEmail } from '../testkit/fakes/resend.js';
import { signatureHeader } from '../testkit/fakes/stripe/webhooks.js';
import { now } from '../testkit/fakes/stripe/wire.js';
import { startGreenhouseFake } from '../testkit/fakes/ats/greenhouse.js';
import { seedSmall } from '../testkit/harness/ats-harness.js';
import { createMarketplace, placementBody } from '../testkit/harness/factories.js';
import { eventually, startDrillStack, type DrillStack } from './lib/harness.js';
import type { Drill } from './lib/report.js';
import {
  checkPayments,
  checkPayouts,
  FEE_EVENT_TYPES,
  Findings,
  payInvoice,
  seedPayouts,
  startPlacements,
  waitPayoutsPaid,
  type Ctx,
} from './lib/crash-scenarios.js';

const COPIES = 3;
const OUTREACH_EMAILS = Number(process.env.DRILL_WEBHOOK_OUTREACH ?? 4);
const RESEND_TYPES = ['email.sent', 'email.delivered', 'email.opened', 'email.clicked', 'email.bounced'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fisher–Yates with a seeded generator (the seed is reported, so a run can be repeated). */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs `tasks` with at most `width` at a time. */
async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

interface Tally {
  checked: string[];
  failures: string[];
  lost: number;
  details: Record<string, unknown>;
}

const FEE_PLACEMENTS = Number(process.env.DRILL_WEBHOOK_FEE_PLACEMENTS ?? 3);

/** Signed deliveries of `events`, each `COPIES` times, shuffled, 4 at a time; the fake sends none meanwhile. */
async function deliverShuffled(h: DrillStack, events: { id: string }[], seed: number) {
  const deliveries = shuffle(
    events.flatMap((e) => Array.from({ length: COPIES }, () => JSON.stringify(e))),
    seed,
  );
  const answers = await pool(
    deliveries.map(
      (payload) => () =>
        h.request('POST', '/api/v1/webhooks/stripe', {
          rawBody: payload,
          headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader(payload, h.stripeWebhookSecret) },
        }),
    ),
    4,
  );
  return { deliveries, answers };
}

const STRIPE_RECRUITERS = Number(process.env.DRILL_WEBHOOK_STRIPE_RECRUITERS ?? 3);

async function stripeDrill(h: DrillStack, seed: number, t: Tally) {
  // Deliveries are the drill's own (3× each, shuffled): the fake sends none meanwhile.
  h.stripe.setWebhookEndpoint(null);
  const control = (path: string, body?: URLSearchParams) => fetch(`${h.stripe.url}/_fake/accounts/${path}`, { method: 'POST', body });
  const recruiters: { recruiterId: string; account: string }[] = [];
  for (let i = 0; i < STRIPE_RECRUITERS; i++) {
    const m = await createMarketplace(h.db);
    const res = await h.request('POST', '/api/v1/me/payout-account', { actor: m.actors.recruiter, body: {} });
    if (res.status !== 200) t.failures.push(`stripe: connecting a payout account answered ${res.status} ${JSON.stringify(res.body)}`);
    const account = res.body.stripeAccountId as string;
    recruiters.push({ recruiterId: m.recruiterId, account });
    await control(`${account}/complete-onboarding`);
    if (i % 2 === 1) {
      await control(`${account}/require`, new URLSearchParams({ 'currently_due[0]': 'external_account' }));
      await control(`${account}/complete-onboarding`);
    }
  }
  const accounts = new Set(recruiters.map((r) => r.account));
  const events = h.stripe.events().filter((e) => e.account && accounts.has(e.account));
  const { deliveries, answers } = await deliverShuffled(h, events, seed);
  h.stripe.setWebhookEndpoint(`${h.baseUrl}/api/v1/webhooks/stripe`, h.stripeWebhookSecret);
  const refused = answers.filter((a) => a.status !== 200);
  for (const a of refused) t.failures.push(`stripe: a delivery answered ${a.status} ${JSON.stringify(a.body)}`);
  const duplicates = answers.filter((a) => a.body?.duplicate === true).length;
  t.checked.push(
    `stripe: ${deliveries.length} signed deliveries (${events.length} account.updated × ${COPIES}, shuffled, 4 concurrent) answered 200 (${deliveries.length - refused.length}/${deliveries.length}); ${duplicates} answered duplicate`,
  );
  if (duplicates !== deliveries.length - events.length)
    t.failures.push(`stripe: ${duplicates} duplicates answered, ${deliveries.length - events.length} expected`);

  const rows = await h.db('stripe_webhook_events').whereIn(
    'id',
    events.map((e) => e.id),
  );
  if (rows.length !== events.length) t.failures.push(`stripe: ${rows.length} stored event ids for ${events.length} events`);
  t.checked.push(`stripe: one stripe_webhook_events row per event id (${events.length} ids, ${rows.length} rows)`);

  let converged = 0;
  for (const r of recruiters) {
    const row = await eventually(async () => {
      const found = await h.db('recruiter_payout_accounts').where({ recruiter_id: r.recruiterId }).first();
      return found?.status === 'enabled' ? found : undefined;
    }, 30_000);
    const audit = (await h.db('payout_account_changes').where({ recruiter_id: r.recruiterId }).orderBy('id')).map((a) => a.new_status);
    const repeated = audit.some((s, i) => i > 0 && s === audit[i - 1]);
    if (!row) t.failures.push(`stripe: recruiter ${r.recruiterId}'s account ${r.account} never read enabled (Stripe's final state)`);
    else if (repeated) t.failures.push(`stripe: account ${r.account} audited the same status twice in a row: ${audit.join(' → ')}`);
    else converged++;
  }
  t.checked.push(
    `stripe: each payout account converged on Stripe's final state, no status change twice (${converged}/${recruiters.length})`,
  );
  t.details.stripe = { events: events.length, deliveries: deliveries.length, duplicates };
}

async function feeDrill(h: DrillStack, seed: number, t: Tally) {
  h.stripe.setWebhookEndpoint(null);
  const placements: string[] = [];
  for (let i = 0; i < FEE_PLACEMENTS; i++) {
    const m = await createMarketplace(h.db);
    const res = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    if (res.status !== 201) t.failures.push(`fees: recording a hire answered ${res.status} ${JSON.stringify(res.body)}`);
    else placements.push(res.body.id as string);
  }
  // The workflow creates each invoice and the fake pays it as it is finalized (its events held back).
  const invoices = new Map<string, string>();
  for (const placementId of placements) {
    const row = await eventually(async () => {
      const p = await h.db('placement_payments').where({ placement_id: placementId }).first();
      return p?.stripe_invoice_id ? p : undefined;
    }, 30_000);
    if (row) invoices.set(row.stripe_invoice_id!, placementId);
    else t.failures.push(`fees: placement ${placementId} has no invoice after 30 s`);
  }
  const events = h.stripe.events().filter((e) => {
    const object = e.data.object as { id?: string; object?: string };
    return object.object === 'invoice' && !!object.id && invoices.has(object.id);
  });
  const { deliveries, answers } = await deliverShuffled(h, events, seed);
  h.stripe.setWebhookEndpoint(`${h.baseUrl}/api/v1/webhooks/stripe`, h.stripeWebhookSecret);
  for (const a of answers.filter((x) => x.status !== 200))
    t.failures.push(`fees: a delivery answered ${a.status} ${JSON.stringify(a.body)}`);
  const types = [...new Set(events.map((e) => e.type))].sort().join(', ');
  t.checked.push(
    `fees: ${deliveries.length} signed deliveries (${events.length} invoice events of ${invoices.size} fees × ${COPIES}: ${types}) answered 200`,
  );

  // The payment's events are kept once each; the others (`invoice.created`, `invoice.finalized`: the workflow
  // creates and finalizes the invoice itself) are acknowledged and not kept.
  const kept = events.filter((e) => (FEE_EVENT_TYPES as readonly string[]).includes(e.type));
  const rows = await h.db('stripe_webhook_events').whereIn(
    'id',
    kept.map((e) => e.id),
  );
  const misplaced = rows.filter(
    (r) => r.placement_id !== invoices.get((events.find((e) => e.id === r.id)!.data.object as { id: string }).id),
  );
  if (rows.length !== kept.length) t.failures.push(`fees: ${rows.length} stored event ids for ${kept.length} events`);
  if (misplaced.length) t.failures.push(`fees: ${misplaced.length} events stored against the wrong placement`);
  t.checked.push(`fees: one stripe_webhook_events row per event id, with its placement (${kept.length} ids, ${rows.length} rows)`);

  let paid = 0;
  for (const placementId of invoices.values()) {
    const row = await eventually(async () => {
      const p = await h.db('placement_payments').where({ placement_id: placementId }).first();
      return p?.state === 'paid' ? p : undefined;
    }, 30_000);
    const audited = await h.db('payment_changes').where({ placement_id: placementId, event: 'paid' });
    if (!row) t.failures.push(`fees: placement ${placementId}'s invoice never read paid`);
    else if (audited.length !== 1) t.failures.push(`fees: placement ${placementId} audited paid ${audited.length} times`);
    else paid++;
  }
  t.checked.push(`fees: each invoice read paid and audited paid once (${paid}/${invoices.size})`);
  t.details.fees = { events: events.length, deliveries: deliveries.length };
}

const MONEY_IN_PLACEMENTS = Number(process.env.DRILL_WEBHOOK_PLACEMENTS ?? 4);
/** Refunded outside the platform (from the Dashboard, say) on one placement's charge: a part, so its payouts stay funded. */
const REFUND_OUTSIDE_CENTS = 100_000;

async function moneyInDrill(h: DrillStack, seed: number, t: Tally) {
  const tag = (line: string) => `stripe money in: ${line}`;
  const fail = (line: string) => t.failures.push(tag(line));
  const ctx: Ctx = {
    db: h.db,
    temporal: h.temporal,
    stripe: h.stripe,
    resend: h.resend,
    queues: h.taskQueues,
    log: (line) => console.log(`[webhooks] ${line}`),
    retries: { retries: 0 },
  };
  const deadline = Date.now() + 4 * 60_000;
  // The companies pay when the drill says so, and every event waits until the drill delivers it.
  h.stripe.autoPayInvoices(false);
  const earlier = new Set(h.stripe.events().map((e) => e.id));
  h.stripe.holdWebhooks();
  const plan = await seedPayouts(h.db, h.stripe, Math.max(3, MONEY_IN_PLACEMENTS), { collaborators: 2, blockEvery: 0 });
  const ids = plan.placements.map((p) => p.placementId);
  await startPlacements(ctx, plan, deadline, ids.length);
  const open = await eventually(async () => {
    const rows: { placement_id: string; stripe_invoice_id: string }[] = await h
      .db('placement_payments')
      .whereIn('placement_id', ids)
      .where({ state: 'open' })
      .select('placement_id', 'stripe_invoice_id');
    return rows.length === ids.length ? rows : undefined;
  }, 60_000);
  if (!open) throw new Error(`the ${ids.length} fee invoices were not all open within 60s`);
  const invoiceOf = new Map(open.map((r) => [r.placement_id, r.stripe_invoice_id]));
  const [paidFirst, declined, refunded] = ids as [string, string, string];

  // The companies pay; one card is declined first; one charge is partly refunded outside the platform.
  await payInvoice(h.stripe, invoiceOf.get(declined)!, 'fail');
  for (const id of ids) {
    const status = await payInvoice(h.stripe, invoiceOf.get(id)!, 'succeed');
    if (status !== 'paid') fail(`paying ${id}'s invoice left it ${status}`);
  }
  const sdk = h.stripe.client();
  const refundedInvoice = await sdk.invoices.retrieve(invoiceOf.get(refunded)!);
  const intent = refundedInvoice.payments?.data.find((p) => p.status === 'paid')?.payment.payment_intent;
  const chargeId = (await sdk.paymentIntents.retrieve(typeof intent === 'string' ? intent : intent!.id)).latest_charge as string;
  await sdk.refunds.create({ charge: chargeId, amount: REFUND_OUTSIDE_CENTS });

  // A real invoice.paid, forged (another secret) and stale (301 s old, past the SDK's 300 s tolerance): refused, nothing recorded.
  const paidEvent = h.stripe
    .events()
    .find((e) => e.type === 'invoice.paid' && (e.data.object as { id: string }).id === invoiceOf.get(paidFirst));
  if (!paidEvent) throw new Error(`no invoice.paid event for ${paidFirst}'s invoice`);
  const payload = JSON.stringify(paidEvent);
  const deliver = (signature: string) =>
    h.request('POST', '/api/v1/webhooks/stripe', {
      rawBody: payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    });
  const forged = await deliver(signatureHeader(payload, 'whsec_forged_by_someone_else'));
  const stale = await deliver(signatureHeader(payload, h.stripeWebhookSecret, now() - 301));
  await sleep(500);
  const recordedForged = await h.db('stripe_webhook_events').where({ id: paidEvent.id }).first();
  const row = await h.db('placement_payments').where({ placement_id: paidFirst }).first('state');
  const paidChanges = await h.db('payment_changes').where({ placement_id: paidFirst, event: 'paid' });
  t.checked.push(
    tag(
      `a forged (${forged.status}) and a stale (${stale.status}) delivery of a real invoice.paid refused with 400; nothing recorded (event row: ${recordedForged ? 'yes' : 'no'}, payment ${row?.state}, paid changes ${paidChanges.length})`,
    ),
  );
  if (forged.status !== 400) fail(`a forged delivery answered ${forged.status} ${forged.text.slice(0, 200)}`);
  if (stale.status !== 400) fail(`a stale delivery answered ${stale.status} ${stale.text.slice(0, 200)}`);
  if (recordedForged || row?.state !== 'open' || paidChanges.length) {
    t.lost++;
    fail(
      `a refused delivery changed something: event row ${Boolean(recordedForged)}, payment ${row?.state}, paid changes ${paidChanges.length}`,
    );
  }

  // Every held event: in reverse order, then twice more, shuffled, 4 at a time.
  const events = h.stripe.events().filter((e) => !earlier.has(e.id));
  h.stripe.releaseWebhooks('reverse');
  await h.stripe.webhooksSettled();
  const copies = shuffle(
    events.flatMap((e) => Array.from({ length: COPIES - 1 }, () => e.id)),
    seed + 2,
  );
  for (let i = 0; i < copies.length; i += 4) {
    for (const id of copies.slice(i, i + 4)) h.stripe.redeliver(id);
    await h.stripe.webhooksSettled();
  }
  const mine = new Set(events.map((e) => e.id));
  const deliveries = h.stripe.deliveries().filter((d) => mine.has(d.eventId));
  const refused = deliveries.filter((d) => d.status !== 200);
  t.checked.push(
    tag(
      `${deliveries.length} signed deliveries (${events.length} events × ${COPIES}: held and released in reverse, then shuffled) answered 200 (${deliveries.length - refused.length}/${deliveries.length})`,
    ),
  );
  for (const d of refused.slice(0, 10)) fail(`delivery of ${d.type} ${d.eventId} answered ${d.status}`);
  if (deliveries.length !== events.length * COPIES) fail(`${deliveries.length} deliveries for ${events.length} events × ${COPIES}`);

  const paid = await waitPayoutsPaid(ctx, plan, deadline);
  if (!paid) fail('not every activation payout was paid after the deliveries');
  const f = new Findings();
  await checkPayouts(ctx, plan, f);
  await checkPayments(ctx, plan, f);
  f.check('one stripe_webhook_events row per fee event and none besides');
  const feeEvents = events.filter((e) => (FEE_EVENT_TYPES as readonly string[]).includes(e.type));
  const rows = await h.db('stripe_webhook_events').whereIn('placement_id', ids).select('id');
  f.loss(rows.length - feeEvents.length, `${rows.length} event rows for the placements, ${feeEvents.length} fee events`);
  f.check('the refund outside the platform: audited once (refunded_outside), on its placement only');
  const outside: { placement_id: string }[] = await h
    .db('payment_changes')
    .whereIn('placement_id', ids)
    .where({ event: 'refunded_outside' });
  const onRefunded = outside.filter((c) => c.placement_id === refunded).length;
  f.loss(
    Math.abs(onRefunded - 1) + (outside.length - onRefunded),
    `refunded_outside: ${onRefunded} on the refunded placement, ${outside.length - onRefunded} elsewhere`,
  );
  t.checked.push(...f.checked.map(tag));
  t.failures.push(...f.failures.map(tag));
  t.lost += f.lost;
  t.details.moneyIn = { placements: ids.length, events: events.length, deliveries: deliveries.length, ...f.details };
}

async function resendDrill(h: DrillStack, seed: number, t: Tally) {
  const m = await createMarketplace(h.db);
  const outreach: { id: string; email: SentEmail; sentAt: number }[] = [];
  for (let i = 0; i < OUTREACH_EMAILS; i++) {
    const res = await h.request('POST', `/api/v1/candidates/${m.candidateId}/outreach`, {
      actor: m.actors.recruiter,
      body: { subject: `Drill outreach ${i}`, body: 'Would you talk about a role?' },
    });
    if (res.status !== 201) throw new Error(`outreach ${i} not sent: ${res.status} ${res.text}`);
    const email = h.resend.emails().find((e) => e.idempotencyKey === `outreach-${res.body.id}`);
    if (!email) throw new Error(`outreach ${res.body.id} not at the Resend fake`);
    outreach.push({ id: res.body.id, email, sentAt: new Date(res.body.sentAt).getTime() });
  }
  // One svix-id per event; every event delivered COPIES times, all deliveries shuffled.
  const events = outreach.flatMap((o, oi) =>
    RESEND_TYPES.map((type, k) => ({
      outreach: oi,
      type,
      svixId: `msg_drill_${randomUUID().replaceAll('-', '')}`,
      payload: JSON.stringify(emailEvent(type, o.email, new Date(o.sentAt + (k + 1) * 1000))),
    })),
  );
  const deliveries = shuffle(
    events.flatMap((e) => Array.from({ length: COPIES }, (_, copy) => ({ ...e, copy }))),
    seed,
  );
  const statuses = await pool(
    deliveries.map(
      (d) => () =>
        h
          .request('POST', '/api/v1/webhooks/resend', {
            rawBody: d.payload,
            headers: { ...signWebhook(h.webhookSecret, d.payload, { id: d.svixId }), 'content-type': 'application/json' },
          })
          .then((r) => ({ d, status: r.status, body: r.body })),
    ),
    4,
  );
  const refused = statuses.filter((s) => s.status !== 200 || s.body?.received !== true || s.body?.ignored);
  for (const s of refused.slice(0, 10))
    t.failures.push(`resend: delivery of ${s.d.type} (${s.d.svixId}, copy ${s.d.copy}) answered ${s.status} ${JSON.stringify(s.body)}`);
  t.checked.push(
    `resend: ${deliveries.length} signed deliveries (${events.length} events × ${COPIES}, shuffled, 4 concurrent) of ${outreach.length} outreach e-mails answered 200 {received: true} (${deliveries.length - refused.length}/${deliveries.length})`,
  );

  let duplicates = 0;
  let missing = 0;
  const rows = await h
    .db('candidate_outreach_events')
    .whereIn(
      'outreach_id',
      outreach.map((o) => o.id),
    )
    .select('provider_event_id', 'outreach_id', 'type');
  for (const e of events) {
    const n = rows.filter((r) => r.provider_event_id === e.svixId).length;
    if (n === 0) {
      missing++;
      t.failures.push(`resend: event ${e.type} (${e.svixId}) of outreach ${outreach[e.outreach]!.id} not stored`);
    }
    if (n > 1) {
      duplicates += n - 1;
      t.failures.push(`resend: event ${e.svixId} stored ${n}×`);
    }
  }
  const stray = rows.length - events.length + missing - duplicates;
  if (stray !== 0) t.failures.push(`resend: ${stray} stored event rows that match no delivered svix-id`);
  t.checked.push(
    `resend: exactly one candidate_outreach_events row per svix-id (${events.length} ids, ${rows.length} rows; duplicates ${duplicates}, missing ${missing})`,
  );

  // The timeline as for in-order delivery: each outreach's events ordered by when they happened.
  const timeline = await h.request('GET', `/api/v1/candidates/${m.candidateId}/outreach`, { actor: m.actors.recruiter });
  let timelinesOk = 0;
  for (const o of outreach) {
    const got = (timeline.body?.outreach ?? []).find((x: { id: string }) => x.id === o.id)?.events ?? [];
    const want = RESEND_TYPES.map((type, k) => ({ type, occurredAt: new Date(o.sentAt + (k + 1) * 1000).toISOString() }));
    if (JSON.stringify(got) === JSON.stringify(want)) timelinesOk++;
    else t.failures.push(`resend: timeline of outreach ${o.id} is ${JSON.stringify(got)}, in-order delivery gives ${JSON.stringify(want)}`);
  }
  t.checked.push(`resend: each outreach's timeline equals in-order delivery's (${timelinesOk}/${outreach.length})`);
  t.lost += duplicates + missing;
  t.details.resend = {
    outreach: outreach.length,
    events: events.length,
    deliveries: deliveries.length,
    duplicates,
    missing,
    refused: refused.length,
  };
}

async function atsDrill(h: DrillStack, seed: number, t: Tally) {
  const ats = await startGreenhouseFake();
  try {
    const { applications } = seedSmall(ats);
    const m = await createMarketplace(h.db);
    const created = await h.request('POST', '/api/v1/integrations', {
      actor: m.actors.companyAdmin,
      body: {
        platform: ats.platform,
        credentials: ats.config.credentials,
        baseUrl: ats.config.baseUrl,
        ...(ats.config.authUrl && { authUrl: ats.config.authUrl }),
        webhookSecret: ats.webhookSecret,
      },
    });
    if (created.status !== 201) throw new Error(`integration not connected: ${created.status} ${created.text}`);
    const integration = created.body as { id: string; workflowId: string };
    const synced = await eventually(async () => {
      const res = await h.request('GET', `/api/v1/integrations/${integration.id}`, { actor: m.actors.companyAdmin });
      return res.body?.live?.runs >= 1 && !res.body.live.syncing ? res.body : undefined;
    }, 60_000);
    if (!synced) throw new Error("the integration's first sync did not finish within 60s");

    // Each application moves through three stages; each move's webhook is captured when it happens.
    const moved = applications.slice(0, 3);
    const events: { app: string; deliveryId: string; stage: string; body: string; headers: Record<string, string> }[] = [];
    for (const app of moved) {
      for (const [k, stage] of ats.stages.slice(1, 4).entries()) {
        await sleep(15); // distinct timestamps per move
        ats.moveApplication(app, stage);
        const deliveryId = `drill-${app}-${k}-${randomUUID().slice(0, 8)}`;
        const d = ats.stageChangeWebhook(app, { deliveryId });
        events.push({ app, deliveryId, stage, body: d.body, headers: d.headers });
      }
    }
    const url = `/api/v1/integrations/${integration.id}/webhooks`;
    const deliveries = shuffle(
      events.flatMap((e) => Array.from({ length: COPIES }, (_, copy) => ({ ...e, copy }))),
      seed + 1,
    );
    const results = await pool(
      deliveries.map(
        (d) => () =>
          h
            .request('POST', url, {
              rawBody: d.body,
              headers: { ...d.headers, 'content-type': 'application/json' },
            })
            .then((r) => ({ d, status: r.status, body: r.body })),
      ),
      3,
    );
    const refused = results.filter((r) => r.status !== 200);
    for (const r of refused.slice(0, 10))
      t.failures.push(`ats: delivery ${r.d.deliveryId} (copy ${r.d.copy}) answered ${r.status} ${JSON.stringify(r.body)}`);
    t.checked.push(
      `ats: ${deliveries.length} Greenhouse-signed deliveries (${events.length} stage-change events × ${COPIES}, shuffled, 3 concurrent) answered 200 (${deliveries.length - refused.length}/${deliveries.length})`,
    );

    const ids = events.map((e) => e.deliveryId);
    const stored = await eventually(async () => {
      const rows = await h
        .db('ats_events')
        .where({ integration_id: integration.id })
        .whereIn('provider_event_id', ids)
        .select('provider_event_id');
      return new Set(rows.map((r) => r.provider_event_id)).size === ids.length ? rows : undefined;
    }, 30_000);
    // Let the workflow finish whatever it still holds, then read once more.
    const handle = h.temporal.workflow.getHandle(integration.workflowId);
    await eventually(async () => {
      const s = await handle.query(syncStatusQuery);
      return s.webhookEvents.stored + s.webhookEvents.duplicates >= s.webhookEvents.received && !s.syncing;
    }, 20_000);
    await sleep(1000);
    const rows = await h
      .db('ats_events')
      .where({ integration_id: integration.id })
      .whereIn('provider_event_id', ids)
      .select('provider_event_id');
    if (!stored) t.failures.push(`ats: only ${new Set(rows.map((r) => r.provider_event_id)).size}/${ids.length} events stored within 30s`);
    let duplicates = 0;
    let missing = 0;
    for (const id of ids) {
      const n = rows.filter((r) => r.provider_event_id === id).length;
      if (n === 0) {
        missing++;
        t.failures.push(`ats: event ${id} not stored`);
      }
      if (n > 1) {
        duplicates += n - 1;
        t.failures.push(`ats: event ${id} stored ${n}×`);
      }
    }
    t.checked.push(
      `ats: exactly one ats_events row per provider event id (${ids.length} ids; duplicates ${duplicates}, missing ${missing})`,
    );

    let historyDuplicates = 0;
    let finalOk = 0;
    const finals: Record<string, { expected: string; actual: string | null | undefined; history: string[] }> = {};
    for (const app of moved) {
      const map = await h
        .db('external_entity_map')
        .where({ integration_id: integration.id, entity_type: 'application', external_id: app })
        .first();
      if (!map) {
        t.failures.push(`ats: application ${app} was never synced`);
        missing++;
        continue;
      }
      const history = await h
        .db('application_stage_history')
        .where({ application_id: map.internal_id })
        .orderBy('id')
        .select('from_stage', 'to_stage', 'occurred_at', 'change_key', 'reason');
      const seen = new Map<string, number>();
      for (const row of history) {
        const key = `${row.to_stage}@${new Date(row.occurred_at).toISOString()}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      for (const [key, n] of seen)
        if (n > 1) {
          historyDuplicates += n - 1;
          t.failures.push(`ats: application ${app} has the move to ${key} ${n}× in its stage history`);
        }
      const latest = events.filter((e) => e.app === app).at(-1)!.stage;
      // The ATS's name stays as the label beside our canonical stage (domain/ats-stages.ts).
      const row = await h.db('applications').where({ id: map.internal_id }).first('stage', 'stage_label');
      finals[app] = { expected: latest, actual: row?.stage_label, history: history.map((r) => `${r.from_stage}→${r.to_stage}`) };
      if (row?.stage_label === latest && row.stage === canonicalStage(latest)) finalOk++;
      else {
        const order = deliveries.filter((d) => d.app === app).map((d) => `${d.stage}`);
        t.failures.push(
          `ats: application ${app} ends at stage "${row?.stage}" labelled "${row?.stage_label}", but its latest event moved it to "${latest}" (deliveries in order: ${order.join(' → ')}; history: ${finals[app]!.history.join(', ')})`,
        );
      }
    }
    t.checked.push(`ats: stage history of ${moved.length} applications without duplicate moves (${historyDuplicates} duplicates)`);
    t.checked.push(`ats: each application's final stage is its latest event's (${finalOk}/${moved.length})`);
    t.lost += duplicates + missing + historyDuplicates;
    t.details.ats = { events: events.length, deliveries: deliveries.length, duplicates, missing, historyDuplicates, finals };
  } finally {
    await ats.close();
  }
}

const drill: Drill = {
  name: 'webhooks',
  timeoutMs: 10 * 60_000,
  async run() {
    const seed = Number(process.env.DRILL_SEED ?? Date.now() % 2 ** 31);
    const t: Tally = { checked: [], failures: [], lost: 0, details: { seed } };
    const h = await startDrillStack();
    try {
      await resendDrill(h, seed, t);
      await atsDrill(h, seed, t);
      await stripeDrill(h, seed, t);
      await feeDrill(h, seed, t);
      await moneyInDrill(h, seed, t);
      return { checked: t.checked, lost: t.lost, failures: t.failures, details: t.details };
    } finally {
      await h.stop();
    }
  },
};

export default drill;
