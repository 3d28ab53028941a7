// The fake Stripe lives in ./stripe/; this path is what tests, drills, benches and dev import.
export * from './stripe/index.js';
