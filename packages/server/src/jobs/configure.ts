/**
 * From a Graph job and its service principal's secrets to a provisio job definition that runs
 * (docs/api.md#secrets): once the saved keys suffice, every job of the service principal is
 * (re)built from its sections (the draft's, or the stored definition's) and the secrets, validated
 * whole, and saved (audited: `store.saveJobDefinition` records before and after, secrets as
 * references).
 */
import {
  type ConfigProblem,
  checkJobDefinition,
  type JobDefinition,
  type JobDefinitionInput,
  type StateStore,
} from '@provisio/engine';
import { ApiError, type ErrorDetail } from '../http/errors.js';
import { type CatalogJob, listJobs } from './catalog.js';
import { definitionFrom, keyOfPath, missingKeys, type SecretValues } from './credentials.js';

export type BuiltDefinition =
  | { readonly kind: 'incomplete'; readonly missing: readonly string[] }
  | { readonly kind: 'invalid'; readonly problems: readonly ConfigProblem[] }
  | { readonly kind: 'ok'; readonly definition: JobDefinition };

/** The job's definition from its sections and `values`, checked whole (mappings included). */
export function buildDefinition(
  job: CatalogJob,
  values: SecretValues,
  override: (input: JobDefinitionInput) => JobDefinitionInput = (input) => input,
): BuiltDefinition {
  const built = definitionFrom(job.jobId, job.servicePrincipalId, job.sections, values);
  if (built === null) return { kind: 'incomplete', missing: missingKeys(values) };
  // A CA file the stored definition names (the demo's, a job imported from a file) is not a secret: kept.
  const caFile = job.record?.definition.source.caCertificateFile;
  const input =
    caFile === undefined ? built : { ...built, source: { ...built.source, caCertificateFile: caFile } };
  const check = checkJobDefinition(override(input), { where: `job ${job.jobId}` });
  if (!check.ok) return { kind: 'invalid', problems: check.problems };
  // The definition as the schema gives it, defaults applied; `check.job` is the compiled form.
  return { kind: 'ok', definition: check.job.definition };
}

/** Problems of a built definition, each naming the secret key (or the definition's path) to fix. */
export function problemDetails(problems: readonly ConfigProblem[]): ErrorDetail[] {
  return problems.map((problem) => {
    const key = keyOfPath[problem.path];
    return {
      code: 'InvalidValue',
      target: key ?? problem.path,
      message: key === undefined ? `${problem.path}: ${problem.message}` : `${key}: ${problem.message}`,
    };
  });
}

export function invalidDefinition(jobId: string, problems: readonly ConfigProblem[]): ApiError {
  const details = problemDetails(problems);
  return new ApiError(
    400,
    `Job ${jobId} cannot be configured with these values: ${details.map((d) => d.message).join('; ')}.`,
    { details },
  );
}

export interface Materialised {
  /** Jobs whose definition was saved (new or changed). */
  readonly saved: readonly string[];
  /** Jobs left as they were because required keys are missing. */
  readonly incomplete: readonly string[];
}

/**
 * Builds every job of the service principal from `values`; throws a 400 `ApiError` listing every
 * problem before anything is saved, else returns the definitions to save. Jobs whose keys do not
 * suffice yet stay drafts.
 */
export async function planMaterialisation(
  store: StateStore,
  servicePrincipalId: string,
  values: SecretValues,
): Promise<{ jobs: { job: CatalogJob; definition: JobDefinition }[]; incomplete: string[] }> {
  const jobs: { job: CatalogJob; definition: JobDefinition }[] = [];
  const incomplete: string[] = [];
  const problems: ErrorDetail[] = [];
  for (const job of await listJobs(store, servicePrincipalId)) {
    const built = buildDefinition(job, values);
    if (built.kind === 'incomplete') incomplete.push(job.jobId);
    else if (built.kind === 'invalid')
      problems.push(
        ...problemDetails(built.problems).map((d) => ({ ...d, message: `job ${job.jobId}: ${d.message}` })),
      );
    else jobs.push({ job, definition: built.definition });
  }
  if (problems.length > 0)
    throw new ApiError(
      400,
      `The secrets would make a job invalid: ${problems.map((d) => d.message).join('; ')}.`,
      { details: problems },
    );
  return { jobs, incomplete };
}
