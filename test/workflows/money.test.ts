import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  COLLABORATOR_ROLES,
  ROLE_WEIGHTS,
  allocateTranche,
  apportion,
  bpsToPercent,
  defaultSplitBps,
  percentToBps,
  splitProblems,
  tranches,
  type CollaboratorRole,
} from '../../workflows/money.js';

const role = fc.constantFrom(...COLLABORATOR_ROLES);
const roles = fc.array(role, { minLength: 1, maxLength: 10 });
/** Valid custom splits: n shares of at least 500 bps summing to 10000. */
const validSplits = fc.integer({ min: 1, max: 10 }).chain((n) =>
  fc.array(fc.nat({ max: 10_000 }), { minLength: n, maxLength: n }).map((raw) => {
    const spare = 10_000 - 500 * n;
    const extra = raw.some((r) => r > 0) ? apportion(spare, raw) : apportion(spare, raw.map(() => 1));
    return extra.map((e) => 500 + e);
  }),
);

/** |part - total*w/sum| <= 1, checked exactly with BigInt cross-multiplication. */
const withinOneOfExactShare = (part: number, total: number, w: number, sum: number) => {
  const diff = BigInt(part) * BigInt(sum) - BigInt(total) * BigInt(w);
  return (diff < 0n ? -diff : diff) < BigInt(sum);
};

describe('split arithmetic examples', () => {
  it('splits one of each role 40/30/20/10', () => {
    expect(defaultSplitBps(COLLABORATOR_ROLES.map((r) => ({ role: r })))).toEqual([4000, 3000, 2000, 1000]);
  });
  it('renormalises over the roles present and shares a role equally', () => {
    expect(defaultSplitBps([{ role: 'sourcer' }, { role: 'closer' }])).toEqual([6667, 3333]);
    expect(defaultSplitBps([{ role: 'sourcer' }, { role: 'sourcer' }, { role: 'closer' }])).toEqual([3334, 3333, 3333]);
  });
  it('holds back 20 % of $1000.01 rounding down and pays the rest at activation', () => {
    expect(tranches(100_001, 2000)).toEqual({ activationCents: 80_001, holdbackCents: 20_000 });
  });
  it('gives leftover cents to the largest remainders', () => {
    expect(allocateTranche(100, [3333, 3333, 3334])).toEqual([33, 33, 34]);
    expect(allocateTranche(1, [5000, 5000])).toEqual([1, 0]);
  });
  it('reads percentages from their decimal text', () => {
    expect([percentToBps('33.33'), percentToBps('0.07'), percentToBps(12.5), percentToBps('100')]).toEqual([3333, 7, 1250, 10_000]);
    for (const bad of ['33.333', '-1', '101', 'abc', '']) expect(() => percentToBps(bad), bad).toThrow(RangeError);
    expect([bpsToPercent(3333), bpsToPercent(4000), bpsToPercent(550)]).toEqual(['33.33', '40', '5.5']);
  });
  it('refuses money that is not a positive integer of cents', () => {
    for (const fee of [0, -5, 10.5, Number.NaN, 2 ** 60]) expect(() => tranches(fee, 2000), String(fee)).toThrow(RangeError);
    expect(() => apportion(-1, [1])).toThrow(RangeError);
    expect(() => apportion(10, [0, 0])).toThrow(RangeError);
  });
});

