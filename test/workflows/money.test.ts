import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  COLLABORATOR_ROLES,
  MAX_COLLABORATORS,
  MIN_SPLIT_BPS,
  ROLE_WEIGHTS,
  TOTAL_BPS,
  allocateTranche,
  apportion,
  bpsToPercent,
  defaultSplitBps,
  percentToBps,
  splitProblems,
  tranches,
  type CollaboratorRole,
} from '../../domain/money.js';

const RUNS = { numRuns: 1000 };
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const abs = (n: bigint) => (n < 0n ? -n : n);

/** part is the floor or ceiling of total*w/weightSum, checked exactly: |part*weightSum - total*w| < weightSum. */
const floorOrCeilOfShare = (part: number, total: number, w: number, weightSum: number) =>
  abs(BigInt(part) * BigInt(weightSum) - BigInt(total) * BigInt(w)) < BigInt(weightSum);

const role = fc.constantFrom(...COLLABORATOR_ROLES);
/**
 * Valid custom splits, built without the code under test: n shares of 500 bps plus the
 * spare 10000 - 500n cut at n-1 random points (fast-check favours cuts at the ends, so
 * shares of exactly 500 bps come up often).
 */
const validSplits = fc.integer({ min: 1, max: MAX_COLLABORATORS }).chain((n) => {
  const spare = TOTAL_BPS - MIN_SPLIT_BPS * n;
  return fc.array(fc.integer({ min: 0, max: spare }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
    const edges = [0, ...[...cuts].sort((a, b) => a - b), spare];
    return Array.from({ length: n }, (_, i) => MIN_SPLIT_BPS + edges[i + 1]! - edges[i]!);
  });
});
const validCollaborators = fc
  .tuple(validSplits, fc.array(role, { minLength: MAX_COLLABORATORS, maxLength: MAX_COLLABORATORS }))
  .map(([bps, roles]): { role: string; splitBps: number }[] => bps.map((splitBps, i) => ({ role: roles[i]!, splitBps })));

