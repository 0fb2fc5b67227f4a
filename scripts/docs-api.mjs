// Writes what is generated from the admin API's OpenAPI document (`npm run docs:api`):
// docs/api-reference.md, and the console's typed client (packages/console/src/api/schema.d.ts),
// so that the console cannot call a route or read a field the API does not have.
import { writeFile } from 'node:fs/promises';
import { apiReference, openApiDocument } from '../packages/cli/dist/api-reference.js';
import { consoleApiTypes } from './console-api-types.mjs';

await writeFile(new URL('../docs/api-reference.md', import.meta.url), await apiReference());
console.log('wrote docs/api-reference.md');
await writeFile(
  new URL('../packages/console/src/api/schema.d.ts', import.meta.url),
  await consoleApiTypes(await openApiDocument()),
);
console.log('wrote packages/console/src/api/schema.d.ts');
