import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from '../lib/logger.js';
import { permanentSqlState } from '../lib/sql-errors.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import type { errorSchema } from './schemas/common.js';

/** An error with its HTTP status and machine-readable code (product §4 error shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError(400, 'validation_error', message, details);
export const unauthorized = (message = 'missing or invalid bearer token') => new ApiError(401, 'unauthorized', message);
export const forbidden = (message = 'not allowed') => new ApiError(403, 'forbidden', message);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, details?: unknown) => new ApiError(409, 'conflict', message, details);
export const unprocessable = (message: string, code = 'business_rule', details?: unknown) => new ApiError(422, code, message, details);
/** A service the request depends on is down or not configured; the client may retry later. */
export const unavailable = (code: string, message: string) => new ApiError(503, code, message);
export const splitsLocked = (message = 'splits are locked: a payout of this placement has started') =>
  new ApiError(409, 'splits_locked', message);

export const invalidData = () => unprocessable('the data of this request cannot be stored', 'invalid_data');

/** Owner-neutral: says until when, not who. */
export const protectedCandidate = (until: Date) =>
  new ApiError(409, 'candidate_protected', `this candidate is under another recruiter's protection window until ${until.toISOString()}`, {
    protectedUntil: until.toISOString(),
  });

/** Permanent workflow/activity failure types → HTTP errors. */
const FAILURE_STATUS: Record<string, (message: string) => ApiError> = {
  [FAILURE_TYPES.DuplicateOpenProposal]: (m) => conflict(m),
  [FAILURE_TYPES.DuplicatePlacement]: (m) => conflict(m),
  [FAILURE_TYPES.InvalidState]: (m) => conflict(m),
  [FAILURE_TYPES.InvalidTransition]: (m) => conflict(m),
  [FAILURE_TYPES.Forbidden]: (m) => forbidden(m),
  [FAILURE_TYPES.JobNotOpen]: (m) => unprocessable(m, 'job_not_open'),
  [FAILURE_TYPES.JobNotFound]: () => notFound('job'),
  [FAILURE_TYPES.ProposalNotFound]: () => notFound('proposal'),
  [FAILURE_TYPES.PlacementNotFound]: () => notFound('placement'),
  [FAILURE_TYPES.CandidateNotFound]: () => notFound('candidate'),
  [FAILURE_TYPES.InvalidSplits]: (m) => unprocessable(m, 'invalid_splits'),
  [FAILURE_TYPES.SplitsLocked]: (m) => splitsLocked(m),
  [FAILURE_TYPES.AlreadySourced]: (m) => conflict(m),
  [FAILURE_TYPES.CandidateProtected]: (m) => new ApiError(409, 'candidate_protected', m),
  [FAILURE_TYPES.ApprovalExpired]: (m) => new ApiError(409, 'approval_expired', m),
  [FAILURE_TYPES.ApplicationNotFound]: () => notFound('application'),
  [FAILURE_TYPES.ActionNotApplicable]: (m) => unprocessable(m, 'action_not_applicable'),
  [FAILURE_TYPES.IntegrationExists]: (m) => new ApiError(409, 'integration_exists', m),
  [FAILURE_TYPES.IntegrationNotFound]: () => notFound('integration'),
  // The database's own message is an internal detail.
  [FAILURE_TYPES.InvalidData]: () => invalidData(),
};

function fromTemporal(err: unknown): ApiError | undefined {
  if (err instanceof WorkflowUpdateFailedError) {
    // An update handler whose activity refused arrives as an ActivityFailure around the ApplicationFailure.
    for (let cause: unknown = err.cause; cause instanceof Error; cause = cause.cause) {
      if (cause instanceof ApplicationFailure && cause.type && FAILURE_STATUS[cause.type]) {
        return FAILURE_STATUS[cause.type]!(cause.message);
      }
    }
  }
  // An update sent to a finished workflow: the process is over, the command is late.
  if (err instanceof WorkflowNotFoundError) return conflict('this process has already finished');
  // A keyed retry of a request whose process has since finished: answered by its current state.
  if (err instanceof WorkflowExecutionAlreadyStartedError) return conflict("this request's process has already finished");
  return undefined;
}

/**
 * Maps the client errors Express and body-parser raise before a route runs to 4xx:
 * malformed JSON, too large, an unsupported or corrupt Content-Encoding, a malformed
 * percent-escape in the path. Any other error carrying a 4xx status is the client's too.
 */
function fromHttpLayer(err: unknown): ApiError | undefined {
  const e = err as { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string; errno?: number };
  if (e?.type === 'entity.parse.failed') return badRequest('request body is not valid JSON');
  if (e?.type === 'entity.too.large') return new ApiError(413, 'payload_too_large', 'request body is too large');
  if (e?.type === 'encoding.unsupported') return new ApiError(415, 'unsupported_encoding', e.message ?? 'unsupported content encoding');
  const status = e?.status ?? e?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (err instanceof URIError) return badRequest('the URL has a malformed percent-escape');
  // zlib errors (a body that claims an encoding it does not have) carry errno; their text is an internal detail.
  if (typeof e.errno === 'number') return badRequest('the request body could not be decoded as its Content-Encoding says');
  return new ApiError(status, 'bad_request', e.expose && e.message ? e.message : 'bad request');
}

export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof z.ZodError) return badRequest('request validation failed', err.issues);
  // A route's own write the database refused for its data (the edge check should have caught it): the client's, not a 500.
  if (permanentSqlState(err)) return invalidData();
  return fromTemporal(err) ?? fromHttpLayer(err);
}

/** The one error handler: a known error keeps its status; anything else is a logged 500 without internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toApiError(err);
    if (!known) logger.error({ err, reqId: req.id }, 'unhandled error');
    const e = known ?? new ApiError(500, 'internal_error', 'internal error');
    res.status(e.status).json(errorBody(e));
  };
}

/** Every error answer's body, typed by the documented error schema so the two cannot drift. */
export const errorBody = (e: ApiError): z.infer<typeof errorSchema> => ({
  error: { code: e.code, message: e.message, ...(e.details !== undefined && { details: e.details }) },
});
