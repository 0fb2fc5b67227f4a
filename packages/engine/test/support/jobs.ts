/** Job definitions for engine tests. */
import { type CompiledJob, compileJobWithoutSecrets } from '../../src/jobs/compile.js';
import type { SecretProvider } from '../../src/ports/secrets.js';

/** A provider that knows the given references (`env:NAME` → value) and nothing else. */
export function secretsOf(values: Readonly<Record<string, string>>): SecretProvider {
  return {
    async resolve(reference) {
      const value = values[reference];
      return value === undefined
        ? { found: false, problem: `${reference} is not known to the test provider` }
        : { found: true, value };
    },
  };
}

/** A compiled job for stage tests, synchronously: the definition compiled, placeholder secrets. */
export function testJob(definition: unknown): CompiledJob {
  const job = compileJobWithoutSecrets(definition);
  return {
    ...job,
    source: { ...job.source, clientSecret: 'test-secret' },
    target: { ...job.target, secretToken: 'test-token' },
  };
}
