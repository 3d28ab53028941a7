/** Regenerates web/api-types.d.ts from the API's OpenAPI document (`npm run generate:web-types`). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateWebApiTypes, WEB_API_TYPES } from './lib/web-api-types.js';

writeFileSync(WEB_API_TYPES, await generateWebApiTypes());
console.log(`wrote ${fileURLToPath(WEB_API_TYPES)}`);
