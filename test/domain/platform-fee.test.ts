import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_COLLABORATORS,
  MAX_PLATFORM_FEE_BPS,
  MIN_SPLIT_BPS,
  TOTAL_BPS,
  allocateTranche,
  allocateTrancheWithFee,
  platformFeeCents,
  tranches,
} from '../../domain/money.js';
import { TERMS } from '../../domain/terms.js';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Valid splits (n shares of at least 500 bps summing to 10000), built without the code under test. */
const validSplits = fc.integer({ min: 1, max: MAX_COLLABORATORS }).chain((n) => {
  const spare = TOTAL_BPS - MIN_SPLIT_BPS * n;
  return fc.array(fc.integer({ min: 0, max: spare }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
    const edges = [0, ...[...cuts].sort((a, b) => a - b), spare];
    return Array.from({ length: n }, (_, i) => MIN_SPLIT_BPS + edges[i + 1]! - edges[i]!);
  });
});
const feeBps = fc.oneof(
  fc.constantFrom(0, 1, 999, 1000, MAX_PLATFORM_FEE_BPS - 1, MAX_PLATFORM_FEE_BPS),
  fc.integer({ min: 0, max: MAX_PLATFORM_FEE_BPS }),
);
const trancheCents = fc.oneof(fc.nat({ max: 10 }), fc.nat({ max: 10_000_000 }), fc.nat({ max: 1e12 }), fc.maxSafeNat());

describe('platform fee rounding (product §3.3: floor to the cent)', () => {
  it('takes nothing at 0 bps, whatever the tranche', () => {
    for (const cents of [0, 1, 99, 100_001, Number.MAX_SAFE_INTEGER]) expect(platformFeeCents(cents, 0)).toBe(0);
  });

  it('takes nothing from a 1-cent tranche below 100 %, even at the 50 % maximum', () => {
    expect(platformFeeCents(1, 1)).toBe(0);
    expect(platformFeeCents(1, MAX_PLATFORM_FEE_BPS)).toBe(0);
    expect(allocateTrancheWithFee(1, [5000, 5000], MAX_PLATFORM_FEE_BPS)).toEqual({ platformFeeCents: 0, amounts: [1, 0] });
  });

  it('takes exactly half at 5000 bps, rounding an odd cent down to the recruiters', () => {
    expect(platformFeeCents(100_000, 5000)).toBe(50_000);
    expect(platformFeeCents(100_001, 5000)).toBe(50_000);
    expect(platformFeeCents(3, 5000)).toBe(1);
  });

  it('rounds odd cents down: 10 % of 12 345 is 1 234 (not 1 234.5 → 1 235), 10 % of 19 is 1', () => {
    expect(platformFeeCents(12_345, 1000)).toBe(1234);
    expect(platformFeeCents(19, 1000)).toBe(1);
    expect(platformFeeCents(9, 1000)).toBe(0);
  });

  it('is exact past 2^53 products (BigInt)', () => {
    // 900719925474099.1 * 5000 passes 2^53; the floor of MAX_SAFE/2 is exact.
    expect(platformFeeCents(Number.MAX_SAFE_INTEGER, 5000)).toBe(Math.floor(Number.MAX_SAFE_INTEGER / 2));
  });

  it('refuses a fee outside 0..5000 bps or fractional, and a negative or fractional tranche', () => {
    for (const bps of [-1, MAX_PLATFORM_FEE_BPS + 1, 0.5, Number.NaN])
      expect(() => platformFeeCents(100, bps), String(bps)).toThrow(RangeError);
    for (const cents of [-1, 1.5, Number.NaN]) expect(() => platformFeeCents(cents, 100), String(cents)).toThrow(RangeError);
  });

  it('uses the same limit as the platformFeeBps term', () => {
    expect(TERMS.platformFeeBps.max).toBe(MAX_PLATFORM_FEE_BPS);
    expect(TERMS.platformFeeBps.min).toBe(0);
  });

  it('with a 10 % fee, collaborators of 50/25/25 share the 90 % left by largest remainder', () => {
    // 100 001 cents: fee 10 000 (10 000.1 floored), 90 001 left: 45 000.5 / 22 500.25 / 22 500.25 → the .5 gets the spare cent.
    expect(allocateTrancheWithFee(100_001, [5000, 2500, 2500], 1000)).toEqual({
      platformFeeCents: 10_000,
      amounts: [45_001, 22_500, 22_500],
    });
  });
});

describe('platform fee properties', () => {
  it("recruiters' cents plus the platform fee are exactly the tranche, the fee is the floor of tranche*bps/10000, and the rest is allocateTranche of the remainder", () => {
    fc.assert(
      fc.property(trancheCents, validSplits, feeBps, (cents, splits, bps) => {
        const { platformFeeCents: fee, amounts } = allocateTrancheWithFee(cents, splits, bps);
        expect(fee + sum(amounts)).toBe(cents);
        // floor: fee*10000 <= cents*bps < (fee+1)*10000, checked exactly
        const exact = BigInt(cents) * BigInt(bps);
        expect(BigInt(fee) * 10_000n <= exact && exact < BigInt(fee + 1) * 10_000n).toBe(true);
        expect(amounts).toEqual(allocateTranche(cents - fee, splits));
      }),
      { numRuns: 2000 },
    );
  });

  it('a 0 bps fee pays exactly as before the platform fee existed', () => {
    fc.assert(
      fc.property(trancheCents, validSplits, (cents, splits) => {
        expect(allocateTrancheWithFee(cents, splits, 0)).toEqual({ platformFeeCents: 0, amounts: allocateTranche(cents, splits) });
      }),
      { numRuns: 1000 },
    );
  });

  it('over both tranches of a fee, the platform never takes more than its share of the whole fee', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e12 }),
        fc.integer({ min: 0, max: TOTAL_BPS }),
        validSplits,
        feeBps,
        (fee, holdback, splits, bps) => {
          const { activationCents, holdbackCents } = tranches(fee, holdback);
          const a = allocateTrancheWithFee(activationCents, splits, bps);
          const h = allocateTrancheWithFee(holdbackCents, splits, bps);
          const platform = a.platformFeeCents + h.platformFeeCents;
          expect(platform + sum(a.amounts) + sum(h.amounts)).toBe(fee);
          // Each tranche floors, so the total is within one cent per tranche below fee*bps/10000.
          const exact = BigInt(fee) * BigInt(bps);
          expect(BigInt(platform) * 10_000n <= exact).toBe(true);
          expect(BigInt(platform + 2) * 10_000n > exact).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
