import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './measure.js';

/** One autocannon run: `connections` clients for `seconds` (or `amount` requests) against url + path. */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Per-request overrides of path / body, used in order (wrapping around when exhausted). */
  variants?: { path?: string; body?: string }[];
  connections: number;
  seconds: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
}

export interface LoadResult extends Measurement {
  requests: number;
  maxMs: number;
  /** Connection errors (timeouts included). */
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, { count: number }>;
  variantsUsed?: number;
  /** True when more requests were sent than variants given (later ones repeated a body: expect non-2xx). */
  variantsWrapped?: boolean;
}

export type LoadReply = { ok: true; result: LoadResult } | { ok: false; error: string };

const CHILD = fileURLToPath(new URL('./autocannon-child.ts', import.meta.url));

/** Runs autocannon in a child process (its own event loop and CPU time), returns its numbers. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (reply: LoadReply) => {
      settled = true;
      if (reply.ok) resolve(reply.result);
      else reject(new Error(`autocannon failed: ${reply.error}`));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`the autocannon process exited with ${code} before answering`));
    });
    child.send(spec);
  });
}

/**
 * Runs `task` with `concurrency` loops in flight for `seconds`: the in-process counterpart of an
 * autocannon run (e.g. the raw SQL a route sends, on the same pool). Only completed tasks count.
 */
export async function forDuration(
  seconds: number,
  concurrency: number,
  task: () => Promise<void>,
): Promise<Measurement & { requests: number; errors: number; firstError?: string }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await task();
          latencies.push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : Number.NaN;
  return {
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50Ms: pct(50),
    p99Ms: pct(99),
    requests: latencies.length,
    errors,
    ...(firstError !== undefined && { firstError }),
  };
}
