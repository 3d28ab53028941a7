import { createServer, type Server } from 'node:http';
import type { State } from '@temporalio/worker';

/**
 * A worker process's probes, for an orchestrator (Kubernetes probes, compose health checks):
 *   GET /healthz  readiness: 200 only while the worker polls (RUNNING); 503 while it starts, drains or stops.
 *   GET /livez    liveness: 200 while the process answers and the worker has not failed. A draining
 *                 worker is alive: killing it would cut its in-flight activities short.
 */
export function startHealthServer(state: () => State, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const current = state();
    const path = req.method === 'GET' ? req.url?.split('?')[0] : undefined;
    const ok = path === '/healthz' ? current === 'RUNNING' : path === '/livez' ? current !== 'FAILED' : undefined;
    res.writeHead(ok === undefined ? 404 : ok ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ state: current }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.unref()));
  });
}
