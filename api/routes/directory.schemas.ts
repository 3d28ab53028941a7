import { z } from 'zod';
import { pageQuery, uuid } from '../schemas/common.js';
import { sourcingDto } from './candidates.schemas.js';

export const candidateListQuery = z.strictObject({
  ...pageQuery,
  /** Recruiters: only the candidates they sourced. */
  sourcedByMe: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export const recruiterListQuery = z.strictObject({ ...pageQuery });
export const recruiterDto = z.object({ id: uuid, displayName: z.string() });
export const candidateDto = z.object({
  id: uuid,
  fullName: z.string(),
  email: z.string().nullable(),
  createdAt: z.iso.datetime(),
  sourcing: sourcingDto,
});
