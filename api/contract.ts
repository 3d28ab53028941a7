import type { ErrorRequestHandler, Request, Response } from 'express';
import type { z } from 'zod';
import type { CONTRACT_MODES } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { ApiError, toApiError } from './errors.js';
import { responseSchema, type Operation } from './openapi.js';

/** What a route handler answers: checked against the operation's declared responses. */
export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Checking each response against its operation's declared schema: `enforce` answers a mismatch with a
 * 500 (tests, development), `log` only logs it, `off` skips the check (production default).
 */
export type ContractMode = (typeof CONTRACT_MODES)[number];

export interface ContractIssue {
  path: PropertyKey[];
  message: string;
}

/** A response that did not match what its operation declares. */
export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  issues: ContractIssue[];
}

export interface ResponseContract {
  mode: ContractMode;
  logger?: Logger;
  /** Told of every violation (the test harness records them and fails the test file). */
  onViolation?: (violation: ContractViolation) => void;
}

/** The mode a process runs in: as configured, else `enforce` everywhere but production, which skips the check. */
export const contractModeOf = (config: { NODE_ENV?: string; API_CHECK_RESPONSES?: ContractMode }): ContractMode =>
  config.API_CHECK_RESPONSES ?? (config.NODE_ENV === 'production' ? 'off' : 'enforce');

/** The app's settings (app.locals, set by createApp), and the operation answering a request (res.locals, for its errors). */
const CONTRACT_KEY = 'responseContract';
const OPERATION_KEY = 'operation';

export function setResponseContract(locals: Record<string, unknown>, contract: ResponseContract): void {
  locals[CONTRACT_KEY] = contract;
}

/** The app's contract when checking is on; undefined when off, so production pays nothing for it. */
function activeContract(req: Request): ResponseContract | undefined {
  const contract = req.app.locals[CONTRACT_KEY] as ResponseContract | undefined;
  return contract && contract.mode !== 'off' ? contract : undefined;
}

/**
 * What is wrong with `body` as it goes over the wire (its JSON form) against `schema`: zod's issues,
 * plus every key the schema does not declare (zod strips those silently, so an extra field would
 * otherwise pass). No schema declared: no body may be sent.
 */
export function contractIssues(schema: z.ZodType | undefined, body: unknown): ContractIssue[] {
  const sent: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  if (!schema) return sent === undefined ? [] : [{ path: [], message: 'a body is sent where the operation declares none' }];
  const parsed = schema.safeParse(sent);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
  return undeclaredKeys(sent, parsed.data, []);
}

/** Keys present in `sent` but dropped by the parse: fields the schema does not describe. */
function undeclaredKeys(sent: unknown, kept: unknown, path: PropertyKey[]): ContractIssue[] {
  if (Array.isArray(sent) && Array.isArray(kept)) return sent.flatMap((item, i) => undeclaredKeys(item, kept[i], [...path, i]));
  if (!isPlainObject(sent) || !isPlainObject(kept)) return [];
  return Object.keys(sent).flatMap((key) =>
    key in kept
      ? undeclaredKeys(sent[key], kept[key], [...path, key])
      : [{ path: [...path, key], message: 'a field the schema does not declare' }],
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The issues of one route result against its operation: an undeclared status, or a body off its schema. */
export function resultIssues(op: Operation, result: Pick<RouteResult, 'status' | 'body'>): ContractIssue[] {
  if (!op.responses[result.status])
    return [{ path: [], message: `status ${result.status} is not declared (declared: ${Object.keys(op.responses).join(', ')})` }];
  return contractIssues(responseSchema(op, result.status), result.body);
}

/** The error statuses every operation may answer without declaring them (the document adds them). */
function implicitErrorStatus(op: Operation, status: number): boolean {
  return status === 400 || (status === 401 && op.auth !== false) || (status === 403 && op.roles !== undefined) || status === 500;
}

/**
 * Checks a route's result before it is sent, as the app's contract mode says: a violation is
 * logged and reported, and in `enforce` mode becomes a 500 `response_contract` instead of the body.
 */
export function checkResponse(req: Request, op: Operation, result: RouteResult): void {
  const contract = activeContract(req);
  if (contract) report(contract, op, result.status, resultIssues(op, result));
}

/** Remembers which operation is answering, so an error it throws can be checked against its declared statuses. */
export function markOperation(res: Response, op: Operation): void {
  res.locals[OPERATION_KEY] = op;
}

/**
 * Before the central error handler: an error status the failing operation does not declare is drift
 * as well (the document would not list it), reported and, in `enforce` mode, answered as a 500.
 */
export const checkErrorStatus: ErrorRequestHandler = (err, req, res, next) => {
  const contract = activeContract(req);
  const op = res.locals[OPERATION_KEY] as Operation | undefined;
  const status = toApiError(err)?.status ?? 500;
  if (!contract || !op || op.responses[status] || implicitErrorStatus(op, status)) return next(err);
  try {
    report(contract, op, status, [
      { path: [], message: `error status ${status} is not declared (declared: ${Object.keys(op.responses).join(', ')})` },
    ]);
  } catch (violation) {
    return next(violation);
  }
  next(err);
};

function report(contract: ResponseContract, op: Operation, status: number, issues: ContractIssue[]): void {
  if (issues.length === 0) return;
  const violation: ContractViolation = { method: op.method.toUpperCase(), path: op.path, status, issues };
  contract.logger?.error({ contract: violation }, 'response does not match its declared contract');
  contract.onViolation?.(violation);
  if (contract.mode === 'enforce') {
    throw new ApiError(500, 'response_contract', `${violation.method} ${op.path} answered ${status} off its declared contract`, issues);
  }
}