describe('split arithmetic examples', () => {
  it('splits one collaborator of each role 40/30/20/10', () => {
    expect(defaultSplitBps(COLLABORATOR_ROLES.map((r) => ({ role: r })))).toEqual([4000, 3000, 2000, 1000]);
  });

  it('renormalises a sourcer and a closer to 66.67 % / 33.33 %', () => {
    expect(defaultSplitBps([{ role: 'sourcer' }, { role: 'closer' }])).toEqual([6667, 3333]);
  });

  it('shares the sourcer weight between two sourcers, the leftover bp going to the earliest: 3334/3333/3333', () => {
    // sourcer 40 and closer 20 renormalise to 2/3 and 1/3: every collaborator's exact share is 3333.33 bps.
    expect(defaultSplitBps([{ role: 'sourcer' }, { role: 'sourcer' }, { role: 'closer' }])).toEqual([3334, 3333, 3333]);
    expect(defaultSplitBps([{ role: 'closer' }, { role: 'sourcer' }, { role: 'sourcer' }])).toEqual([3334, 3333, 3333]);
  });

  it('lets a default share fall below 5 % (1 sourcer + 9 support) and splitProblems reports each one', () => {
    const collaborators: { role: CollaboratorRole }[] = [
      { role: 'sourcer' },
      ...Array.from({ length: 9 }, () => ({ role: 'support' as const })),
    ];
    const bps = defaultSplitBps(collaborators);
    expect(bps).toEqual([8000, 223, 223, 222, 222, 222, 222, 222, 222, 222]);
    const problems = splitProblems(collaborators.map((c, i) => ({ ...c, splitBps: bps[i]! })));
    expect(problems.map((p) => p.path)).toEqual(Array.from({ length: 9 }, (_, i) => ['collaborators', i + 1, 'splitBps']));
  });

  it('holds back 20 % of a $1000.01 fee rounding down ($200.00) and pays the rest ($800.01) at activation', () => {
    expect(tranches(100_001, 2000)).toEqual({ activationCents: 80_001, holdbackCents: 20_000 });
    expect(tranches(100_001, 0)).toEqual({ activationCents: 100_001, holdbackCents: 0 });
    expect(tranches(100_001, 10_000)).toEqual({ activationCents: 0, holdbackCents: 100_001 });
  });

  it('allocates 100 cents by 33.33/33.33/33.34 % as 33/33/34 cents', () => {
    expect(allocateTranche(100, [3333, 3333, 3334])).toEqual([33, 33, 34]);
  });

  it('gives leftover units to the largest remainders, ties to the earlier input', () => {
    expect(allocateTranche(1, [5000, 5000])).toEqual([1, 0]);
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(5, [1, 2])).toEqual([2, 3]); // exact 1.67 / 3.33: the 0.67 remainder wins
    expect(apportion(7, [0, 3, 0])).toEqual([0, 7, 0]);
  });

  it('reads percentages from their decimal text, including numbers that float multiplication misrounds', () => {
    expect([percentToBps('33.33'), percentToBps('0.07'), percentToBps(12.5), percentToBps('5'), percentToBps(' 40 ')]).toEqual([
      3333, 7, 1250, 500, 4000,
    ]);
    expect([percentToBps('0'), percentToBps('100'), percentToBps('100.00'), percentToBps('5.5'), percentToBps(33.33)]).toEqual([
      0, 10_000, 10_000, 550, 3333,
    ]);
    // 0.29 * 100 === 28.999999999999996 and 4.35 * 100 === 434.99999999999994.
    expect([percentToBps(0.29), percentToBps(4.35), percentToBps(0.57)]).toEqual([29, 435, 57]);
  });

  it.each([
    '33.333',
    '-1',
    '101',
    'abc',
    '',
    '100.01',
    '1e2',
    '.5',
    '5.',
    '5 %',
    'NaN',
    '1'.repeat(40),
    33.333,
    -1,
    101,
    Number.NaN,
    Infinity,
    1e-7,
  ])('rejects the percentage %j', (bad) => {
    expect(() => percentToBps(bad)).toThrow(RangeError);
  });

  it('formats basis points as percentages without trailing zeros', () => {
    expect([3333, 4000, 550, 7, 0, 10_000, -50, -150].map(bpsToPercent)).toEqual([
      '33.33',
      '40',
      '5.5',
      '0.07',
      '0',
      '100',
      '-0.5',
      '-1.5',
    ]);
    expect(() => bpsToPercent(12.5)).toThrow(RangeError);
  });

  it('reads back every bpsToPercent from 0 to 10000 bps, as text and as a number', () => {
    const misread: string[] = [];
    for (let bps = 0; bps <= TOTAL_BPS; bps++) {
      const text = bpsToPercent(bps);
      if (percentToBps(text) !== bps || percentToBps(Number(text)) !== bps) misread.push(`${bps} bps → ${text}`);
    }
    expect(misread).toEqual([]);
  });

  it('refuses money that is not a positive integer of cents and holdbacks outside 0..100 %', () => {
    for (const fee of [0, -5, 10.5, Number.NaN, Infinity, 2 ** 60]) expect(() => tranches(fee, 2000), String(fee)).toThrow(RangeError);
    for (const holdback of [-1, 10_001, 0.5, Number.NaN]) expect(() => tranches(100, holdback), String(holdback)).toThrow(RangeError);
  });

  it('refuses to apportion a negative or fractional total, or by no, negative, fractional or all-zero weights', () => {
    for (const [total, weights] of [
      [-1, [1]],
      [1.5, [1]],
      [10, []],
      [10, [0, 0]],
      [10, [-1, 2]],
      [10, [1.5, 1]],
      [10, [Number.NaN]],
    ] as const) {
      expect(() => apportion(total, weights), `${total} by [${weights.join()}]`).toThrow(RangeError);
    }
    expect(() => defaultSplitBps([])).toThrow(RangeError);
    expect(() => defaultSplitBps([{ role: 'intern' as CollaboratorRole }])).toThrow(RangeError);
  });
});

