import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiCodecProxy, type UiCodecProxy } from '../../scripts/lib/ui-codec-proxy.js';
import { temporalUiUrl } from '../support/context.js';

describe('the Web UI codec proxy of `npm run dev`', () => {
  let proxy: UiCodecProxy;
  beforeAll(async () => {
    proxy = await startUiCodecProxy({ target: temporalUiUrl(), codecEndpoint: 'http://localhost:3000/codec' });
  });
  afterAll(() => proxy.close());

  it("answers the UI's settings with the codec endpoint and credentials on, and nothing else changed", async () => {
    const settings = async (base: string) => (await (await fetch(`${base}/api/v1/settings`)).json()) as Record<string, unknown>;
    const [direct, proxied] = await Promise.all([settings(temporalUiUrl()), settings(proxy.url)]);
    expect(proxied.Codec).toMatchObject({ Endpoint: 'http://localhost:3000/codec', IncludeCredentials: true });
    expect({ ...proxied, Codec: undefined }).toEqual({ ...direct, Codec: undefined });
  });

  it('passes every other request through unchanged, compressed or not', async () => {
    for (const path of ['/', '/namespaces/default/workflows', '/api/v1/namespaces/default/workflows?query=']) {
      for (const encoding of ['gzip', 'identity']) {
        const [direct, proxied] = (await Promise.all(
          [temporalUiUrl(), proxy.url].map((base) => fetch(`${base}${path}`, { headers: { 'accept-encoding': encoding } })),
        )) as [Response, Response];
        expect(proxied.status, path).toBe(direct.status);
        expect(proxied.headers.get('content-type'), path).toBe(direct.headers.get('content-type'));
        const [a, b] = await Promise.all([direct.text(), proxied.text()]);
        // Workflow lists may change between the two calls; the pages and assets may not.
        if (!path.startsWith('/api/')) expect(b, path).toBe(a);
      }
    }
  });
});
