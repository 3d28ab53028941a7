/**
 * Limits several processes share, written once: the API's schemas and the workflows'
 * validators both read them. (Each process's own limits sit in its module: the sync
 * interval in ats.ts, the Stripe account pattern in payout.ts, collaborators in money.ts.)
 */

/** How far a window (a guarantee, a protection) may be extended at once, in days. */
export const EXTENSION_DAYS = { min: 1, max: 365 } as const;

/** Why a command was given (decline, cancel, override, extend …): at most this many characters. */
export const REASON_MAX_LENGTH = 2000;