describe('split validation', () => {
  const sourcers = (bps: number[]) => bps.map((splitBps) => ({ role: 'sourcer', splitBps }));
  const problem = (path: (string | number)[], message: RegExp) => ({ path, message: expect.stringMatching(message) });

  it.each([
    ['a valid split', sourcers([4000, 3000, 2000, 1000]), []],
    ['0 collaborators', [], [problem(['collaborators'], /1 to 10 collaborators, got 0/)]],
    ['11 collaborators', sourcers([1000, ...Array<number>(10).fill(900)]), [problem(['collaborators'], /1 to 10 collaborators, got 11/)]],
    ['a 4.99 % share', sourcers([499, 9501]), [problem(['collaborators', 0, 'splitBps'], /at least 5 %, got 4\.99 %/)]],
    ['a sum of 99.99 %', sourcers([5000, 4999]), [problem(['collaborators'], /sum to exactly 100 %, got 99\.99 %/)]],
    ['a sum of 100.01 %', sourcers([5000, 5001]), [problem(['collaborators'], /sum to exactly 100 %, got 100\.01 %/)]],
    [
      'non-integer basis points (and no total until they are whole)',
      sourcers([5000.5, 4999.5]),
      [
        problem(['collaborators', 0, 'splitBps'], /whole number of basis points/),
        problem(['collaborators', 1, 'splitBps'], /whole number of basis points/),
      ],
    ],
    [
      'an unknown role',
      [{ role: 'cheerleader', splitBps: 10_000 }],
      [problem(['collaborators', 0, 'role'], /role must be one of sourcer, submitter, closer, support/)],
    ],
    [
      'every problem at once',
      [
        { role: 'intern', splitBps: 400 },
        { role: 'closer', splitBps: 9000 },
      ],
      [
        problem(['collaborators', 0, 'role'], /role must be one of/),
        problem(['collaborators', 0, 'splitBps'], /at least 5 %, got 4 %/),
        problem(['collaborators'], /got 94 %/),
      ],
    ],
  ])('reports %s', (_name, collaborators, expected) => {
    expect(splitProblems(collaborators)).toEqual(expected);
  });
});

