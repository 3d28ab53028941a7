import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateWebApiTypes, WEB_API_TYPES } from '../../scripts/lib/web-api-types.js';

describe('web/api-types.d.ts', () => {
  it('equals the types generated from the current OpenAPI document (else run `npm run generate:web-types`)', async () => {
    const generated = await generateWebApiTypes();
    expect(generated).toContain('"/api/v1/proposals/{id}"');
    expect(readFileSync(WEB_API_TYPES, 'utf8') === generated, 'web/api-types.d.ts is stale: run `npm run generate:web-types`').toBe(true);
  });
});
