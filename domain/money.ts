/**
 * Split-fee arithmetic (product §3.3), pure and deterministic: shared by workflows,
 * activities and the API. Money is integer cents, shares are integer basis points
 * (10000 = 100 %); products go through BigInt, so nothing is ever rounded by a float.
 */
export const COLLABORATOR_ROLES = ['sourcer', 'submitter', 'closer', 'support'] as const;
export type CollaboratorRole = (typeof COLLABORATOR_ROLES)[number];

/** Default role weights (product §3.3): sourcer 40 / submitter 30 / closer 20 / support 10. */
export const ROLE_WEIGHTS: Record<CollaboratorRole, number> = { sourcer: 40, submitter: 30, closer: 20, support: 10 };
export const MIN_COLLABORATORS = 1;
export const MAX_COLLABORATORS = 10;
export const MIN_SPLIT_BPS = 500;
export const TOTAL_BPS = 10_000;

const isNonNegativeSafeInteger = (n: number) => Number.isSafeInteger(n) && n >= 0;
const isRole = (role: string): role is CollaboratorRole => (COLLABORATOR_ROLES as readonly string[]).includes(role);

/**
 * Largest-remainder apportionment of `total` units by `weights`: each part is the floor of
 * its exact share total*w/sum, and the units left over (fewer than weights.length) go one
 * each to the largest remainders (ties: earlier first). The parts sum exactly to `total`;
 * each is the floor or the ceiling of its exact share.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (!isNonNegativeSafeInteger(total)) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (weights.length === 0) throw new RangeError('no weights to apportion by');
  if (!weights.every((w) => isNonNegativeSafeInteger(w))) throw new RangeError(`weights must be non-negative integers, got ${weights.join(', ')}`);
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (sum === 0n) throw new RangeError('weights must not all be zero');
  // total * w can pass 2^53 (e.g. 10^12 cents × 10^4 bps): BigInt keeps it exact.
  const exact = weights.map((w) => BigInt(total) * BigInt(w));
  const parts = exact.map((e) => e / sum);
  let left = BigInt(total) - parts.reduce((a, b) => a + b, 0n);
  const byRemainder = exact
    .map((e, i) => ({ i, remainder: e % sum }))
    .sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  for (const { i } of byRemainder) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

/**
 * Default split in basis points: each role present gets its weight renormalised over the
 * roles present, shared equally among that role's collaborators; sums to exactly 10000.
 * This is arithmetic only: with many collaborators a share can fall below MIN_SPLIT_BPS
 * (1 sourcer + 9 support gives each support 222 bps), so run splitProblems on the result.
 */
export function defaultSplitBps(collaborators: readonly { role: CollaboratorRole }[]): number[] {
  if (collaborators.length === 0) throw new RangeError('no collaborators to split between');
  const perRole = new Map<CollaboratorRole, number>();
  for (const { role } of collaborators) {
    // Guards callers that pass unchecked input (the type says it can't happen).
    if (!isRole(role)) throw new RangeError(`unknown collaborator role: ${String(role)}`);
    perRole.set(role, (perRole.get(role) ?? 0) + 1);
  }
  // One collaborator's weight is (role weight / collaborators in the role); multiplying
  // every weight by the product of the counts keeps them integers without changing ratios.
  const scale = [...perRole.values()].reduce((a, b) => a * b, 1);
  return apportion(TOTAL_BPS, collaborators.map(({ role }) => (ROLE_WEIGHTS[role] * scale) / perRole.get(role)!));
}

export type SplitProblem = { path: (string | number)[]; message: string };

/**
 * Problems with custom splits (none when valid): 1..10 collaborators with known roles, each
 * split a whole number of basis points >= 500 (5 %), all summing to exactly 10000 (100 %), and
 * (when recruiters are named) each recruiter once: one person is one collaborator with one split.
 * Paths name the offending field (['collaborators', i, 'splitBps' | 'role']) or the list
 * (['collaborators']) so the API can return them as 400/422 details.
 */
