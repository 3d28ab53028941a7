/**
 * Split-fee arithmetic (product §3.3), pure and deterministic: shared by workflows,
 * activities and the API. Money is integer cents, shares are integer basis points
 * (10000 = 100 %); products go through BigInt, so nothing is ever rounded by a float.
 */
import { ROLE_WEIGHTS, TOTAL_BPS, isCollaboratorRole, platformFeeCents, type CollaboratorRole } from './split-rules.js';

// The split rules the browser shares (roles, limits, percent ↔ bps, splitProblems) live in split-rules.js.
export {
  COLLABORATOR_ROLES,
  MAX_COLLABORATORS,
  MIN_COLLABORATORS,
  MAX_PLATFORM_FEE_BPS,
  MIN_SPLIT_BPS,
  ROLE_WEIGHTS,
  TOTAL_BPS,
  bpsToPercent,
  percentToBps,
  platformFeeCents,
  splitProblems,
  type CollaboratorRole,
  type SplitProblem,
} from './split-rules.js';

const isNonNegativeSafeInteger = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * Largest-remainder apportionment of `total` units by `weights`: each part is the floor of
 * its exact share total*w/sum, and the units left over (fewer than weights.length) go one
 * each to the largest remainders (ties: earlier first). The parts sum exactly to `total`;
 * each is the floor or the ceiling of its exact share.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (!isNonNegativeSafeInteger(total)) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (weights.length === 0) throw new RangeError('no weights to apportion by');
  if (!weights.every((w) => isNonNegativeSafeInteger(w)))
    throw new RangeError(`weights must be non-negative integers, got ${weights.join(', ')}`);
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
    if (!isCollaboratorRole(role)) throw new RangeError(`unknown collaborator role: ${String(role)}`);
    perRole.set(role, (perRole.get(role) ?? 0) + 1);
  }
  // One collaborator's weight is (role weight / collaborators in the role); multiplying
  // every weight by the product of the counts keeps them integers without changing ratios.
  const scale = [...perRole.values()].reduce((a, b) => a * b, 1);
  return apportion(
    TOTAL_BPS,
    collaborators.map(({ role }) => (ROLE_WEIGHTS[role] * scale) / perRole.get(role)!),
  );
}

/**
 * Cents per collaborator for one tranche: apportion(trancheCents, splitBps). With valid
 * splits (summing to 10000) each gets within one cent of tranche*bps/10000, and the
 * parts always sum exactly to the tranche.
 */
export function allocateTranche(trancheCents: number, splitBps: readonly number[]): number[] {
  return apportion(trancheCents, splitBps);
}

/**
 * One tranche shared with the platform (product §3.3): the platform fee first
 * (platformFeeCents: the tranche × feeBps / 10000, rounded down), then the rest among the
 * collaborators by their splits, largest remainder (allocateTranche). The collaborators'
 * cents plus the platform fee are exactly the tranche; with feeBps 0 it is allocateTranche.
 */
export function allocateTrancheWithFee(
  trancheCents: number,
  splitBps: readonly number[],
  feeBps: number,
): { platformFeeCents: number; amounts: number[] } {
  const fee = platformFeeCents(trancheCents, feeBps);
  return { platformFeeCents: fee, amounts: allocateTranche(trancheCents - fee, splitBps) };
}

/** A fee's two tranches: the holdback (held in escrow) rounds down, the activation tranche takes the rest. */
export function tranches(feeCents: number, holdbackBps: number): { activationCents: number; holdbackCents: number } {
  if (!Number.isSafeInteger(feeCents) || feeCents <= 0) throw new RangeError(`fee must be a positive integer of cents, got ${feeCents}`);
  if (!Number.isSafeInteger(holdbackBps) || holdbackBps < 0 || holdbackBps > TOTAL_BPS)
    throw new RangeError(`holdback must be 0..10000 bps, got ${holdbackBps}`);
  const holdbackCents = Number((BigInt(feeCents) * BigInt(holdbackBps)) / BigInt(TOTAL_BPS));
  return { activationCents: feeCents - holdbackCents, holdbackCents };
}
