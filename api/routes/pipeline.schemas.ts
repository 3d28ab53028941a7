import { z } from 'zod';
import { APPLICATION_STAGES } from '../../domain/automation-rules.js';
import { uuid } from '../schemas/common.js';

// A job's pipeline (product §3.6).
export const pipelineDto = z.object({
  jobId: uuid,
  /** Every canonical stage, in pipeline order. */
  stages: z.array(z.object({ stage: z.enum(APPLICATION_STAGES), count: z.int(), averageDaysInStage: z.number().nullable() })),
  candidates: z.array(
    z.object({
      applicationId: uuid,
      candidateId: uuid,
      candidateName: z.string(),
      stage: z.enum(APPLICATION_STAGES),
      /** The ATS's own name of the stage, when an ATS moved the application there. */
      stageLabel: z.string().nullable(),
      status: z.string(),
      daysInStage: z.number(),
    }),
  ),
});
