import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../../lib/db.js';
import { healthDal } from '../../db/dal/health.js';

async function probe(check: () => Promise<unknown>) {
  const started = performance.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2s')), 2000).unref())]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * `/healthz` (readiness): 200 when Postgres and Temporal both answer, 503 otherwise (no auth); 503
 * `draining` once the process is stopping, so a load balancer sends new requests elsewhere.
 * `/livez` (liveness): 200 while the process answers at all, draining or not, whatever its
 * dependencies do: restarting the API would not bring Postgres or Temporal back.
 */
export function healthRoutes({ temporal, db, isDraining = () => false }: { temporal: Client; db: Db; isDraining?: () => boolean }): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/healthz', async (_req, res) => {
    if (isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const [database, temporalCheck] = await Promise.all([
      probe(() => healthDal(db).ping()),
      probe(() => temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = database.ok && temporalCheck.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', checks: { database, temporal: temporalCheck } });
  });
  return router;
}
