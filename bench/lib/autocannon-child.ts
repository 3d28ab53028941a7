/**
 * The load generator of bench/api.ts, in its own process so that autocannon's event loop never
 * competes with the server's: receives a LoadSpec over IPC, runs autocannon, answers with the
 * numbers and exits. Started by `runLoad()` (bench/lib/load.ts); not meant to be run by hand.
 */
import autocannon from 'autocannon';
import type { LoadReply, LoadSpec } from './load.js';

function run(spec: LoadSpec): Promise<autocannon.Result> {
  const variants = spec.variants ?? [];
  let next = 0;
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    ...(spec.amount !== undefined && { amount: spec.amount }),
    timeout: 30,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        ...(spec.body !== undefined && { body: spec.body }),
        // Each request its own body or path (e.g. a fresh candidate, another proposal), in order.
        ...(variants.length > 0 && {
          setupRequest: (req: autocannon.Request) => {
            const v = variants[next++ % variants.length]!;
            return { ...req, ...(v.path !== undefined && { path: v.path }), ...(v.body !== undefined && { body: v.body }) };
          },
        }),
      },
    ],
  });
}

process.once('message', (spec: LoadSpec) => {
  run(spec).then(
    (r) => {
      const reply: LoadReply = {
        ok: true,
        result: {
          requests: r.requests.total,
          seconds: r.duration,
          perSecond: r.requests.total / r.duration,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          maxMs: r.latency.max,
          errors: r.errors,
          timeouts: r.timeouts,
          non2xx: r.non2xx,
          statusCodes: r.statusCodeStats as unknown as Record<string, { count: number }>,
          variantsUsed: spec.variants ? Math.min(r.requests.sent, spec.variants.length) : undefined,
          variantsWrapped: spec.variants ? r.requests.sent > spec.variants.length : undefined,
        },
      };
      process.send!(reply, () => process.exit(0));
    },
    (err: unknown) => {
      process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies LoadReply, () =>
        process.exit(1),
      );
    },
  );
});
