import { Router } from 'express';
import type { Db } from '../../lib/db.js';
import { signInDal, type ApiKeyRow } from '../../db/dal/sign-in.js';
import { actorOf, newApiKey } from '../auth.js';
import { conflict, notFound } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';
import { idParams } from '../schemas/common.js';
import { apiKeyListDto, apiKeyNameBody, createdApiKeyDto } from './sign-in.schemas.js';

/** Enough for every script a person runs; more suggests keys are being minted instead of reused. */
export const MAX_LIVE_API_KEYS = 20;

const toDto = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

/**
 * Personal API keys (any role): a key acts as its user with the user's current role, company
 * and recruiter profile, read on every request, so a role change or deactivation applies at once.
 */
export function apiKeyRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const dal = signInDal(db);
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/me/api-keys',
      summary: "The caller's live API keys, newest first (names and prefixes, never the secrets)",
      responses: { 200: { description: 'The keys', schema: apiKeyListDto } },
    },
    async ({ res }) => ({ status: 200, body: { data: (await dal.liveApiKeys(actorOf(res).userId)).map(toDto) } }),
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/me/api-keys',
      body: apiKeyNameBody,
      summary: 'Create a personal API key: the answer is the only time the key is shown (it is stored hashed)',
      responses: {
        201: { description: 'The key, shown once', schema: createdApiKeyDto },
        409: { description: `The caller already has ${MAX_LIVE_API_KEYS} live keys` },
      },
    },
    async ({ body, res }) => {
      const { userId } = actorOf(res);
      if ((await dal.liveApiKeyCount(userId)) >= MAX_LIVE_API_KEYS)
        throw conflict(`at most ${MAX_LIVE_API_KEYS} live API keys: revoke one first`);
      const { key, prefix, keyHash } = newApiKey();
      const row = await dal.createApiKey({ user_id: userId, name: body.name, prefix, key_hash: keyHash });
      return { status: 201, body: { ...toDto(row), key } };
    },
  );

  route(
    router,
    registry,
    {
      method: 'delete',
      path: '/me/api-keys/:id',
      params: idParams,
      summary: "Revoke one of the caller's API keys (it stops working at once)",
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such live key of the caller' } },
    },
    async ({ params, res }) => {
      if (!(await dal.revokeApiKey(actorOf(res).userId, params.id))) throw notFound('API key');
      return { status: 204, body: undefined };
    },
  );
  return router;
}
