import { request as httpsRequest } from 'node:https';
import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { type EntraEmulator, type EntraEmulatorOptions, startEntraEmulator } from '../../src/index.js';

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions navigate arbitrary JSON bodies
  body: any;
  text: string;
}

/**
 * A request over real HTTPS that trusts only the emulator's certificate. node:https rather than fetch:
 * Node's fetch takes a CA only through an undici dispatcher, and undici is not a dependency.
 */
export function httpsCall(
  ca: string,
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, ca, headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) headers[k] = [v].flat().join(', ');
        let body: unknown = text;
        if ((headers['content-type'] ?? '').includes('json') && text !== '') body = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers, body, text });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export class GraphClient {
  private acquired: Promise<string> | null = null;

  /** `token` may be a function, called once at the first request (a token acquired lazily). */
  constructor(
    readonly emulator: EntraEmulator,
    private readonly token: string | null | (() => Promise<string>),
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<HttpsAnswer> {
    const url = path.startsWith('https:') ? path : `${this.emulator.url}${path}`;
    const headers: Record<string, string> = {};
    let token: string | null;
    if (typeof this.token === 'function') {
      this.acquired ??= this.token();
      token = await this.acquired;
    } else token = this.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return httpsCall(this.emulator.certificatePem, method, url, {
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }
  get(path: string): Promise<HttpsAnswer> {
    return this.request('GET', path);
  }
  post(path: string, body?: unknown): Promise<HttpsAnswer> {
    return this.request('POST', path, body);
  }
  patch(path: string, body: unknown): Promise<HttpsAnswer> {
    return this.request('PATCH', path, body);
  }
  delete(path: string): Promise<HttpsAnswer> {
    return this.request('DELETE', path);
  }
}

/** Client credentials with a form body, as any OAuth client sends it. */
export function tokenRequest(
  emulator: EntraEmulator,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpsAnswer> {
  return httpsCall(
    emulator.certificatePem,
    'POST',
    `${emulator.url}/${emulator.tenantId}/oauth2/v2.0/token`,
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    },
  );
}

/** A client's credentials; the provisioning app's unless told otherwise. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The emulator's administration app registration (Directory.ReadWrite.All and the other admin grants). */
export const adminCredentials = (emulator: EntraEmulator): ClientCredentials => ({
  clientId: emulator.adminClientId,
  clientSecret: emulator.adminClientSecret,
});

export async function appToken(
  emulator: EntraEmulator,
  credentials: ClientCredentials = emulator,
): Promise<string> {
  const answer = await tokenRequest(emulator, {
    grant_type: 'client_credentials',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  if (answer.status !== 200) throw new Error(`token request failed: ${answer.text}`);
  return answer.body.access_token as string;
}

export interface EntraHarness {
  emulator: EntraEmulator;
  /** Graph as the provisioning app (the `permissions` option, least privilege by default). */
  graph: GraphClient;
  /** Graph as the administration app: changes the directory as an Entra administrator would. */
  admin: GraphClient;
  close(): Promise<void>;
}

export async function startEntraHarness(options: EntraEmulatorOptions = {}): Promise<EntraHarness> {
  const emulator = await startEntraEmulator({ port: 0, rateLimits: false, ...options });
  return {
    emulator,
    graph: new GraphClient(emulator, await appToken(emulator)),
    // Acquired at its first use only, so that harnesses that never use it issue the same tokens (and
    // the same seeded ids) as before it existed.
    admin: new GraphClient(emulator, () => appToken(emulator, adminCredentials(emulator))),
    close: () => emulator.close(),
  };
}

/** msal-node's network module over node:https, trusting the emulator's certificate (per client, not process-wide). */
export function msalNetworkClient(ca: string): INetworkModule {
  const send = <T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method, ca, headers: options?.headers ?? {} }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
          resolve({ status: res.statusCode ?? 0, headers, body: JSON.parse(text) as T });
        });
      });
      req.on('error', reject);
      if (options?.body !== undefined) req.write(options.body);
      req.end();
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/** A Graph token acquired the way provisio's source connector does: msal-node client credentials. */
export async function msalAppToken(
  emulator: EntraEmulator,
  credentials: ClientCredentials = emulator,
): Promise<string> {
  const authority = `${emulator.url}/${emulator.tenantId}`;
  const metadata = await httpsCall(
    emulator.certificatePem,
    'GET',
    `${authority}/v2.0/.well-known/openid-configuration`,
  );
  const host = new URL(emulator.url).host;
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority,
      knownAuthorities: [host],
      authorityMetadata: metadata.text,
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      }),
    },
    system: { networkClient: msalNetworkClient(emulator.certificatePem) },
  });
  const result = await cca.acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
  });
  if (!result?.accessToken) throw new Error('msal-node returned no access token');
  return result.accessToken;
}
