import type { RequestHandler } from 'express';
import { ApiError, badRequest } from './errors.js';

/** JSON is UTF-8 (RFC 8259): a body declared in another charset is refused, not half-decoded. */
export const utf8JsonOnly: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  const charset = type && /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new ApiError(415, 'unsupported_charset', 'JSON bodies must be UTF-8');
  next();
};

/**
 * Refuses parsed bodies nested deeper than `max` levels: nothing the API takes is deep, and
 * deep values would overflow the recursive code that handles them later (hashing, validation).
 * Measured without recursion.
 */
export function maxJsonDepth(max: number): RequestHandler {
  return (req, _res, next) => {
    const stack: [unknown, number][] = [[req.body, 1]];
    while (stack.length) {
      const [value, depth] = stack.pop()!;
      if (value === null || typeof value !== 'object') continue;
      if (depth > max) throw badRequest(`request body is nested more than ${max} levels deep`);
      for (const child of Object.values(value)) stack.push([child, depth + 1]);
    }
    next();
  };
}
