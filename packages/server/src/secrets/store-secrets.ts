/**
 * The `store:` secret references: `{ "secretRef": "store:sp/<servicePrincipalId>/SecretToken" }`
 * names a value the admin API sealed into the state store (`PUT .../synchronization/secrets`).
 * A job definition holds the reference; this provider opens the value when a job runs.
 */
import { type SecretLookup, type SecretProvider, type StateStore, secretScheme } from '@provisio/engine';
import type { SecretVault } from '../context.js';

export const STORE_SCHEME = 'store';

/** The scope of a service principal's secrets in the `secrets` table. */
export const servicePrincipalScope = (servicePrincipalId: string) => `sp:${servicePrincipalId.toLowerCase()}`;

/** `store:sp/<id>/<name>`: the reference to a service principal's secret. */
export function storeReference(servicePrincipalId: string, name: string): string {
  return `${STORE_SCHEME}:sp/${servicePrincipalId.toLowerCase()}/${name}`;
}

export function storeSecrets(store: StateStore, vault: SecretVault): SecretProvider {
  return {
    async resolve(reference: string): Promise<SecretLookup> {
      const match = /^store:sp\/([^/]+)\/([A-Za-z0-9]+)$/.exec(reference);
      if (match === null)
        return {
          found: false,
          problem: `"${reference}" is not a store reference (store:sp/<service principal id>/<key>)`,
        };
      const [, sp, name] = match as unknown as [string, string, string];
      const sealed = (await store.listSecrets(servicePrincipalScope(sp))).find((s) => s.name === name);
      if (sealed === undefined)
        return {
          found: false,
          problem: `no ${name} is saved for service principal ${sp}: save it with PUT /v1.0/servicePrincipals/${sp}/synchronization/secrets`,
        };
      return { found: true, value: vault.open(sealed.sealed) };
    },
  };
}

/** Sends each reference to the provider of its scheme. */
export function secretsByScheme(providers: Readonly<Record<string, SecretProvider>>): SecretProvider {
  return {
    async resolve(reference: string): Promise<SecretLookup> {
      const scheme = secretScheme(reference) ?? '';
      const provider = providers[scheme];
      if (provider === undefined)
        return {
          found: false,
          problem: `"${reference}": this server resolves ${Object.keys(providers)
            .map((s) => `${s}:`)
            .join(' and ')} references only (docs/configuration.md#secret-references)`,
        };
      return provider.resolve(reference);
    },
  };
}
