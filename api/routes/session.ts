import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { namesDal } from '../../db/dal/names.js';
import { signInDal } from '../../db/dal/sign-in.js';
import { actorOf } from '../auth.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';

const meDto = z.object({
  userId: z.string(),
  role: z.string(),
  companyId: z.string().nullable(),
  recruiterId: z.string().nullable(),
  /** The person's name (a recruiter's display name), null when the directory has no such user. */
  name: z.string().nullable(),
  /** The address sign-in links go to; null when the directory has no such user. */
  email: z.string().nullable(),
  companyName: z.string().nullable(),
});
const uiConfigDto = z.object({
  /** Where an operator opens a workflow in the Temporal Web UI; platform admins only, null when not configured. */
  temporalUi: z.object({ url: z.string(), namespace: z.string() }).nullable(),
});

/** Who the caller is, and what the web UI needs to know about this deployment. */
export function sessionRoutes({
  db,
  registry,
  temporalUi,
}: {
  db: Db;
  registry: Operation[];
  temporalUi?: { url: string; namespace: string };
}): Router {
  const router = Router();
  const names = namesDal(db);
  const users = signInDal(db);
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/me',
      summary: 'The signed-in user: id, name, e-mail, role, company (with its name) or recruiter profile',
      responses: { 200: { description: 'The caller', schema: meDto } },
    },
    async ({ res }) => {
      const actor = actorOf(res);
      const [people, companies, email] = await Promise.all([
        names.people([actor.userId]),
        names.companies([actor.companyId ?? null]),
        users.emailOf(actor.userId),
      ]);
      return {
        status: 200,
        body: {
          ...actor,
          companyId: actor.companyId ?? null,
          recruiterId: actor.recruiterId ?? null,
          name: people.get(actor.userId) ?? null,
          email: email ?? null,
          companyName: companies.get(actor.companyId ?? '') ?? null,
        },
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/ui-config',
      summary: "Settings for the web UI (the Temporal Web UI's address, for platform admins)",
      responses: { 200: { description: 'UI settings', schema: uiConfigDto } },
    },
    async ({ res }) => ({
      status: 200,
      body: { temporalUi: actorOf(res).role === 'platform_admin' && temporalUi ? temporalUi : null },
    }),
  );
  return router;
}
