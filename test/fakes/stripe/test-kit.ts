import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../../testkit/fakes/stripe/index.js';

/** One fake Stripe server per test file, reset before each test, with a real SDK client for it. */
export function useFakeStripe(): { fake: FakeStripe; stripe: Stripe } {
  const kit = {} as { fake: FakeStripe; stripe: Stripe };
  beforeAll(async () => {
    kit.fake = await startFakeStripe();
    kit.stripe = kit.fake.client();
  });
  afterAll(() => kit.fake.close());
  beforeEach(() => kit.fake.reset());
  return kit;
}

/** The rejection of `promise`, for asserting on an SDK error's class and fields. */
export const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.unreachable('expected the call to fail'),
    (err: unknown) => err,
  );
