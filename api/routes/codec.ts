import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { signToken } from '../../lib/tokens.js';
import { actorOf, actorOfToken, bearerToken, readCookie, type TokenOptions } from '../auth.js';
import { badRequest, notFound } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';

/** The cookie the back office sets for a signed-in platform admin; only /codec reads it. */
export const OPERATOR_COOKIE = 'splits_operator';
const OPERATOR_TTL_S = 8 * 3600;

const base64 = z
  .string()
  .max(8_000_000)
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
/** Temporal's Payloads as proto JSON: metadata values and data are base64. */
const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })).max(10_000),
});
type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * Lets the browser of an allowed origin (the Temporal Web UI) call the codec with the
 * operator's credentials; any other origin gets no CORS headers, so its browser refuses.
 */
function cors(origins: string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin && origins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    if (req.method === 'OPTIONS') res.status(204).end();
    else next();
  };
}

/**
 * The codec server (Temporal's remote codec protocol) for the Web UI and the CLI:
 * `POST /codec/decode` and `/codec/encode` with `{ payloads }`. Decrypted payloads hold
 * personal data, so only platform admins get them: a bearer token (the CLI's
 * `--codec-auth`), or the operator cookie the web app sets at sign-in (the Web UI, with
 * "Include cross-origin credentials" on).
 */
export function codecRoutes({
  codec,
  tokens,
  namespace,
  origins,
}: {
  codec: PayloadCodec;
  tokens: TokenOptions;
  namespace: string;
  origins: string[];
}): Router {
  const router = Router();
  router.use(cors(origins), express.json({ limit: '8mb' }));
  for (const op of ['decode', 'encode'] as const) {
    router.post(`/${op}`, async (req, res) => {
      const actor = await actorOfToken(bearerToken(req.headers.authorization) ?? readCookie(req.headers.cookie, OPERATOR_COOKIE), tokens);
      if (actor.role !== 'platform_admin') {
        res.status(403).json({ error: { code: 'forbidden', message: 'only platform admins may see decrypted payloads' } });
        return;
      }
      const asked = req.header('x-namespace');
      if (asked && asked !== namespace) throw badRequest(`this codec serves the namespace "${namespace}", not "${asked}"`);
      const body = payloadsBody.parse(req.body);
      let payloads: Payload[];
      try {
        payloads = await codec[op](body.payloads.map(fromJson));
      } catch (err) {
        // A payload sealed with a key no longer in the ring, or tampered with.
        throw badRequest(`cannot ${op} these payloads: ${(err as Error).message}`);
      }
      res.json({ payloads: payloads.map(toJson) });
    });
  }
  router.use(() => {
    throw notFound('route');
  });
  return router;
}

/**
 * `POST /operator-session` (platform admins): puts a token for the caller in the operator
 * cookie, scoped to /codec, so the Temporal Web UI can decrypt payloads for them; `DELETE`
 * removes it (sign-out). The caller's own JWT when it signed in with one, else (a session
 * cookie or an API key, which /codec does not read) a JWT minted for them, living no longer
 * than the cookie.
 */
export function operatorSessionRoutes({
  registry,
  tokens,
  secure,
}: {
  registry: Operation[];
  tokens: TokenOptions;
  secure: boolean;
}): Router {
  const router = Router();
  const cookie = (value: string, maxAge: number) =>
    `${OPERATOR_COOKIE}=${encodeURIComponent(value)}; Path=/codec; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/operator-session',
      summary: 'Let the Temporal Web UI decrypt payloads for this platform admin (sets a cookie for /codec)',
      roles: ['platform_admin'],
      responses: { 204: { description: 'Cookie set' }, 403: { description: 'Not a platform admin' } },
    },
    async ({ req, res }) => {
      const bearer = bearerToken(req.headers.authorization);
      const { userId, role, companyId, recruiterId } = actorOf(res);
      const token =
        res.locals.credential?.kind === 'jwt' && bearer
          ? bearer
          : await signToken(
              { sub: userId, role, companyId: companyId ?? null, recruiterId: recruiterId ?? null },
              { ...tokens, lifetimeSeconds: OPERATOR_TTL_S },
            );
      res.setHeader('Set-Cookie', cookie(token, OPERATOR_TTL_S));
      return { status: 204, body: undefined };
    },
  );
  route(
    router,
    registry,
    {
      method: 'delete',
      path: '/operator-session',
      summary: 'Forget the operator cookie (sign-out)',
      responses: { 204: { description: 'Cookie removed' } },
    },
    async ({ res }) => {
      res.setHeader('Set-Cookie', cookie('', 0));
      return { status: 204, body: undefined };
    },
  );
  return router;
}