describe('split validation', () => {
  const split = (n: number, bps: number, r = 'sourcer') => Array.from({ length: n }, () => ({ role: r, splitBps: bps }));
  it.each([
    ['no collaborators', [], [['collaborators']]],
    ['an 11th collaborator', split(11, 909).map((c, i) => ({ ...c, splitBps: i === 0 ? 910 : 909 })), [['collaborators']]],
    ['a 4.99 % share', [{ role: 'sourcer', splitBps: 499 }, { role: 'closer', splitBps: 9501 }], [['collaborators', 0, 'splitBps']]],
    ['a sum of 99.99 %', [{ role: 'sourcer', splitBps: 5000 }, { role: 'closer', splitBps: 4999 }], [['collaborators']]],
    ['a fractional basis point', [{ role: 'sourcer', splitBps: 5000.5 }, { role: 'closer', splitBps: 4999.5 }], [['collaborators', 0, 'splitBps'], ['collaborators', 1, 'splitBps'], ['collaborators']]],
    ['an unknown role', [{ role: 'cheerleader', splitBps: 10_000 }], [['collaborators', 0, 'role']]],
  ])('reports %s', (_name, collaborators, paths) => {
    expect(splitProblems(collaborators).map((p) => p.path)).toEqual(paths);
  });
});

describe('split arithmetic properties', () => {
  it('apportion sums exactly to the total and keeps every part within one unit of its exact share', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e12 }), fc.array(fc.nat({ max: 1e6 }), { minLength: 1, maxLength: 12 }).filter((w) => w.some((x) => x > 0)), (total, weights) => {
        const parts = apportion(total, weights);
        const sum = weights.reduce((a, b) => a + b, 0);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        expect(parts.every((p, i) => withinOneOfExactShare(p, total, weights[i]!, sum))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('default splits sum to 100 %, share a role equally and follow the role weights', () => {
    fc.assert(
      fc.property(roles, (rs) => {
        const bps = defaultSplitBps(rs.map((r) => ({ role: r })));
        expect(bps.reduce((a, b) => a + b, 0)).toBe(10_000);
        const byRole = new Map<CollaboratorRole, number[]>();
        rs.forEach((r, i) => byRole.set(r, [...(byRole.get(r) ?? []), bps[i]!]));
        const present = [...byRole.keys()];
        const weightSum = present.reduce((a, r) => a + ROLE_WEIGHTS[r], 0);
        for (const [r, shares] of byRole) {
          expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
          const roleTotal = shares.reduce((a, b) => a + b, 0);
          // The role's total is within one bp per collaborator of its renormalised weight.
          const diff = Math.abs(roleTotal * weightSum - 10_000 * ROLE_WEIGHTS[r]);
          expect(diff).toBeLessThanOrEqual(shares.length * weightSum);
        }
        expect(splitProblems(rs.map((r, i) => ({ role: r, splitBps: bps[i]! }))).filter((p) => !p.message.includes('at least'))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('every tranche is paid out to the cent, each collaborator within one cent of their percentage', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 0, max: 10_000 }), validSplits, (fee, holdbackBps, splits) => {
        const { activationCents, holdbackCents } = tranches(fee, holdbackBps);
        expect(activationCents + holdbackCents).toBe(fee);
        expect(activationCents).toBeGreaterThanOrEqual(0);
        for (const tranche of [activationCents, holdbackCents]) {
          const cents = allocateTranche(tranche, splits);
          expect(cents.reduce((a, b) => a + b, 0)).toBe(tranche);
          expect(cents.every((c, i) => withinOneOfExactShare(c, tranche, splits[i]!, 10_000))).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('validation accepts exactly the splits that follow the rules', () => {
    const anySplits = fc.array(fc.record({ role: fc.oneof(role, fc.constant('intern')), splitBps: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 10_000, noNaN: true })) }), { maxLength: 12 });
    fc.assert(
      fc.property(fc.oneof(validSplits.map((bps) => bps.map((b, i) => ({ role: COLLABORATOR_ROLES[i % 4]!, splitBps: b }))), anySplits), (collaborators) => {
        const valid =
          collaborators.length >= 1 && collaborators.length <= 10 &&
          collaborators.every((c) => (COLLABORATOR_ROLES as readonly string[]).includes(c.role) && Number.isInteger(c.splitBps) && c.splitBps >= 500) &&
          collaborators.reduce((a, c) => a + c.splitBps, 0) === 10_000;
        expect(splitProblems(collaborators).length === 0).toBe(valid);
      }),
      { numRuns: 1000 },
    );
  });
});
