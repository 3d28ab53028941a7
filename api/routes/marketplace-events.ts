import { Router } from 'express';
import type { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { marketplaceEventsDal, type MarketplaceEventRow } from '../../db/dal/marketplace-events.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { type marketplaceEventDto, marketplaceEventListQuery, marketplaceEventPageDto } from './marketplace-events.schemas.js';

const toDto = (e: MarketplaceEventRow): z.infer<typeof marketplaceEventDto> => ({
  id: e.id,
  type: e.type,
  candidateId: e.candidate_id,
  recruiterId: e.recruiter_id,
  actorUserId: e.actor_user_id,
  actorRole: e.actor_role,
  details: e.details,
  occurredAt: e.occurred_at.toISOString(),
});

/** The marketplace's event log (sourcing conflicts, blocked submissions …) for platform admins. */
export function marketplaceEventRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const events = marketplaceEventsDal(db);

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/marketplace-events',
      summary: 'List marketplace events, newest first (platform admin)',
      query: marketplaceEventListQuery,
      roles: ['platform_admin'],
      responses: {
        200: { description: 'A page of events', schema: marketplaceEventPageDto },
        403: { description: 'Not a platform admin' },
      },
    },
    async ({ query }) => {
      const rows = await events.list({
        type: query.type,
        candidateId: query.candidateId,
        before: decodeCursor(query.cursor, 'serial'),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, toDto, 'occurred_at') };
    },
  );

  return router;
}
