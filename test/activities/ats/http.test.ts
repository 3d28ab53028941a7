import { describe, expect, it } from 'vitest';
import { MAX_HEADER_WAIT_MS, retryAfterMs } from '../../../activities/ats/http.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const wait = (headers: Record<string, string>) => retryAfterMs(new Headers(headers), now);

describe('retryAfterMs (the wait a throttled platform asked for)', () => {
  it('reads a reset timestamp in epoch seconds and in epoch milliseconds alike', () => {
    expect(wait({ 'X-Rate-Limit-Reset': String(now / 1000 + 7) })).toBe(7000);
    expect(wait({ 'X-Rate-Limit-Reset': String(now + 7000) })).toBe(7000);
    expect(wait({ 'X-RateLimit-Reset': '4' })).toBe(4000);
  });

  it('bounds every header-derived wait, and backs off (null) on nonsense', () => {
    expect(wait({ 'Retry-After': '3600' })).toBe(MAX_HEADER_WAIT_MS);
    expect(wait({ 'X-Rate-Limit-Reset': String((now + 3_600_000) * 1000) })).toBeNull(); // microseconds: ~10^15 ms away
    expect(wait({ 'Retry-After': String(10 ** 12) })).toBeNull();
    expect(wait({ 'Retry-After': 'soon' })).toBeNull();
    expect(wait({ 'Retry-After': 'soon', 'X-Rate-Limit-Reset': String(now / 1000 + 2) })).toBe(2000);
    expect(wait({ 'X-Rate-Limit-Reset': String(now / 1000 - 30) })).toBe(0);
    expect(wait({})).toBeNull();
  });
});
