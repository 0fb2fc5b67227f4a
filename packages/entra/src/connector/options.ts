import { EngineErrorCode, issueLines } from '@provisio/engine';
import { z } from 'zod';
import { publicCloudAuthorityHost } from '../auth/authority.js';

/** What `createEntraSource` takes. Secrets are given as values, never logged. */
export interface EntraSourceOptions {
  /** Directory (tenant) id, or its domain. */
  readonly tenantId: string;
  /** Application (client) id of the provisioning app registration. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Object id of the Zendesk enterprise application's service principal (not its app id). */
  readonly servicePrincipalId: string;
  /** Identity platform host; default `https://login.microsoftonline.com`. */
  readonly authorityHost?: string;
  /** Microsoft Graph; default `https://graph.microsoft.com`. */
  readonly graphBaseUrl?: string;
  /** An extra trusted CA certificate (PEM), e.g. the emulator's; added to Node's root CAs. */
  readonly ca?: string;
  /** How to wait between retries (tests make it instant); default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Items per Graph page, 1 to 999; default 999 (fewest requests). */
  readonly pageSize?: number;
  /** Told the status of every HTTP response from Graph and the identity platform (metrics). */
  readonly onResponse?: (status: number) => void;
}

export interface ResolvedOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly servicePrincipalId: string;
  readonly authorityHost: string;
  readonly graphBaseUrl: string;
  /** The `.default` scope of the token: the Graph resource the tokens are for. */
  readonly scope: string;
  readonly ca: string | undefined;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pageSize: number;
}

export const defaultGraphBaseUrl = 'https://graph.microsoft.com';

/**
 * The Microsoft identity platform's hosts in Microsoft's clouds (global, US Government, China):
 * https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud
 */
const authorityHosts: ReadonlySet<string> = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/**
 * Whether a URL is one of Microsoft's own endpoints of that kind (https, one of Microsoft's hosts,
 * no path): anything else (an emulator, a proxy) is a custom endpoint. Hosts:
 * https://learn.microsoft.com/en-us/graph/deployments
 */
export function isMicrosoftEndpoint(kind: 'authorityHost' | 'graphBaseUrl', value: string): boolean {
  try {
    const url = new URL(value);
    const hosts = kind === 'authorityHost' ? authorityHosts : graphHosts;
    return (
      url.protocol === 'https:' &&
      url.port === '' &&
      url.username === '' &&
      url.password === '' &&
      (url.pathname === '/' || url.pathname === '') &&
      hosts.has(url.hostname.toLowerCase())
    );
  } catch {
    return false;
  }
}

/** Microsoft Graph's hosts in Microsoft's clouds: there the base URL is also the token's resource. */
const graphHosts: ReadonlySet<string> = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
]);

/**
 * The scope of the Graph token: `{graphBaseUrl}/.default` on Microsoft's Graph hosts. Any other base
 * URL (the emulator, a proxy in front of Graph) still serves Graph, whose tokens are for
 * `https://graph.microsoft.com`.
 */
export function graphScope(graphBaseUrl: string): string {
  const url = new URL(graphBaseUrl);
  return graphHosts.has(url.hostname.toLowerCase())
    ? `${url.origin}/.default`
    : `${defaultGraphBaseUrl}/.default`;
}

const httpsUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an https:// URL');

const required = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`);

const schema = z.object({
  tenantId: required('the directory (tenant) id'),
  clientId: required('the application (client) id'),
  clientSecret: z.string({ error: 'the client secret is required' }).min(1, 'the client secret is required'),
  servicePrincipalId: required('the object id of the Zendesk service principal'),
  authorityHost: httpsUrl.optional(),
  graphBaseUrl: httpsUrl.optional(),
  ca: z.string().includes('-----BEGIN CERTIFICATE-----', { error: 'must be a PEM certificate' }).optional(),
  sleep: z
    .custom<(ms: number) => Promise<void>>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  pageSize: z.number().int().min(1).max(999).optional(),
});

/** Thrown by `createEntraSource` for options that cannot work; lists every problem at once. */
export class EntraOptionsError extends Error {
  override readonly name = 'EntraOptionsError';
  readonly code = EngineErrorCode.InvalidConfiguration;
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Entra source options: ${problems.join('; ')}`);
  }
}

export function resolveOptions(options: EntraSourceOptions): ResolvedOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success)
    // Issue messages never echo the input, so the secret cannot leak through them.
    throw new EntraOptionsError(issueLines(parsed.error.issues, '(options)'));
  const o = parsed.data;
  const graphBaseUrl = (o.graphBaseUrl ?? defaultGraphBaseUrl).replace(/\/+$/, '');
  return {
    tenantId: o.tenantId,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    servicePrincipalId: o.servicePrincipalId,
    authorityHost: (o.authorityHost ?? publicCloudAuthorityHost).replace(/\/+$/, ''),
    graphBaseUrl,
    scope: graphScope(graphBaseUrl),
    ca: o.ca,
    sleep: o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    pageSize: o.pageSize ?? 999,
  };
}
