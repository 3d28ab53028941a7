import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../lib/db.js';
import { idempotencyDal } from '../db/dal/idempotency.js';
import { actorOf } from './auth.js';
import { ApiError, conflict } from './errors.js';

const KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,255}$/;
/** A claim older than this without a response belongs to a request that died. */
const STALE_CLAIM_MS = 60_000;

/** What "the same request" means: method, URL and JSON body. */
export function hashRequest(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

/** A request body that is not JSON (an empty body, e.g. a bodiless command POST, is none). */
function hasRawBody(req: Request): boolean {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return hasBody && !req.is('application/json');
}

/**
 * `Idempotency-Key` on state-changing POSTs (product §4): a retry with the same key and
 * body gets the first response; the same key with another body → 422. Only successful
 * responses are kept, so a rejected request leaves nothing behind.
 */
export function idempotency(db: Db): RequestHandler {
  const keys = idempotencyDal(db);
  return async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (!KEY_PATTERN.test(key)) throw new ApiError(400, 'validation_error', 'Idempotency-Key must be 1-255 characters of [A-Za-z0-9_-:.]');
    // "The same request" is judged by its JSON body; a raw body (a CV upload) is not read yet
    // here, so a key could replay one file's answer for another: refused instead.
    if (hasRawBody(req)) {
      throw new ApiError(
        400,
        'validation_error',
        'Idempotency-Key is honoured on JSON requests only; send a file upload again to retry it',
      );
    }
    const actor = actorOf(res);
    const requestHash = hashRequest(req.method, req.originalUrl, req.body);

    const claim = { user_id: actor.userId, key, method: req.method, path: req.originalUrl, request_hash: requestHash };
    const claimed = (await keys.claim(claim)) || (await keys.takeOverStale(claim, STALE_CLAIM_MS));
    if (!claimed) {
      const first = await keys.find(actor.userId, key);
      if (!first || first.request_hash !== requestHash) {
        throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request');
      }
      if (first.status_code === null) throw conflict('a request with this Idempotency-Key is still in progress');
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(first.status_code).json(first.response_body);
      return;
    }

    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const store = res.statusCode < 300 ? keys.complete(actor.userId, key, res.statusCode, body) : keys.release(actor.userId, key);
      store.then(
        () => json(body),
        (err: unknown) => next(err),
      );
      return res;
    };
    next();
  };
}
