/**
 * A provisioning job wired exactly as the composition root wires it (Graph source, Zendesk target,
 * SQLite state store), against both emulators on loopback, plus helpers that change the Entra tenant
 * through Graph and read Zendesk over its API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EntraEmulatorOptions, type ZendeskEmulatorOptions, zendeskAppId } from '@provisio/emulators';
import {
  type Config,
  type CycleReport,
  type EngineDeps,
  jobDefinitionSchema,
  newMirrorCache,
  openStateStore,
  runCycle,
  type StateStore,
  systemClock,
} from '@provisio/engine';
import { createEntraSource } from '@provisio/entra';
import { createZendeskTarget } from '@provisio/zendesk';
import {
  type EntraHarness,
  GraphClient,
  msalAppToken,
  startEntraHarness,
} from '../../../emulators/test/support/entra.js';
import { type Harness, startHarness } from '../../../emulators/test/support/zendesk.js';
import { compileDocument } from '../../src/load-job.js';
import type { SmtpSettings } from '../../src/notify/smtp.js';

/** The document compiled exactly as `--config` compiles a provisio.yaml. */
async function compile(document: Record<string, unknown>, env: Record<string, string>) {
  return compileDocument(document, 'the test configuration', env, 'resolve');
}

export const tenantDomain = 'provisio-demo.onmicrosoft.com';

export interface JobHarness {
  entra: EntraHarness;
  zendesk: Harness;
  graph: GraphClient;
  servicePrincipalId: string;
  /** The configuration document (before validation), for tests that write it to a file. */
  document: Record<string, unknown>;
  env: Record<string, string>;
  config: Config;
  /** The document's smtp section, validated (the installation's SMTP server), or null. */
  smtp: SmtpSettings | null;
  store: StateStore;
  databaseUrl: string;
  deps: EngineDeps;
  dir: string;
  /** Runs one cycle the way `sync` does. */
  cycle(options?: { forceInitial?: boolean; dryRun?: boolean; allowDeletes?: boolean }): Promise<CycleReport>;
  /** Replaces the configuration (settings/mappings merged over the current document). */
  reconfigure(patch: {
    settings?: Record<string, unknown>;
    mappings?: Record<string, unknown>;
  }): Promise<void>;
  close(): Promise<void>;
}

export interface JobHarnessOptions {
  zendesk?: ZendeskEmulatorOptions;
  entra?: EntraEmulatorOptions;
  settings?: Record<string, unknown>;
  mappings?: Record<string, unknown>;
  /** The state store (default: a new SQLite file in the harness's directory); the caller drops it. */
  databaseUrl?: string;
  /** Graph page size of the source connector (default Graph's 999): small pages make a large application. */
  sourcePageSize?: number;
}

