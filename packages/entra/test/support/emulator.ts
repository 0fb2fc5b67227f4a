import {
  type EntraEmulator,
  type EntraEmulatorOptions,
  startEntraEmulator,
  zendeskAppId,
} from '@provisio/emulators';
import { Agent, fetch } from 'undici';
import { createEntraSource, type EntraSource, type EntraSourceOptions } from '../../src/index.js';

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate Graph's JSON freely
  body: any;
}

/** Graph and the control plane as a test drives them (changes to the directory, settings, counts). */
export class Admin {
  private token: string | null = null;
  constructor(
    readonly emulator: EntraEmulator,
    private readonly agent: Agent,
  ) {}

  private async call(method: string, url: string, body?: unknown, auth = true): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (auth) headers['authorization'] = `Bearer ${await this.appToken()}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url.startsWith('https:') ? url : `${this.emulator.url}${url}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      dispatcher: this.agent,
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  }

  private async appToken(): Promise<string> {
    if (this.token !== null) return this.token;
    const response = await fetch(`${this.emulator.url}/${this.emulator.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.emulator.clientId,
        client_secret: this.emulator.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
      dispatcher: this.agent,
    });
    const json = (await response.json()) as { access_token: string };
    this.token = json.access_token;
    return this.token;
  }

  get = (path: string) => this.call('GET', path);
  post = (path: string, body?: unknown) => this.call('POST', path, body);
  patch = (path: string, body: unknown) => this.call('PATCH', path, body);
  delete = (path: string) => this.call('DELETE', path);

  /** `PUT /__emulator/config` (faults, page size, clock offset, rate limits). */
  async configure(config: Record<string, unknown>): Promise<void> {
    const answer = await this.call('PUT', '/__emulator/config', config, false);
    if (answer.status !== 200) throw new Error(`config refused: ${JSON.stringify(answer.body)}`);
  }

  async reset(): Promise<void> {
    await this.call('POST', '/__emulator/reset', {}, false);
    this.token = null;
  }

  /** Graph requests counted by the emulator since the last clear, by `METHOD route`. */
  async requests(): Promise<Map<string, number>> {
    const answer = await this.call('GET', '/__emulator/requests', undefined, false);
    const counts = new Map<string, number>();
    for (const entry of answer.body.byRoute as { method: string; route: string; count: number }[]) {
      const key = `${entry.method} ${entry.route}`;
      counts.set(key, (counts.get(key) ?? 0) + entry.count);
    }
    return counts;
  }

  /** Requests counted since the last clear for one `METHOD route` and status. */
  async count(methodAndRoute: string, status?: number): Promise<number> {
    const answer = await this.call('GET', '/__emulator/requests', undefined, false);
    let n = 0;
    for (const entry of answer.body.byRoute as {
      method: string;
      route: string;
      status: number;
      count: number;
    }[])
      if (
        `${entry.method} ${entry.route}` === methodAndRoute &&
        (status === undefined || entry.status === status)
      )
        n += entry.count;
    return n;
  }

  async clearRequests(): Promise<void> {
    await this.call('DELETE', '/__emulator/requests', undefined, false);
  }

  async userId(upn: string): Promise<string> {
    const answer = await this.get(`/v1.0/users/${encodeURIComponent(upn)}?$select=id`);
    if (answer.status !== 200) throw new Error(`no user ${upn}: ${JSON.stringify(answer.body)}`);
    return answer.body.id as string;
  }
}

export interface Harness {
  emulator: EntraEmulator;
  admin: Admin;
  /** Object id of the Zendesk enterprise application's service principal. */
  servicePrincipalId: string;
  /** A connector for this emulator; closed by `close()`. */
  source(overrides?: Partial<EntraSourceOptions>): EntraSource;
  close(): Promise<void>;
}

/** Full read and write rights, so tests can make changes through Graph. */
export const writePermissions = [
  'User.ReadWrite.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'Application.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
];

export const noSleep = async (): Promise<void> => {};

export async function startHarness(options: EntraEmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEntraEmulator({ port: 0, rateLimits: false, ...options });
  const agent = new Agent({ connect: { ca: emulator.certificatePem } });
  const admin = new Admin(emulator, agent);
  const servicePrincipalId = emulator.store.servicePrincipalByAppId(zendeskAppId)?.id;
  if (servicePrincipalId === undefined) throw new Error('the emulator has no Zendesk service principal');
  const sources: EntraSource[] = [];
  return {
    emulator,
    admin,
    servicePrincipalId,
    source: (overrides = {}) => {
      const source = createEntraSource({
        tenantId: emulator.tenantId,
        clientId: emulator.clientId,
        clientSecret: emulator.clientSecret,
        servicePrincipalId,
        authorityHost: emulator.url,
        graphBaseUrl: emulator.url,
        ca: emulator.certificatePem,
        sleep: noSleep,
        ...overrides,
      });
      sources.push(source);
      return source;
    },
    close: async () => {
      await Promise.all(sources.map((s) => s.close()));
      await agent.close();
      await emulator.close();
    },
  };
}
