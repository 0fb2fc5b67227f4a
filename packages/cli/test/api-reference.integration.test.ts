/** What is generated from the routes must be what they generate today (run `npm run docs:api`). */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { consoleApiTypes } from '../../../scripts/console-api-types.mjs';
import { apiReference, openApiDocument } from '../src/api-reference.js';

describe('generated from the OpenAPI document', () => {
  it('docs/api-reference.md matches the routes (run `npm run docs:api` after changing a route)', async () => {
    const committed = await readFile(new URL('../../../docs/api-reference.md', import.meta.url), 'utf8');
    expect(committed).toBe(await apiReference());
  });

  it("the console's typed client matches the routes (run `npm run docs:api` after changing a route)", async () => {
    const committed = await readFile(new URL('../../console/src/api/schema.d.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await consoleApiTypes(await openApiDocument()));
  });
});
