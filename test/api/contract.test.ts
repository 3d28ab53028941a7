import type { AddressInfo } from 'node:net';
import express from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../api/app.js';
import { checkErrorStatus, contractModeOf, setResponseContract, type ContractMode, type ContractViolation } from '../../api/contract.js';
import { ApiError, badRequest, errorHandler, notFound } from '../../api/errors.js';
import { errorSchema } from '../../api/schemas/common.js';
import { route, type RouteResult } from '../../api/routing.js';
import { loadConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { signToken, TOKEN_DEFAULTS } from '../../lib/tokens.js';

const logger = createLogger('contract-test', 'silent');

/** A one-operation app declaring 200 `{a: string}` that answers whatever `answer` says. */
async function tinyApp(mode: ContractMode, answer: () => RouteResult) {
  const violations: ContractViolation[] = [];
  const app = express();
  setResponseContract(app.locals, { mode, logger, onViolation: (v) => violations.push(v) });
  const router = express.Router();
  route(
    router,
    [],
    { method: 'get', path: '/thing', summary: 'A thing', responses: { 200: { description: 'It', schema: z.object({ a: z.string() }) } } },
    async () => answer(),
  );
  router.get('/fails', () => {
    throw new ApiError(409, 'conflict', 'taken', { id: 1 });
  });
  app.use(router);
  app.use(checkErrorStatus, errorHandler(logger));
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const get = async (path = '/thing') => {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return { status: res.status, body: (await res.json()) as { error?: { code: string; details?: unknown } } };
  };
  try {
    return { violations, res: await get(), failure: await get('/fails') };
  } finally {
    server.close();
  }
}

describe('the response contract', () => {
  it('answers a body that matches its declared schema as sent', async () => {
    const { res, violations } = await tinyApp('enforce', () => ({ status: 200, body: { a: 'x' } }));
    expect(res).toEqual({ status: 200, body: { a: 'x' } });
    expect(violations).toEqual([]);
  });

  it('turns a field of the wrong type into a 500 response_contract and records it', async () => {
    const { res, violations } = await tinyApp('enforce', () => ({ status: 200, body: { a: 1 } }));
    expect(res.status).toBe(500);
    expect(res.body.error?.code).toBe('response_contract');
    expect(violations).toEqual([{ method: 'GET', path: '/thing', status: 200, issues: [expect.objectContaining({ path: ['a'] })] }]);
  });

  it('flags a field the schema does not declare, though zod would strip it', async () => {
    const { res, violations } = await tinyApp('enforce', () => ({ status: 200, body: { a: 'x', secret: 's' } }));
    expect(res.status).toBe(500);
    expect(violations[0]?.issues).toEqual([{ path: ['secret'], message: 'a field the schema does not declare' }]);
  });

  it('flags a status the operation does not declare', async () => {
    const { res, violations } = await tinyApp('enforce', () => ({ status: 201, body: { a: 'x' } }));
    expect(res.status).toBe(500);
    expect(violations[0]).toMatchObject({ status: 201, issues: [{ message: expect.stringContaining('status 201 is not declared') }] });
  });

  it('flags an error status the operation does not declare, but lets the implicit ones (400, 500) through', async () => {
    const undeclared = await tinyApp('enforce', () => {
      throw notFound('thing');
    });
    expect(undeclared.res.status).toBe(500);
    expect(undeclared.violations).toEqual([
      expect.objectContaining({
        status: 404,
        issues: [expect.objectContaining({ message: expect.stringContaining('error status 404 is not declared') })],
      }),
    ]);
    const invalid = await tinyApp('enforce', () => {
      throw badRequest('no');
    });
    expect(invalid.res).toEqual({ status: 400, body: { error: { code: 'validation_error', message: 'no' } } });
    expect(invalid.violations).toEqual([]);
  });

  it('only logs and reports a mismatch in log mode, and skips the check when off', async () => {
    const logged = await tinyApp('log', () => ({ status: 200, body: { a: 1 } }));
    expect(logged.res).toEqual({ status: 200, body: { a: 1 } });
    expect(logged.violations).toHaveLength(1);
    const off = await tinyApp('off', () => ({ status: 200, body: { a: 1 } }));
    expect(off.res).toEqual({ status: 200, body: { a: 1 } });
    expect(off.violations).toEqual([]);
  });

  it('enforces the contract in tests and development, skips it in production unless API_CHECK_RESPONSES says otherwise', () => {
    const env = { DATABASE_URL: 'postgres://localhost/x', JWT_SECRET: 's'.repeat(32), RESEND_API_KEY: 're_test' };
    expect(contractModeOf(loadConfig('api', env))).toBe('enforce');
    expect(contractModeOf({ NODE_ENV: 'production' })).toBe('off');
    expect(contractModeOf(loadConfig('api', { ...env, API_CHECK_RESPONSES: 'log' }))).toBe('log');
    expect(() => loadConfig('api', { ...env, API_CHECK_RESPONSES: 'strict' })).toThrow(/API_CHECK_RESPONSES/);
  });

  it('answers errors in the documented error shape, nothing more', async () => {
    const { failure } = await tinyApp('enforce', () => ({ status: 200, body: { a: 'x' } }));
    expect(failure.status).toBe(409);
    expect(errorSchema.strict().safeParse(failure.body).success).toBe(true);
    expect(failure.body).toEqual({ error: { code: 'conflict', message: 'taken', details: { id: 1 } } });
  });
});

describe('the declared error statuses', () => {
  it('include the 503 of the integration routes on a server without ATS keys', async () => {
    const violations: ContractViolation[] = [];
    const jwt = { secret: 'x'.repeat(32), issuer: 'contract-test', ...TOKEN_DEFAULTS };
    const app = createApp({
      temporal: {} as never,
      db: {} as never,
      config: { JWT_SECRET: jwt.secret, JWT_ISSUER: jwt.issuer },
      logger,
      onContractViolation: (v) => violations.push(v),
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    try {
      const token = await signToken(
        { sub: crypto.randomUUID(), role: 'company_admin', companyId: crypto.randomUUID(), recruiterId: null },
        jwt,
      );
      const create = await fetch(`${base}/integrations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ platform: 'greenhouse', credentials: { clientId: 'c', clientSecret: 's', userId: 'u' } }),
      });
      const webhook = await fetch(`${base}/integrations/${crypto.randomUUID()}/webhooks`, { method: 'POST', body: '{}' });
      expect([create.status, webhook.status]).toEqual([503, 503]);
      expect(((await create.json()) as { error: { code: string } }).error.code).toBe('integrations_not_configured');
      expect(violations).toEqual([]);
    } finally {
      server.close();
    }
  });
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method and path the routers under `stack` answer (Express's own route table). */
const routesOf = (stack: Layer[]): string[] =>
  stack.flatMap((l) => (l.route ? Object.keys(l.route.methods).map((m) => `${m} ${l.route!.path}`) : routesOf(l.handle?.stack ?? [])));

describe('the OpenAPI document', () => {
  type Responses = Record<string, { content?: { 'application/json': { schema: unknown } } }>;
  let routes: string[];
  let paths: Record<string, Record<string, { responses: Responses }>>;
  beforeAll(async () => {
    // The routes only touch Temporal and the database when called: building the app registers every operation.
    const app = createApp({
      temporal: {} as never,
      db: {} as never,
      config: { JWT_SECRET: 'x'.repeat(32), JWT_ISSUER: 'contract-test' },
      logger,
      ats: { keyRing: new Map() as never, connectorFor: (() => undefined) as never, allowBaseUrl: false, publicUrl: 'http://api.test' },
    });
    const api = (app as unknown as { router: { stack: Layer[] } }).router.stack.find((l) =>
      routesOf(l.handle?.stack ?? []).includes('get /openapi.json'),
    );
    routes = routesOf(api!.handle!.stack!).filter((r) => r !== 'get /openapi.json');
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      paths = (
        (await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/openapi.json`)).json()) as {
          paths: typeof paths;
        }
      ).paths;
    } finally {
      server.close();
    }
  });

  it('lists every route the API answers', () => {
    expect(routes.length).toBeGreaterThan(40);
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m} ${path.replace('/api/v1', '').replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
  });

  // Downloads (the decision log export, a CV) answer bytes, not a JSON schema.
  it('gives a response schema for each declared status that has a body', () => {
    const missing = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) =>
        Object.entries(op.responses)
          .filter(
            ([status, response]) =>
              status !== '204' && !response.content && !(method === 'get' && /\/decisions\/export$|\/candidates\/\{id\}\/cv$/.test(path)),
          )
          .map(([status]) => `${method} ${path} ${status}`),
      ),
    );
    expect(missing).toEqual([]);
  });
});
