// Writes docs/api-reference.md from the admin API's OpenAPI document (`npm run docs:api`).
import { writeFile } from 'node:fs/promises';
import { apiReference } from '../packages/cli/dist/api-reference.js';

await writeFile(new URL('../docs/api-reference.md', import.meta.url), await apiReference());
console.log('wrote docs/api-reference.md');
