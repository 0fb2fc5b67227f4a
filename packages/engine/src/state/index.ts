export { newJobRecord } from './job-record.js';
export { DEFAULT_LOG_LIMIT, KyselyStateStore, type KyselyStateStoreOptions } from './kysely-store.js';
export type { SqlDialect } from './migrations.js';
export { openStateStore, redactUrl, resolveDatabaseUrl } from './open.js';
export { bucketFor, storeRequestBudget } from './request-budget.js';
export type { Database as StateDatabase } from './schema.js';
