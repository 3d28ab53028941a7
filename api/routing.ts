import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { requireRole } from './auth.js';
import { checkResponse, markOperation, type RouteResult } from './contract.js';
import type { Operation } from './openapi.js';
import { assertStorableText, normalizeText } from './text-guard.js';

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<O extends Operation> {
  params: Parsed<O['params']>;
  query: Parsed<O['query']>;
  body: Parsed<O['body']>;
  req: Request;
  res: Response;
}

// Defined beside the contract check that reads it (api/contract.ts), so the two modules import one way.
export type { RouteResult } from './contract.js';

/**
 * Registers one operation: checks the caller's role against `op.roles` (403 before anything
 * about the request is judged), refuses text that cannot be stored (api/text-guard.ts) anywhere
 * in params, query or a parsed JSON body and NFC-normalises the rest, validates them with its zod
 * schemas (a ZodError becomes a 400 in the central handler), runs the handler, checks its result
 * against the declared responses (api/contract.ts), and records the operation for the OpenAPI
 * document. Raw bodies (webhooks) are checked by their routes once parsed.
 */
export function route<const O extends Operation>(
  router: Router,
  registry: Operation[],
  op: O,
  handler: (ctx: RouteContext<O>) => Promise<RouteResult>,
): void {
  registry.push(op);
  router[op.method](op.path, async (req, res) => {
    markOperation(res, op);
    if (op.roles) requireRole(res, ...op.roles);
    const input = { params: req.params, query: req.query, body: Buffer.isBuffer(req.body) ? undefined : (req.body ?? {}) };
    assertStorableText(input);
    const { params, query, body } = normalizeText(input);
    const ctx = {
      params: op.params ? op.params.parse(params) : undefined,
      query: op.query ? op.query.parse(query) : undefined,
      body: op.body ? op.body.parse(body) : undefined,
      req,
      res,
    } as RouteContext<O>;
    const result = await handler(ctx);
    checkResponse(req, op, result);
    for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
    res.status(result.status).json(result.body);
  });
}
