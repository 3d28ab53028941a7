// @ts-check
/**
 * The split rules (product §3.3), in one place for the server and the browser: a plain ES
 * module with JSDoc types (type-checked through allowJs + @ts-check), imported by
 * domain/money.ts and served read-only to the web app at /domain/split-rules.js (api/app.ts),
 * where web/views/split-editor.js imports it as `@domain/split-rules.js` (web/index.html's
 * import map). No build step on either side. Shares are integer basis points (10000 = 100 %).
 */

export const COLLABORATOR_ROLES = /** @type {const} */ (['sourcer', 'submitter', 'closer', 'support']);
/** @typedef {(typeof COLLABORATOR_ROLES)[number]} CollaboratorRole */

/** Default role weights (product §3.3): sourcer 40 / submitter 30 / closer 20 / support 10. */
export const ROLE_WEIGHTS = /** @type {Readonly<Record<CollaboratorRole, number>>} */ ({
  sourcer: 40,
  submitter: 30,
  closer: 20,
  support: 10,
});
export const MIN_COLLABORATORS = 1;
export const MAX_COLLABORATORS = 10;
export const MIN_SPLIT_BPS = 500;
export const TOTAL_BPS = 10_000;

/**
 * @param {string} role
 * @returns {role is CollaboratorRole}
 */
export const isCollaboratorRole = (role) => /** @type {readonly string[]} */ (COLLABORATOR_ROLES).includes(role);

/** The platform fee's limits in basis points (domain/terms.ts TERMS.platformFeeBps takes these). */
export const MAX_PLATFORM_FEE_BPS = 5000;

/**
 * The platform's cut of one tranche (product §3.3): `trancheCents * feeBps / 10000` rounded
 * down to a whole cent (floor, in the recruiters' favour, like the holdback), so a 1-cent
 * tranche pays no fee below 100 %. Integer arithmetic only (BigInt: the product can pass 2^53).
 * @param {number} trancheCents a non-negative whole number of cents
 * @param {number} feeBps 0..MAX_PLATFORM_FEE_BPS
 * @returns {number}
 */
export function platformFeeCents(trancheCents, feeBps) {
  if (!Number.isSafeInteger(trancheCents) || trancheCents < 0)
    throw new RangeError(`a tranche is a non-negative whole number of cents, got ${trancheCents}`);
  if (!Number.isSafeInteger(feeBps) || feeBps < 0 || feeBps > MAX_PLATFORM_FEE_BPS)
    throw new RangeError(`the platform fee is 0..${MAX_PLATFORM_FEE_BPS} bps, got ${feeBps}`);
  return Number((BigInt(trancheCents) * BigInt(feeBps)) / BigInt(TOTAL_BPS));
}

/** @typedef {{ path: (string | number)[], message: string }} SplitProblem */

/**
 * "33.33" / 33.33 / "5" → basis points: 0..100 with at most two decimals. Reads the decimal
 * text rather than multiplying (0.29 * 100 is 28.999999999999996 in floating point); a
 * number is read through String(), the shortest text that round-trips to it.
 * @param {string | number} percent
 * @returns {number}
 */
export function percentToBps(percent) {
  const text = String(percent).trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a percentage from 0 to 100 with at most two decimals: ${JSON.stringify(text)}`);
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > 2) throw new RangeError(`a percentage has at most two decimals, got ${text}`);
  const bps = Number(whole) * 100 + Number(fraction.padEnd(2, '0')); // integers only (a huge whole part is just > 10000)
  if (bps > TOTAL_BPS) throw new RangeError(`a percentage is at most 100, got ${text}`);
  return bps;
}

/**
 * Basis points → percentage text without trailing zeros: 3333 → "33.33", 4000 → "40", 550 → "5.5".
 * @param {number} bps
 * @returns {string}
 */
export function bpsToPercent(bps) {
  if (!Number.isSafeInteger(bps)) throw new RangeError(`bps must be an integer, got ${bps}`);
  const abs = Math.abs(bps);
  const fraction = String(abs % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${bps < 0 ? '-' : ''}${(abs - (abs % 100)) / 100}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Problems with custom splits (none when valid): 1..10 collaborators with known roles, each
 * split a whole number of basis points >= 500 (5 %), all summing to exactly 10000 (100 %), and
 * (when recruiters are named) each recruiter once: one person is one collaborator with one split.
 * Paths name the offending field (['collaborators', i, 'splitBps' | 'role']) or the list
 * (['collaborators']) so the API can return them as 400/422 details.
 * @param {readonly { role: string, splitBps: number, recruiterId?: string }[]} collaborators
 * @returns {SplitProblem[]}
 */
export function splitProblems(collaborators) {
  /** @type {SplitProblem[]} */
  const problems = [];
  const seen = new Set();
  if (collaborators.length < MIN_COLLABORATORS || collaborators.length > MAX_COLLABORATORS) {
    problems.push({
      path: ['collaborators'],
      message: `a placement has ${MIN_COLLABORATORS} to ${MAX_COLLABORATORS} collaborators, got ${collaborators.length}`,
    });
  }
  collaborators.forEach((c, i) => {
    if (!isCollaboratorRole(c.role)) {
      problems.push({ path: ['collaborators', i, 'role'], message: `role must be one of ${COLLABORATOR_ROLES.join(', ')}` });
    }
    if (!Number.isSafeInteger(c.splitBps)) {
      problems.push({ path: ['collaborators', i, 'splitBps'], message: 'a split is a whole number of basis points' });
    } else if (c.splitBps < MIN_SPLIT_BPS) {
      problems.push({
        path: ['collaborators', i, 'splitBps'],
        message: `each split is at least ${bpsToPercent(MIN_SPLIT_BPS)} %, got ${bpsToPercent(c.splitBps)} %`,
      });
    }
    if (c.recruiterId !== undefined) {
      if (seen.has(c.recruiterId))
        problems.push({
          path: ['collaborators', i, 'recruiterId'],
          message: 'a recruiter is a collaborator at most once (one role, one split)',
        });
      seen.add(c.recruiterId);
    }
  });
  // The total only means something once every split is a whole number of bps; until then
  // the per-split problems above say what to fix.
  if (collaborators.length > 0 && collaborators.every((c) => Number.isSafeInteger(c.splitBps))) {
    const sum = collaborators.reduce((a, c) => a + c.splitBps, 0);
    if (sum !== TOTAL_BPS)
      problems.push({ path: ['collaborators'], message: `splits must sum to exactly 100 %, got ${bpsToPercent(sum)} %` });
  }
  return problems;
}
