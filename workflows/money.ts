/**
 * Split-fee arithmetic (SPEC §3.3), pure and deterministic: shared by workflows,
 * activities and the API. Money is integer cents, shares are integer basis points
 * (10000 = 100 %); products go through BigInt, so nothing is ever rounded by a float.
 */
export const COLLABORATOR_ROLES = ['sourcer', 'submitter', 'closer', 'support'] as const;
export type CollaboratorRole = (typeof COLLABORATOR_ROLES)[number];

/** Default role weights: sourcer 40 / submitter 30 / closer 20 / support 10. */
export const ROLE_WEIGHTS: Record<CollaboratorRole, number> = { sourcer: 40, submitter: 30, closer: 20, support: 10 };
export const MIN_COLLABORATORS = 1;
export const MAX_COLLABORATORS = 10;
export const MIN_SPLIT_BPS = 500;
export const TOTAL_BPS = 10_000;

const isNonNegativeSafeInteger = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * Largest-remainder apportionment of `total` units by `weights`: each part is the floor of
 * its exact share, and the units left over go one each to the largest remainders (ties:
 * earlier first). The parts sum exactly to `total`; each is within one unit of its share.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (!isNonNegativeSafeInteger(total)) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (weights.length === 0 || !weights.every(isNonNegativeSafeInteger)) throw new RangeError('weights must be non-negative integers');
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (sum === 0n) throw new RangeError('weights must not all be zero');
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
 * roles present, shared equally among that role's collaborators.
 */
export function defaultSplitBps(collaborators: readonly { role: CollaboratorRole }[]): number[] {
  const perRole = new Map<CollaboratorRole, number>();
  for (const c of collaborators) perRole.set(c.role, (perRole.get(c.role) ?? 0) + 1);
  // Weight of one collaborator = role weight / collaborators in the role; scaled by the
  // product of the counts to stay an integer.
  const scale = [...perRole.values()].reduce((a, b) => a * b, 1);
  return apportion(TOTAL_BPS, collaborators.map((c) => (ROLE_WEIGHTS[c.role] * scale) / perRole.get(c.role)!));
}

export interface SplitProblem {
  path: (string | number)[];
  message: string;
}

/** Problems with custom splits (none when valid): 1–10 collaborators, each ≥ 5 %, summing to exactly 100 %. */
export function splitProblems(collaborators: readonly { role: string; splitBps: number }[]): SplitProblem[] {
  const problems: SplitProblem[] = [];
  if (collaborators.length < MIN_COLLABORATORS || collaborators.length > MAX_COLLABORATORS) {
    problems.push({ path: ['collaborators'], message: `a placement has ${MIN_COLLABORATORS} to ${MAX_COLLABORATORS} collaborators, got ${collaborators.length}` });
  }
  collaborators.forEach((c, i) => {
    if (!(COLLABORATOR_ROLES as readonly string[]).includes(c.role)) {
      problems.push({ path: ['collaborators', i, 'role'], message: `role must be one of ${COLLABORATOR_ROLES.join(', ')}` });
    }
    if (!Number.isSafeInteger(c.splitBps)) {
      problems.push({ path: ['collaborators', i, 'splitBps'], message: 'a split is a whole number of basis points' });
    } else if (c.splitBps < MIN_SPLIT_BPS) {
      problems.push({ path: ['collaborators', i, 'splitBps'], message: `each split is at least ${bpsToPercent(MIN_SPLIT_BPS)} %` });
    }
  });
  const sum = collaborators.reduce((a, c) => a + (Number.isSafeInteger(c.splitBps) ? c.splitBps : 0), 0);
  if (collaborators.length > 0 && sum !== TOTAL_BPS) {
    problems.push({ path: ['collaborators'], message: `splits must sum to exactly 100 %, got ${bpsToPercent(sum)} %` });
  }
  return problems;
}

/** Cents per collaborator for one tranche, summing exactly to it. */
export function allocateTranche(trancheCents: number, splitBps: readonly number[]): number[] {
  return apportion(trancheCents, splitBps);
}

/** A fee's two tranches: the holdback (held in escrow) rounds down, the activation share takes the rest. */
export function tranches(feeCents: number, holdbackBps: number): { activationCents: number; holdbackCents: number } {
  if (!Number.isSafeInteger(feeCents) || feeCents <= 0) throw new RangeError(`fee must be a positive integer of cents, got ${feeCents}`);
  if (!Number.isSafeInteger(holdbackBps) || holdbackBps < 0 || holdbackBps > TOTAL_BPS) throw new RangeError(`holdback must be 0..10000 bps, got ${holdbackBps}`);
  const holdbackCents = Number((BigInt(feeCents) * BigInt(holdbackBps)) / BigInt(TOTAL_BPS));
  return { activationCents: feeCents - holdbackCents, holdbackCents };
}

/** "33.33" / 33.33 / "5" → basis points, from the decimal text (never float arithmetic). */
export function percentToBps(percent: string | number): number {
  const text = typeof percent === 'number' ? String(percent) : percent.trim();
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new RangeError(`not a percentage with at most two decimals: ${text}`);
  const bps = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (bps > TOTAL_BPS) throw new RangeError(`percentage above 100: ${text}`);
  return bps;
}

export function bpsToPercent(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const fraction = String(Math.abs(bps % 100)).padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}
