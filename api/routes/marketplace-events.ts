import { Router } from 'express';
import type { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { marketplaceEventsDal, type MarketplaceEventView } from '../../db/dal/marketplace-events.js';
import { namesDal } from '../../db/dal/names.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { type marketplaceEventDto, marketplaceEventListQuery, marketplaceEventPageDto } from './marketplace-events.schemas.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every id-shaped string anywhere inside an event's details. */
function idsIn(value: unknown): string[] {
  if (typeof value === 'string') return UUID.test(value) ? [value] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(idsIn);
}

const toDto =
  (names: Map<string, string>) =>
  (e: MarketplaceEventView): z.infer<typeof marketplaceEventDto> => ({
    id: e.id,
    type: e.type,
    candidateId: e.candidate_id,
    candidateName: e.candidate_name,
    recruiterId: e.recruiter_id,
    recruiterName: e.recruiter_name,
    actorUserId: e.actor_user_id,
    actorName: e.actor_name,
    actorRole: e.actor_role,
    details: e.details,
    detailNames: Object.fromEntries(idsIn(e.details).flatMap((id) => (names.has(id) ? [[id, names.get(id)!]] : []))),
    occurredAt: e.occurred_at.toISOString(),
  });

/** The marketplace's event log (sourcing conflicts, blocked submissions …) for platform admins. */
export function marketplaceEventRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const events = marketplaceEventsDal(db);
  const names = namesDal(db);

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
      const detailNames = await names.anything(rows.flatMap((r) => idsIn(r.details)));
      return { status: 200, body: page(rows, query.limit, toDto(detailNames), 'occurred_at') };
    },
  );

  return router;
}
