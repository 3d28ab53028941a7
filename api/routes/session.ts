import { Router } from 'express';
import { z } from 'zod';
import { actorOf } from '../auth.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';

const meDto = z.object({
  userId: z.string(),
  role: z.string(),
  companyId: z.string().nullable(),
  recruiterId: z.string().nullable(),
});
const uiConfigDto = z.object({
  /** Where an operator opens a workflow in the Temporal Web UI; platform admins only, null when not configured. */
  temporalUi: z.object({ url: z.string(), namespace: z.string() }).nullable(),
});

/** Who the caller is, and what the web UI needs to know about this deployment. */
export function sessionRoutes({ registry, temporalUi }: { registry: Operation[]; temporalUi?: { url: string; namespace: string } }): Router {
  const router = Router();
  route(router, registry, {
    method: 'get', path: '/me', summary: 'The signed-in user: id, role, company or recruiter profile',
    responses: { 200: { description: 'The caller', schema: meDto } },
  }, async ({ res }) => ({ status: 200, body: actorOf(res) }));

  route(router, registry, {
    method: 'get', path: '/ui-config', summary: 'Settings for the web UI (the Temporal Web UI\'s address, for platform admins)',
    responses: { 200: { description: 'UI settings', schema: uiConfigDto } },
  }, async ({ res }) => ({
    status: 200,
    body: { temporalUi: actorOf(res).role === 'platform_admin' && temporalUi ? temporalUi : null },
  }));
  return router;
}
