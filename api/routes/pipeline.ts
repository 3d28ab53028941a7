import { Router } from 'express';
import type { Db } from '../../lib/db.js';
import { pipelineDal } from '../../db/dal/pipeline.js';
import { actorOf } from '../auth.js';
import { notFound } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';
import { idParams } from '../schemas/common.js';
import { pipelineDto } from './pipeline.schemas.js';
import { APPLICATION_STAGES } from '../../domain/automation-rules.js';

const DAY_MS = 86_400_000;
const days = (ms: number) => Math.round((ms / DAY_MS) * 10) / 10;

/**
 * Stage metrics of a job (seed 004 priorities 3–5): per canonical stage, in pipeline
 * order, the applications in it and the average time spent in it (from stage history:
 * ATS, automation and placement moves alike), and per candidate the current stage, the
 * ATS's own name of it when an ATS set it, and days in it.
 */
export function pipelineRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const pipeline = pipelineDal(db);
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/jobs/:id/pipeline',
      summary: "Stage counts, average days per stage, and each candidate's stage and time in it",
      params: idParams,
      responses: { 200: { description: 'The pipeline', schema: pipelineDto }, 404: { description: 'No such job (or not yours)' } },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const job = await pipeline.listedJob(params.id);
      const visible = job && (actor.role === 'platform_admin' || actor.companyId === job.company_id);
      if (!visible) throw notFound('job');
      const now = Date.now();
      const applications = await pipeline.applications(job.id);
      // Time in a stage = from entering it to leaving it (the next move), for every move of the job's applications.
      const average = await pipeline.averageMsInStage(job.id);
      const counts = new Map<string, number>();
      for (const a of applications) counts.set(a.stage, (counts.get(a.stage) ?? 0) + 1);
      const stages = APPLICATION_STAGES.map((stage) => ({
        stage,
        count: counts.get(stage) ?? 0,
        averageDaysInStage: average.has(stage) ? days(average.get(stage)!) : null,
      }));
      return {
        status: 200,
        body: {
          jobId: job.id,
          stages,
          candidates: applications.map((a) => ({
            applicationId: a.id,
            candidateId: a.candidate_id,
            candidateName: a.full_name,
            stage: a.stage,
            stageLabel: a.stage_label,
            status: a.status,
            daysInStage: days(now - (a.stage_changed_at ?? a.created_at).getTime()),
          })),
        },
      };
    },
  );
  return router;
}
