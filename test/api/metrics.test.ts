import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../lib/logger.js';
import { createMarketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function scrape(baseUrl: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/** `name{labels} value` lines of one metric, labels parsed. */
function samples(text: string, name: string) {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .map((line) => {
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) };
    });
}

describe('GET /metrics', () => {
  it('counts and times requests by route pattern and status, never by raw URL', async () => {
    const m = await createMarketplace(h.db);
    const missing = randomUUID();
    expect((await h.request('GET', `/api/v1/proposals/${missing}`, { actor: m.actors.recruiter })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/proposals/${randomUUID()}`, { actor: m.actors.recruiter })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/proposals', { actor: m.actors.recruiter })).status).toBe(200);
    expect((await h.request('GET', '/api/v1/proposals')).status).toBe(401);
    expect((await h.request('GET', `/api/v1/no-such-thing/${missing}`, { actor: m.actors.recruiter })).status).toBe(404);

    const { status, contentType, text } = await scrape(h.baseUrl);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);

    const totals = samples(text, 'http_requests_total');
    const byRoute = (route: string, s: string) =>
      totals.find((t) => t.labels.method === 'GET' && t.labels.route === route && t.labels.status === s)?.value;
    expect(byRoute('/api/v1/proposals/:id', '404')).toBe(2);
    expect(byRoute('/api/v1/proposals', '200')).toBe(1);
    // Rejected before routing (authentication) or by no route at all: one label value.
    expect(byRoute('unmatched', '401')).toBe(1);
    expect(byRoute('unmatched', '404')).toBe(1);

    const buckets = samples(text, 'http_request_duration_seconds_bucket').filter(
      (b) => b.labels.route === '/api/v1/proposals/:id' && b.labels.status === '404',
    );
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(2);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/proposals\/:id",status="404"\} 2/);
    expect(text).toMatch(/http_request_duration_seconds_sum\{/);

    // Default Node process metrics.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    // No id ever becomes a label value.
    const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((x) => x[1]!);
    expect(labelValues.filter((v) => UUID.test(v))).toEqual([]);
  });

  it('needs the bearer token when METRICS_TOKEN is set', async () => {
    const app = createApp({
      temporal: h.temporal,
      db: h.db,
      config: { JWT_SECRET: 'test-secret-that-is-at-least-32-characters-long', JWT_ISSUER: 'splits-test', METRICS_TOKEN: 'scrape-token' },
      logger: createLogger('api-test', 'silent'),
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const none = await scrape(baseUrl);
      expect(none.status).toBe(401);
      expect(JSON.parse(none.text)).toMatchObject({ error: { code: 'unauthorized' } });
      expect((await scrape(baseUrl, { authorization: 'Bearer wrong-token' })).status).toBe(401);
      const ok = await scrape(baseUrl, { authorization: 'Bearer scrape-token' });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('# TYPE http_requests_total counter');
      expect(ok.text).toContain('# TYPE http_request_duration_seconds histogram');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers /healthz with 503 while the process drains, and /livez with 200 all along', async () => {
    let draining = false;
    const app = createApp({
      temporal: h.temporal,
      db: h.db,
      config: { JWT_SECRET: 'test-secret-that-is-at-least-32-characters-long', JWT_ISSUER: 'splits-test' },
      logger: createLogger('api-test', 'silent'),
      isDraining: () => draining,
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
      const before = await fetch(url);
      expect(before.status).toBe(200);
      expect(before.headers.get('connection')).not.toBe('close');
      await before.text();
      draining = true;
      const during = await fetch(url);
      expect(during.status).toBe(503);
      expect(await during.json()).toEqual({ status: 'draining' });
      expect(during.headers.get('connection')).toBe('close');
      const live = await fetch(url.replace('/healthz', '/livez'));
      expect([live.status, await live.json()]).toEqual([200, { status: 'alive' }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
