import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SEARCH_ATTRIBUTES } from '../../domain/temporal.js';

describe('search attributes', () => {
  it('are registered by the compose setup script exactly as the workflows define them', () => {
    const script = readFileSync(new URL('../../docker/temporal/setup-namespace.sh', import.meta.url), 'utf8');
    const listed = /SEARCH_ATTRIBUTES="\n([\s\S]*?)\n"/
      .exec(script)![1]!
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const defined = Object.values(SEARCH_ATTRIBUTES).map((a) => `${a.name}:${a.type.charAt(0)}${a.type.slice(1).toLowerCase()}`);
    expect(listed.sort()).toEqual(defined.sort());
  });
});
