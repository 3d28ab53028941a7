import http from 'node:http';
import type { AddressInfo } from 'node:net';

const SETTINGS_PATH = '/api/v1/settings';

export interface UiCodecProxy {
  /** The Web UI as the browser should open it. */
  url: string;
  close(): Promise<void>;
}

/**
 * Sits in front of a Temporal Web UI and passes everything through, except that the UI's
 * settings say: decode payloads through `codecEndpoint`, sending the browser's cookies.
 *
 * `temporal server start-dev` can set the codec endpoint but not "include credentials",
 * and without credentials the browser never sends the operator cookie the codec server
 * authorises by (the UI image's TEMPORAL_CODEC_INCLUDE_CREDENTIALS does it in production).
 */
export async function startUiCodecProxy(opts: {
  target: string;
  codecEndpoint: string;
  port?: number;
  host?: string;
}): Promise<UiCodecProxy> {
  const target = new URL(opts.target);
  const server = http.createServer((req, res) => {
    const isSettings = req.method === 'GET' && req.url?.split('?')[0] === SETTINGS_PATH;
    const headers = { ...req.headers, host: target.host };
    if (isSettings) delete headers['accept-encoding']; // the settings are rewritten: take them plain
    const upstream = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
      if (!isSettings || up.statusCode !== 200) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const settings = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Codec?: Record<string, unknown> };
        settings.Codec = { ...settings.Codec, Endpoint: opts.codecEndpoint, IncludeCredentials: true };
        const body = JSON.stringify(settings);
        const { 'transfer-encoding': _chunked, ...kept } = up.headers;
        res.writeHead(200, { ...kept, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Temporal Web UI unreachable: ${err.message}`);
    });
    req.pipe(upstream);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
