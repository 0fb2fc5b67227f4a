/** docs/api-reference.md is generated from the routes: it must be what they generate today. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiReference } from '../src/api-reference.js';

describe('docs/api-reference.md', () => {
  it('matches the OpenAPI document of the routes (run `npm run docs:api` after changing a route)', async () => {
    const committed = await readFile(new URL('../../../docs/api-reference.md', import.meta.url), 'utf8');
    expect(committed).toBe(await apiReference());
  });
});