export function splitProblems(collaborators: readonly { role: string; splitBps: number; recruiterId?: string }[]): SplitProblem[] {
  const problems: SplitProblem[] = [];
  const seen = new Set<string>();
  if (collaborators.length < MIN_COLLABORATORS || collaborators.length > MAX_COLLABORATORS) {
    problems.push({ path: ['collaborators'], message: `a placement has ${MIN_COLLABORATORS} to ${MAX_COLLABORATORS} collaborators, got ${collaborators.length}` });
  }
  collaborators.forEach((c, i) => {
    if (!isRole(c.role)) {
      problems.push({ path: ['collaborators', i, 'role'], message: `role must be one of ${COLLABORATOR_ROLES.join(', ')}` });
    }
    if (!Number.isSafeInteger(c.splitBps)) {
      problems.push({ path: ['collaborators', i, 'splitBps'], message: 'a split is a whole number of basis points' });
    } else if (c.splitBps < MIN_SPLIT_BPS) {
      problems.push({ path: ['collaborators', i, 'splitBps'], message: `each split is at least ${bpsToPercent(MIN_SPLIT_BPS)} %, got ${bpsToPercent(c.splitBps)} %` });
    }
    if (c.recruiterId !== undefined) {
      if (seen.has(c.recruiterId)) problems.push({ path: ['collaborators', i, 'recruiterId'], message: 'a recruiter is a collaborator at most once (one role, one split)' });
      seen.add(c.recruiterId);
    }
  });
  // The total only means something once every split is a whole number of bps; until then
  // the per-split problems above say what to fix.
  if (collaborators.length > 0 && collaborators.every((c) => Number.isSafeInteger(c.splitBps))) {
    const sum = collaborators.reduce((a, c) => a + c.splitBps, 0);
    if (sum !== TOTAL_BPS) problems.push({ path: ['collaborators'], message: `splits must sum to exactly 100 %, got ${bpsToPercent(sum)} %` });
  }
  return problems;
}

/**
 * Cents per collaborator for one tranche: apportion(trancheCents, splitBps). With valid
 * splits (summing to 10000) each gets within one cent of tranche*bps/10000, and the
 * parts always sum exactly to the tranche.
 */
export function allocateTranche(trancheCents: number, splitBps: readonly number[]): number[] {
  return apportion(trancheCents, splitBps);
}

/** A fee's two tranches: the holdback (held in escrow) rounds down, the activation tranche takes the rest. */
export function tranches(feeCents: number, holdbackBps: number): { activationCents: number; holdbackCents: number } {
  if (!Number.isSafeInteger(feeCents) || feeCents <= 0) throw new RangeError(`fee must be a positive integer of cents, got ${feeCents}`);
  if (!Number.isSafeInteger(holdbackBps) || holdbackBps < 0 || holdbackBps > TOTAL_BPS) throw new RangeError(`holdback must be 0..10000 bps, got ${holdbackBps}`);
  const holdbackCents = Number((BigInt(feeCents) * BigInt(holdbackBps)) / BigInt(TOTAL_BPS));
  return { activationCents: feeCents - holdbackCents, holdbackCents };
}

/**
 * "33.33" / 33.33 / "5" → basis points: 0..100 with at most two decimals. Reads the decimal
 * text rather than multiplying (0.29 * 100 is 28.999999999999996 in floating point); a
 * number is read through String(), the shortest text that round-trips to it.
 */
export function percentToBps(percent: string | number): number {
  const text = String(percent).trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a percentage from 0 to 100 with at most two decimals: ${JSON.stringify(text)}`);
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > 2) throw new RangeError(`a percentage has at most two decimals, got ${text}`);
  const bps = Number(whole) * 100 + Number(fraction.padEnd(2, '0')); // integers only (a huge whole part is just > 10000)
  if (bps > TOTAL_BPS) throw new RangeError(`a percentage is at most 100, got ${text}`);
  return bps;
}

/** Basis points → percentage text without trailing zeros: 3333 → "33.33", 4000 → "40", 550 → "5.5". */
export function bpsToPercent(bps: number): string {
  if (!Number.isSafeInteger(bps)) throw new RangeError(`bps must be an integer, got ${bps}`);
  const abs = Math.abs(bps);
  const fraction = String(abs % 100).padStart(2, '0').replace(/0+$/, '');
  return `${bps < 0 ? '-' : ''}${(abs - (abs % 100)) / 100}${fraction ? `.${fraction}` : ''}`;
}
