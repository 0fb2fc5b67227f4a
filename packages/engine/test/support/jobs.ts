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

/** The smallest valid job definition (input form: defaults not applied), for tests to extend. */
export const exampleDefinition = {
  id: 'zendesk.example',
  source: {
    type: 'entra',
    tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
    clientId: '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607',
    clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
    servicePrincipalId: '11111111-2222-4333-8444-555555555555',
  },
  target: {
    type: 'zendesk',
    adminUsername: 'admin@example.com',
    secretToken: { secretRef: 'env:ZENDESK_TOKEN' },
    domain: 'example',
  },
} as const;
