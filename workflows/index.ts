/** Every workflow, for the worker bundle. */
export * from './proposal.js';
export * from './payout.js';
export * from './payout-account.js';
export * from './placement.js';
export * from './protection.js';
export * from './automation.js';
export * from './ats-sync.js';
