import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { placementMoney } from '../../domain/placement-money.js';

const paid = (amountPaidCents: number, refundedCents = 0) =>
  ({ state: 'paid', amountCents: 1_000_000, amountPaidCents, refundedCents }) as const;

describe('placementMoney', () => {
  it('holds the holdback of a paid placement whose activation tranche went out, the platform fee off it kept', () => {
    expect(
      placementMoney({
        feeCents: 1_000_000,
        platformFeeBps: 1000,
        payment: paid(1_000_000),
        splitsOutCents: 720_000,
        paidPayoutsFeeCents: 80_000,
      }),
    ).toEqual({
      feeCents: 1_000_000,
      platformFeeCents: 100_000,
      collectedCents: 1_000_000,
      paidOutCents: 720_000,
      refundedCents: 0,
      outstandingCents: 0,
      heldCents: 200_000,
    });
  });

  it('keeps the platform fee in the share of the money not refunded, and holds nothing after a full refund', () => {
    const half = placementMoney({
      feeCents: 1_000_000,
      platformFeeBps: 1000,
      payment: paid(1_000_000, 500_000),
      splitsOutCents: 360_000,
      paidPayoutsFeeCents: 80_000,
    });
    expect(half.heldCents).toBe(1_000_000 - 500_000 - 360_000 - 40_000);
    const full = placementMoney({
      feeCents: 1_000_000,
      platformFeeBps: 1000,
      payment: paid(1_000_000, 1_000_000),
      splitsOutCents: 0,
      paidPayoutsFeeCents: 80_000,
    });
    expect(full.heldCents).toBe(0);
  });

  it('counts an open invoice as outstanding, a void one not, and nothing collected before money in', () => {
    const open = { state: 'open', amountCents: 1_000_000, amountPaidCents: 0, refundedCents: 0 } as const;
    const base = { feeCents: 1_000_000, platformFeeBps: 0, splitsOutCents: 0, paidPayoutsFeeCents: 0 };
    expect(placementMoney({ ...base, payment: open }).outstandingCents).toBe(1_000_000);
    expect(placementMoney({ ...base, payment: { ...open, state: 'void' } }).outstandingCents).toBe(0);
    expect(placementMoney({ ...base, payment: null })).toMatchObject({ collectedCents: 0, outstandingCents: 0, heldCents: 0 });
  });

  it('never holds less than nothing nor more than was collected', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 12 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (fee, bps, paidShare, refundShare, outShare) => {
          const collected = Math.floor(fee * paidShare);
          const refunded = Math.floor(collected * refundShare);
          const out = Math.floor((collected - refunded) * outShare);
          const m = placementMoney({
            feeCents: fee,
            platformFeeBps: bps,
            payment: { state: 'paid', amountCents: fee, amountPaidCents: collected, refundedCents: refunded },
            splitsOutCents: out,
            paidPayoutsFeeCents: Math.floor((fee * bps) / 10_000),
          });
          expect(m.heldCents).toBeGreaterThanOrEqual(0);
          expect(m.heldCents).toBeLessThanOrEqual(collected);
          expect(Number.isSafeInteger(m.heldCents)).toBe(true);
        },
      ),
    );
  });
});
