/**
 * The command line's secret providers (the engine's `SecretProvider` port): `env:NAME` references
 * resolve to environment variables of the process (docs/configuration.md#secret-references). The
 * encrypted secret store of a later version adds its scheme here.
 */
import { type SecretLookup, type SecretProvider, secretScheme } from '@provisio/engine';

export type Environment = Readonly<Record<string, string | undefined>>;

/** The schemes a stored job definition may use: resolvable on any machine that runs the job. */
export const storableSecretSchemes: readonly string[] = ['env'];

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Resolves `env:NAME` from `env`; any other scheme is a problem naming the schemes served. */
export function environmentSecrets(env: Environment): SecretProvider {
  return {
    async resolve(reference: string): Promise<SecretLookup> {
      const scheme = secretScheme(reference);
      if (scheme !== 'env')
        return {
          found: false,
          problem: `"${reference}": provisio resolves env:<VARIABLE> references only (docs/configuration.md#secret-references)`,
        };
      const name = reference.slice('env:'.length);
      if (!variableName.test(name))
        return {
          found: false,
          problem: `"${reference}": ${name} is not an environment variable name (letters, digits and _, not starting with a digit)`,
        };
      const value = env[name];
      if (value === undefined)
        return {
          found: false,
          problem: `environment variable ${name} is not set (export ${name}=… or remove the reference)`,
        };
      return { found: true, value };
    },
  };
}

/**
 * Secrets written as literal values in a configuration file, answered under `inline:<path>`
 * references (never stored: `jobs import` refuses literal secrets), before `fallback`.
 */
export function withInlineSecrets(
  values: ReadonlyMap<string, string>,
  fallback: SecretProvider,
): SecretProvider {
  return {
    async resolve(reference: string): Promise<SecretLookup> {
      const value = values.get(reference);
      return value === undefined ? fallback.resolve(reference) : { found: true, value };
    },
  };
}
