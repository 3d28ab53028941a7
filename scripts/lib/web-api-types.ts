import type { Client } from '@temporalio/client';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { createApp, openApiDocumentOf } from '../../api/app.js';
import type { Db } from '../../lib/db.js';

/** Where the web app's API types live (committed; test/web/api-types.test.ts keeps it current). */
export const WEB_API_TYPES = new URL('../../web/api-types.d.ts', import.meta.url);

/**
 * web/api-types.d.ts as the current API would generate it: the same OpenAPI document the API
 * serves at /api/v1/openapi.json, taken from an app that is built but never started (its routes
 * only register operations, so the Temporal client and the database are never touched).
 */
export async function generateWebApiTypes(): Promise<string> {
  const app = createApp({ temporal: {} as Client, db: {} as Db, config: { JWT_ISSUER: 'types', JWT_SECRET: 'types' } });
  const document = openApiDocumentOf(app);
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { silent: true });
  return `${COMMENT_HEADER.replace('openapi-typescript.', "openapi-typescript from the API's OpenAPI document:\n * run `npm run generate:web-types`.")}${astToString(ast)}`;
}
