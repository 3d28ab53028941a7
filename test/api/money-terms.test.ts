import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCandidate, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  // Invoices stay open: the due date Stripe was given is what this file reads.
  h = await startApiHarness(undefined, { companiesPayAtOnce: false });
});
afterAll(async () => {
  await h?.stop();
});

const DAY = 86_400_000;
const hire = async (m: Marketplace) => {
  const res = await h.request('POST', '/api/v1/placements', {
    actor: m.actors.companyAdmin,
    body: placementBody(m, { candidateId: await createCandidate(h.db) }),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
/** The placement's invoice once created, with Stripe's own due date for it. */
const invoiceOf = async (placementId: string) => {
  const row = (await eventually(async () => {
    const p = await h.db('placement_payments').where({ placement_id: placementId }).first();
    return p?.stripe_invoice_id ? p : undefined;
  }))!;
  const invoice = await h.stripe.client().invoices.retrieve(row.stripe_invoice_id!);
  return { row, invoice };
};

describe('payment terms and refund policy through the API', () => {
  it('apply to placements recorded after the change; a placement recorded before keeps the terms it started with', async () => {
    const m = await createMarketplace(h.db);
    const before = await hire(m);
    const first = await invoiceOf(before);
    expect(first.invoice).toMatchObject({ collection_method: 'send_invoice', amount_due: 2_500_000 });
    expect(first.invoice.due_date! - first.invoice.status_transitions.finalized_at!).toBe(30 * 86_400);

    const change = await h.request('PATCH', `/api/v1/companies/${m.companyId}/terms`, {
      actor: m.actors.companyAdmin,
      body: { paymentTermsDays: 7, refundPolicy: 'pro_rata', reason: 'new contract' },
    });
    expect(change.status).toBe(200);
    const after = await hire(m);
    const second = await invoiceOf(after);
    expect(second.invoice.due_date! - second.invoice.status_transitions.finalized_at!).toBe(7 * 86_400);
    expect(new Date(second.row.due_at!).getTime() - new Date(first.row.due_at!).getTime()).toBeLessThan(-22 * DAY);

    const snapshots = await h.db('placements').whereIn('id', [before, after]).select('id', 'payment_terms_days', 'refund_policy');
    expect(Object.fromEntries(snapshots.map((p) => [p.id, [p.payment_terms_days, p.refund_policy]]))).toEqual({
      [before]: [30, 'full'],
      [after]: [7, 'pro_rata'],
    });
    // The earlier invoice was not touched by the change.
    expect((await h.stripe.client().invoices.retrieve(first.row.stripe_invoice_id!)).due_date).toBe(first.invoice.due_date);
  });

  it('refuses out-of-range terms with a 400 naming the field, and invoices nothing differently', async () => {
    const m = await createMarketplace(h.db);
    for (const body of [{ paymentTermsDays: 121 }, { paymentTermsDays: -1 }, { refundPolicy: 'half' }, { paymentTermsDays: 1.5 }]) {
      const res = await h.request('PATCH', `/api/v1/companies/${m.companyId}/terms`, { actor: m.actors.companyAdmin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toEqual([Object.keys(body)[0]]);
    }
    const placement = await hire(m);
    expect(await h.db('placements').where({ id: placement }).first()).toMatchObject({ payment_terms_days: 30, refund_policy: 'full' });
  });
});
