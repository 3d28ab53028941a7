import { Router } from 'express';
import type { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { directoryDal, type CandidateRow } from '../../db/dal/directory.js';
import type { SourcerRow } from '../../db/dal/sourcing.js';
import { notFound } from '../errors.js';
import { NOBODY, actorOf, type AuthedActor } from '../auth.js';
import { sourcingView } from '../sourcing-view.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { idParams, pageOf } from '../schemas/common.js';
import { candidateDto, candidateListQuery, recruiterDto, recruiterListQuery } from './directory.schemas.js';

const candidateView = (c: CandidateRow & { sourcer?: SourcerRow }, actor: AuthedActor, now: Date): z.infer<typeof candidateDto> => ({
  id: c.id,
  fullName: c.full_name,
  email: c.email,
  createdAt: c.created_at.toISOString(),
  sourcing: sourcingView(c.id, c.sourcer, actor, now),
});

/** Read-only lists of candidates and recruiters, for proposing, placing and the web UI (jobs: api/routes/jobs.ts). */
export function directoryRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const directory = directoryDal(db);

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/candidates',
      summary: 'Candidates with their sourcing status as the caller may see it (recruiters and platform admins)',
      query: candidateListQuery,
      roles: ['recruiter', 'platform_admin'],
      responses: { 200: { description: 'A page of candidates', schema: pageOf(candidateDto) } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const sourcedBy = query.sourcedByMe ? (actor.recruiterId ?? NOBODY) : undefined;
      const rows = await directory.listCandidates({ sourcedBy, before: decodeCursor(query.cursor), limit: query.limit + 1 });
      const now = new Date();
      return {
        status: 200,
        body: page(rows, query.limit, (c) => candidateView(c, actor, now)),
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/candidates/:id',
      summary: 'One candidate with their sourcing status as the caller may see it (recruiters and platform admins)',
      params: idParams,
      roles: ['recruiter', 'platform_admin'],
      responses: { 200: { description: 'The candidate', schema: candidateDto }, 404: { description: 'No such candidate' } },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const c = await directory.candidateWithSourcer(params.id);
      if (!c) throw notFound('candidate');
      return { status: 200, body: candidateView(c, actor, new Date()) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/recruiters',
      summary: "Recruiters (newest first), for choosing a placement's collaborators",
      query: recruiterListQuery,
      responses: { 200: { description: 'A page of recruiters', schema: pageOf(recruiterDto) } },
    },
    async ({ query }) => {
      const rows = await directory.listRecruiters({ before: decodeCursor(query.cursor), limit: query.limit + 1 });
      return { status: 200, body: page(rows, query.limit, (r) => ({ id: r.id, displayName: r.display_name })) };
    },
  );

  return router;
}
