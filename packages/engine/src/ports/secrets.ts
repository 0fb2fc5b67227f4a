/**
 * Where a job's secrets come from. A job definition holds references, `{ "secretRef": "env:NAME" }`,
 * never values (docs/configuration.md#secret-references); a provider turns a reference into the
 * value when a command needs it. The command line serves `env:` (the process environment) today;
 * an encrypted secret store plugs in here as another provider.
 */
export type SecretLookup =
  | { readonly found: true; readonly value: string }
  /** `problem` says why there is no value and how to fix it; it never holds a secret. */
  | { readonly found: false; readonly problem: string };

export interface SecretProvider {
  /** Resolves a reference, `<scheme>:<name>` (e.g. `env:ZENDESK_TOKEN`). */
  resolve(reference: string): Promise<SecretLookup>;
}
