import type { NodeAuthOptions } from '@azure/msal-node';

export const publicCloudAuthorityHost = 'https://login.microsoftonline.com';

/**
 * msal-node's `auth` options for a tenant. On the public cloud msal discovers the endpoints itself.
 * Any other host (the emulator, a private deployment) is declared a known authority and its metadata
 * is given inline, built from the identity platform's fixed v2.0 paths, so msal neither calls
 * login.microsoftonline.com for instance discovery nor fetches the OpenID configuration.
 */
export function msalAuthOptions(options: {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}): NodeAuthOptions {
  const host = options.authorityHost.replace(/\/+$/, '');
  const authority = `${host}/${options.tenantId}`;
  const base: NodeAuthOptions = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    authority,
  };
  if (new URL(host).host === new URL(publicCloudAuthorityHost).host) return base;
  const hostname = new URL(host).host;
  return {
    ...base,
    knownAuthorities: [hostname],
    authorityMetadata: JSON.stringify({
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      issuer: `${authority}/v2.0`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    }),
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: hostname, preferred_cache: hostname, aliases: [hostname] }],
    }),
  };
}
