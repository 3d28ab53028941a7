import { z } from 'zod';
import type { Role } from '../domain/actors.js';
import { errorSchema } from './schemas/common.js';

/** One documented operation; the same zod schemas validate requests and produce the document. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path under /api/v1, e.g. `/proposals/:id`. */
  path: string;
  summary: string;
  auth?: boolean;
  /** The roles that may call it, checked before the request is validated; unset: any signed-in caller. */
  roles?: readonly Role[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

/** The schema a declared status's body follows: its own, or for an error status the error shape. */
export const responseSchema = (op: Operation, status: number): z.ZodType | undefined =>
  op.responses[status]?.schema ?? (status >= 400 ? errorSchema : undefined);

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });

function parameters(op: Operation) {
  const fromObject = (where: 'path' | 'query', obj?: z.ZodObject) =>
    Object.entries(obj?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: where,
      required: where === 'path' || !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(schema as z.ZodType, 'input'),
    }));
  return [...fromObject('path', op.params), ...fromObject('query', op.query)];
}

export function buildOpenApiDocument(operations: Operation[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = `/api/v1${op.path.replace(/:(\w+)/g, '{$1}')}`;
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      const schema = responseSchema(op, Number(status));
      responses[status] = {
        description: r.description,
        ...(schema && { content: { 'application/json': { schema: jsonSchema(schema, 'output') } } }),
      };
    }
    for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
      if (status === '401' && op.auth === false) continue;
      if (status === '403' && !op.roles) continue;
      responses[status] ??= { description, content: { 'application/json': { schema: jsonSchema(errorSchema, 'output') } } };
    }
    (paths[path] ??= {})[op.method] = {
      summary: op.summary,
      // Who may call it, checked before the request is validated (drills/auth-matrix.drill.ts reads it).
      ...(op.roles && { description: `Roles: ${op.roles.join(', ')}.`, 'x-roles': op.roles }),
      ...(op.auth !== false && { security: [{ bearerAuth: [] }] }),
      parameters: parameters(op),
      ...(op.body && {
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } },
      }),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info,
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Validation error (zod issues in details)',
  '401': 'Missing or invalid bearer token',
  '403': "The caller's role may not call this operation",
};
