/**
 * The configuration the engine runs with is a compiled job (`../jobs/compile.ts`): a job definition
 * validated, its mappings and scoping filters compiled, its secrets resolved. Reading files and
 * `${ENV}` references is the command line's business (packages/cli/src/config-file.ts).
 */
import type { CompiledJob } from '../jobs/compile.js';

/** What cycles, plans, role imports and provisioning on demand run with. */
export type Config = CompiledJob;