describe('split arithmetic properties', () => {
  const totals = fc.oneof(fc.nat({ max: 100 }), fc.nat({ max: 1e12 }), fc.maxSafeNat());
  const weightLists = fc
    .array(fc.oneof(fc.nat({ max: 10 }), fc.nat({ max: 1e9 })), { minLength: 1, maxLength: 12 })
    .filter((ws) => ws.some((w) => w > 0));

  it('apportion sums exactly to the total and keeps every part the floor or ceiling of total*w/sum(w)', () => {
    fc.assert(
      fc.property(totals, weightLists, (total, weights) => {
        const parts = apportion(total, weights);
        expect(parts).toHaveLength(weights.length);
        expect(sum(parts)).toBe(total);
        parts.forEach((p, i) => expect(floorOrCeilOfShare(p, total, weights[i]!, sum(weights)), `part ${i}`).toBe(true));
      }),
      RUNS,
    );
  });

  it('apportion rounds up only parts whose remainder is at least that of every part rounded down (earlier wins ties)', () => {
    fc.assert(
      fc.property(totals, weightLists, (total, weights) => {
        const parts = apportion(total, weights);
        const weightSum = BigInt(sum(weights));
        const info = parts.map((p, i) => {
          const exact = BigInt(total) * BigInt(weights[i]!);
          return { i, up: BigInt(p) * weightSum > exact, remainder: exact % weightSum };
        });
        for (const up of info.filter((x) => x.up)) {
          for (const down of info.filter((x) => !x.up)) {
            expect(up.remainder > down.remainder || (up.remainder === down.remainder && up.i < down.i)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('default splits of 1..10 collaborators sum to 100 %, share each role equally within 1 bp and follow the role weights within rounding', () => {
    fc.assert(
      fc.property(fc.array(role, { minLength: 1, maxLength: MAX_COLLABORATORS }), (roles) => {
        const bps = defaultSplitBps(roles.map((r) => ({ role: r })));
        expect(sum(bps)).toBe(TOTAL_BPS);
        const count = (r: CollaboratorRole) => roles.filter((x) => x === r).length;
        const weightSum = sum([...new Set(roles)].map((r) => ROLE_WEIGHTS[r]));
        for (const r of new Set(roles)) {
          const shares = bps.filter((_, i) => roles[i] === r);
          expect(Math.max(...shares) - Math.min(...shares), r).toBeLessThanOrEqual(1);
          // Each collaborator's exact share is 10000 * w_r / (n_r * W): floor or ceiling of it.
          for (const s of shares) expect(floorOrCeilOfShare(s, TOTAL_BPS, ROLE_WEIGHTS[r], count(r) * weightSum), r).toBe(true);
        }
        // Between any two collaborators a and b, s_a : s_b follows (w_a/n_a) : (w_b/n_b) up to
        // each being off by under 1 bp: |s_a*w_b*n_a - s_b*w_a*n_b| < w_b*n_a + w_a*n_b.
        roles.forEach((a, i) =>
          roles.forEach((b, j) => {
            const [wa, wb, na, nb] = [ROLE_WEIGHTS[a], ROLE_WEIGHTS[b], count(a), count(b)];
            expect(Math.abs(bps[i]! * wb * na - bps[j]! * wa * nb)).toBeLessThan(wb * na + wa * nb);
          }),
        );
      }),
      RUNS,
    );
  });

  it('tranches always sum to the fee, the holdback being floor(fee * holdbackBps / 10000)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        fc.integer({ min: 0, max: TOTAL_BPS }),
        (fee, holdbackBps) => {
          const { activationCents, holdbackCents } = tranches(fee, holdbackBps);
          expect(activationCents + holdbackCents).toBe(fee);
          expect(Number.isSafeInteger(activationCents) && activationCents >= 0 && Number.isSafeInteger(holdbackCents)).toBe(true);
          const exact = BigInt(fee) * BigInt(holdbackBps);
          expect(BigInt(holdbackCents) * 10_000n <= exact && exact < BigInt(holdbackCents + 1) * 10_000n).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('allocateTranche pays both tranches of any fee (1..10^12 cents) to the cent, each collaborator within one cent of tranche*bps/10000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 0, max: TOTAL_BPS }), validSplits, (fee, holdbackBps, splits) => {
        const { activationCents, holdbackCents } = tranches(fee, holdbackBps);
        for (const tranche of [activationCents, holdbackCents]) {
          const cents = allocateTranche(tranche, splits);
          expect(sum(cents)).toBe(tranche);
          cents.forEach((c, i) => expect(floorOrCeilOfShare(c, tranche, splits[i]!, TOTAL_BPS), `collaborator ${i}`).toBe(true));
        }
      }),
      RUNS,
    );
  });

  it('splitProblems returns [] exactly when there are 1..10 collaborators with known roles and whole splits >= 500 bps summing to 10000', () => {
    type Collaborator = { role: string; splitBps: number };
    // Valid splits nudged across a rule (or not: moving bps between two shares keeps the sum).
    const nudged = fc
      .tuple(
        validCollaborators,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: -600, max: 600 }),
        fc.constantFrom('bump', 'move', 'fraction', 'role', 'add', 'drop'),
      )
      .map(([cs, x, y, delta, how]): Collaborator[] => {
        const out = cs.map((c) => ({ ...c }));
        const [a, b] = [out[x % out.length]!, out[y % out.length]!];
        if (how === 'bump') a.splitBps += delta;
        if (how === 'move') [a.splitBps, b.splitBps] = [a.splitBps - delta, b.splitBps + delta];
        if (how === 'fraction') a.splitBps += 0.5;
        if (how === 'role') a.role = 'intern';
        if (how === 'add') out.push({ role: 'closer', splitBps: delta });
        if (how === 'drop') out.splice(x % out.length, 1);
        return out;
      });
    const arbitrary = fc.array(
      fc.record({
        role: fc.oneof(role, fc.constant('intern'), fc.string()),
        splitBps: fc.oneof(fc.integer({ min: -1000, max: 12_000 }), fc.double()),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(fc.oneof(validCollaborators, nudged, arbitrary), (collaborators) => {
        const valid =
          collaborators.length >= 1 &&
          collaborators.length <= 10 &&
          collaborators.every(
            (c) => (COLLABORATOR_ROLES as readonly string[]).includes(c.role) && Number.isInteger(c.splitBps) && c.splitBps >= 500,
          ) &&
          sum(collaborators.map((c) => c.splitBps)) === 10_000;
        const problems = splitProblems(collaborators);
        expect(problems.length === 0, JSON.stringify(problems)).toBe(valid);
        for (const { path } of problems) {
          const [root, i, field] = path;
          expect(root).toBe('collaborators');
          if (path.length > 1)
            expect(typeof i === 'number' && i < collaborators.length && (field === 'role' || field === 'splitBps')).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