export async function startJobHarness(options: JobHarnessOptions = {}): Promise<JobHarness> {
  const [entra, zendesk] = await Promise.all([
    startEntraHarness({
      permissions: [
        'User.ReadWrite.All',
        'Group.ReadWrite.All',
        'GroupMember.ReadWrite.All',
        'Application.ReadWrite.All',
        'AppRoleAssignment.ReadWrite.All',
      ],
      ...options.entra,
    }),
    startHarness({ plan: 'enterprise', bulkImport: true, ...options.zendesk }),
  ]);
  const graph = new GraphClient(entra.emulator, await msalAppToken(entra.emulator));
  const servicePrincipal = entra.emulator.store.servicePrincipalByAppId(zendeskAppId);
  if (!servicePrincipal) throw new Error('no Zendesk service principal in the Entra emulator');
  const dir = await mkdtemp(join(tmpdir(), 'provisio-job-'));
  const databaseUrl = options.databaseUrl ?? `sqlite:${join(dir, 'provisio.db')}`;
  const store = await openStateStore(databaseUrl);
  await store.migrate();
  const env = { ENTRA_CLIENT_SECRET: entra.emulator.clientSecret, ZENDESK_TOKEN: zendesk.emulator.apiToken };
  const document: Record<string, unknown> = {
    // The emulators are custom endpoints (docs/configuration.md#custom-endpoints).
    allowCustomEndpoints: true,
    source: {
      type: 'entra',
      tenantId: entra.emulator.tenantId,
      clientId: entra.emulator.clientId,
      clientSecret: '${ENTRA_CLIENT_SECRET}',
      servicePrincipalId: servicePrincipal.id,
      authorityHost: entra.emulator.url,
      graphBaseUrl: entra.emulator.url,
    },
    target: {
      type: 'zendesk',
      adminUsername: zendesk.emulator.adminEmail,
      secretToken: '${ZENDESK_TOKEN}',
      domain: zendesk.emulator.settings.subdomain,
      baseUrl: zendesk.emulator.url,
    },
    settings: { interval: 'PT1S', ...options.settings },
    mappings: options.mappings ?? {},
  };
  const source = createEntraSource({
    tenantId: entra.emulator.tenantId,
    clientId: entra.emulator.clientId,
    clientSecret: entra.emulator.clientSecret,
    servicePrincipalId: servicePrincipal.id,
    authorityHost: entra.emulator.url,
    graphBaseUrl: entra.emulator.url,
    ca: entra.emulator.certificatePem,
    ...(options.sourcePageSize ? { pageSize: options.sourcePageSize } : {}),
  });
  const target = createZendeskTarget({
    domain: zendesk.emulator.settings.subdomain,
    adminUsername: zendesk.emulator.adminEmail,
    secretToken: zendesk.emulator.apiToken,
    baseUrl: zendesk.emulator.url,
  });
  const deps: EngineDeps = { source, target, store, clock: systemClock };
  const compiled = await compile(document, env);
  // Kept across calls, as `sync` keeps it (the fresh-process test runs cycles without it).
  const cache = newMirrorCache();
  const harness: JobHarness = {
    entra,
    zendesk,
    graph,
    servicePrincipalId: servicePrincipal.id,
    document,
    env,
    config: compiled.job,
    smtp: compiled.smtp,
    store,
    databaseUrl,
    deps,
    dir,
    cycle(cycleOptions = {}) {
      return runCycle(harness.deps, harness.config, { cache, ...cycleOptions });
    },
    async reconfigure(patch) {
      if (patch.settings) document['settings'] = { ...(document['settings'] as object), ...patch.settings };
      if (patch.mappings) document['mappings'] = { ...(document['mappings'] as object), ...patch.mappings };
      const recompiled = await compile(document, env);
      harness.config = recompiled.job;
      harness.smtp = recompiled.smtp;
    },
    async close() {
      await store.close();
      await Promise.all([entra.close(), zendesk.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

// ---- Entra changes through Graph ---------------------------------------------------------------

export const roleIds = {
  'End-user': 'b5c9e6f1-0a3d-4e7b-9c2f-1d8e4a6b3c01',
  Agent: 'b5c9e6f1-0a3d-4e7b-9c2f-1d8e4a6b3c02',
  Admin: 'b5c9e6f1-0a3d-4e7b-9c2f-1d8e4a6b3c03',
  'Default Access': '00000000-0000-0000-0000-000000000000',
} as const;

async function ok<T extends { status: number; text: string }>(answer: Promise<T>, what: string): Promise<T> {
  const done = await answer;
  if (done.status >= 300) throw new Error(`${what} failed: ${done.status} ${done.text}`);
  return done;
}

export async function createEntraUser(
  h: JobHarness,
  nick: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const answer = await ok(
    h.graph.post('/v1.0/users', {
      accountEnabled: true,
      displayName: extra['displayName'] ?? `User ${nick}`,
      mailNickname: nick,
      userPrincipalName: `${nick}@${tenantDomain}`,
      passwordProfile: { password: 'P@ssw0rd-123456' },
      ...extra,
    }),
    `create user ${nick}`,
  );
  return answer.body.id as string;
}

export async function assign(h: JobHarness, principalId: string, appRoleId: string): Promise<string> {
  const answer = await ok(
    h.graph.post(`/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo`, {
      principalId,
      resourceId: h.servicePrincipalId,
      appRoleId,
    }),
    'assign',
  );
  return answer.body.id as string;
}

export async function unassign(h: JobHarness, assignmentId: string): Promise<void> {
  await ok(
    h.graph.delete(`/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo/${assignmentId}`),
    'unassign',
  );
}

export async function patchUser(h: JobHarness, id: string, body: Record<string, unknown>): Promise<void> {
  await ok(h.graph.patch(`/v1.0/users/${id}`, body), 'patch user');
}

export async function softDelete(h: JobHarness, id: string): Promise<void> {
  await ok(h.graph.delete(`/v1.0/users/${id}`), 'delete user');
}

export async function restore(h: JobHarness, id: string): Promise<void> {
  await ok(h.graph.post(`/v1.0/directory/deletedItems/${id}/restore`), 'restore user');
}

export async function purge(h: JobHarness, id: string): Promise<void> {
  await ok(h.graph.delete(`/v1.0/directory/deletedItems/${id}`), 'purge user');
}

// ---- Zendesk reads over its API -----------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: Zendesk JSON
export async function zendeskUserByExternalId(h: JobHarness, externalId: string): Promise<any | null> {
  const answer = await h.zendesk.admin.get(
    `/api/v2/users/show_many.json?external_ids=${encodeURIComponent(externalId)}`,
  );
  if (answer.status !== 200) throw new Error(`show_many failed: ${answer.text}`);
  return answer.body.users[0] ?? null;
}

// biome-ignore lint/suspicious/noExplicitAny: Zendesk JSON
export async function zendeskUsers(h: JobHarness): Promise<any[]> {
  // biome-ignore lint/suspicious/noExplicitAny: Zendesk JSON
  const users: any[] = [];
  let url: string | null = '/api/v2/users.json?page[size]=100';
  while (url) {
    const answer = await h.zendesk.admin.get(url);
    if (answer.status !== 200) throw new Error(`list users failed: ${answer.text}`);
    users.push(...answer.body.users);
    url = answer.body.meta.has_more ? answer.body.links.next : null;
  }
  return users;
}

/** The id of the Zendesk application's app role with this display name. */
export async function appRoleId(h: JobHarness, displayName: string): Promise<string> {
  if (displayName === 'Default Access') return roleIds['Default Access'];
  const answer = await ok(
    h.graph.get(`/v1.0/servicePrincipals/${h.servicePrincipalId}`),
    'read service principal',
  );
  const role = (answer.body.appRoles as { id: string; displayName: string }[]).find(
    (r) => r.displayName === displayName,
  );
  if (!role) throw new Error(`no app role "${displayName}"`);
  return role.id;
}

/** App roles beyond End-user, Agent and Admin, as the demo tenant has them. */
export const extraAppRoles = [
  {
    displayName: 'Light Agent',
    value: 'light-agent',
    description: 'Zendesk light agent',
    allowedMemberTypes: ['User'],
  },
  {
    displayName: 'Billing Agent',
    value: 'billing-agent',
    description: 'Zendesk custom role',
    allowedMemberTypes: ['User'],
  },
];

// ---- Groups through Graph ----------------------------------------------------------------------

export async function createEntraGroup(
  h: JobHarness,
  displayName: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const answer = await ok(
    h.graph.post('/v1.0/groups', {
      displayName,
      mailEnabled: false,
      mailNickname: displayName.replace(/[^A-Za-z0-9]/g, '').toLowerCase() || 'group',
      securityEnabled: true,
      ...extra,
    }),
    `create group ${displayName}`,
  );
  return answer.body.id as string;
}

export async function addMember(h: JobHarness, groupId: string, memberId: string): Promise<void> {
  await ok(
    h.graph.post(`/v1.0/groups/${groupId}/members/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${memberId}`,
    }),
    'add member',
  );
}

export async function removeMember(h: JobHarness, groupId: string, memberId: string): Promise<void> {
  await ok(h.graph.delete(`/v1.0/groups/${groupId}/members/${memberId}/$ref`), 'remove member');
}

// biome-ignore lint/suspicious/noExplicitAny: Zendesk JSON
export async function zendeskGroups(h: JobHarness): Promise<any[]> {
  const answer = await h.zendesk.admin.get('/api/v2/groups.json?page[size]=100&exclude_deleted=true');
  if (answer.status !== 200) throw new Error(`list groups failed: ${answer.text}`);
  return answer.body.groups;
}

/** Zendesk user ids that are members of the group named `name`. */
export async function zendeskMemberIds(h: JobHarness, name: string): Promise<number[]> {
  const group = (await zendeskGroups(h)).find((g) => g.name === name);
  if (!group) return [];
  const answer = await h.zendesk.admin.get(`/api/v2/groups/${group.id}/memberships.json?page[size]=100`);
  if (answer.status !== 200) throw new Error(`list memberships failed: ${answer.text}`);
  return (answer.body.group_memberships as { user_id: number }[]).map((m) => m.user_id).sort();
}

/**
 * Stores a job that reads the harness's Entra tenant and writes to `zendesk`, with its secrets as
 * environment references (`ENTRA_CLIENT_SECRET`, `ZENDESK_TOKEN`) and the Entra CA in `caFile`: the
 * definition a `serve --workers external` and its workers run (settings `PT1H`, no groups).
 */
export async function saveExternalJob(
  h: JobHarness,
  store: StateStore,
  jobId: string,
  zendesk: Harness,
  caFile: string,
): Promise<void> {
  const document = h.document as { source: Record<string, unknown>; target: Record<string, unknown> };
  await store.saveJobDefinition(
    jobDefinitionSchema.parse({
      id: jobId,
      source: {
        ...document.source,
        clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
        caCertificateFile: caFile,
      },
      target: {
        ...document.target,
        baseUrl: zendesk.emulator.url,
        domain: zendesk.emulator.settings.subdomain,
        secretToken: { secretRef: 'env:ZENDESK_TOKEN' },
      },
      settings: { scope: 'assigned', interval: 'PT1H' },
      mappings: { groups: { enabled: false } },
    }),
    { initiatedBy: 'test', at: new Date() },
  );
}
