/**
 * `npm start`: the product on its embedded default. Both emulators with a demo tenant, `provisio
 * serve` on SQLite under ./data/demo with the demo job already configured against them (as the
 * admin API would store it), so a newcomer sees users arrive in Zendesk within a minute and can
 * drive the job through the admin API.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  defaultAccessRoleId,
  demoPassword,
  demoSeed,
  type EntraEmulator,
  entraDefaults,
  startEntraEmulator,
  startZendeskEmulator,
  zendeskAppRoles,
} from '@provisio/emulators';
import { jobDefinitionSchema } from '@provisio/engine';
import { issueApiToken, servicePrincipalScope, storeReference, ZENDESK_TEMPLATE_ID } from '@provisio/server';
import { type RunningServe, startServe } from '../serve.js';

export interface DemoOptions {
  readonly zendeskPort: number;
  readonly entraPort: number;
  /** The port of `provisio serve` (the admin API). */
  readonly apiPort: number;
  readonly users: number;
  readonly interval: string;
  readonly dir: string;
}

/** Marks a directory the demo made, so that only such a directory is ever emptied. */
const demoMarker = '.provisio-demo';

/**
 * Empties `dir` for a new demo, but only when it is empty, absent, or a directory an earlier demo
 * made (it holds the marker): a directory of someone else's files is refused, never deleted.
 */
export async function prepareDemoDirectory(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException): string[] => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0 && !entries.includes(demoMarker))
    throw new Error(
      `${dir} holds files the demo did not make (no ${demoMarker} in it): the demo empties its directory at every start, so it refuses this one. Choose an empty or new directory with --dir.`,
    );
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, demoMarker),
    'Made by `provisio demo`, which empties this directory at every start.\n',
  );
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const dir = resolve(options.dir);
  await prepareDemoDirectory(dir);
  const caFile = join(dir, 'entra-emulator-ca.pem');
  const [zendesk, entra] = await Promise.all([
    startZendeskEmulator({ port: options.zendeskPort, plan: 'enterprise', seed: demoSeed, bulkImport: true }),
    startEntraEmulator({
      port: options.entraPort,
      seed: `demo:${options.users}`,
      certFile: caFile,
      // Single sign-on to Zendesk through provisio signs people in with the job's app registration.
      redirectUris: [...entraDefaults.redirectUris, 'http://127.0.0.1/sso/zendesk/callback'],
    }),
  ]);
  let serve: RunningServe | undefined;
  try {
    const databaseUrl = `sqlite:${join(dir, 'provisio.db')}`;
    // The demo's state store, key file and logs live in its directory; the process's own
    // environment is left as it is.
    serve = await startServe(
      {
        host: '127.0.0.1',
        port: options.apiPort,
        allowCustomEndpoints: true,
        keyFile: join(dir, 'provisio.key'),
        logDestination: createWriteStream(join(dir, 'provisio.log')),
      },
      { env: { ...process.env, DATABASE_URL: databaseUrl }, cwd: dir },
    );
    const spId = entra.zendeskServicePrincipalId;
    const jobId = await configureDemoJob(serve, {
      servicePrincipalId: spId,
      interval: options.interval,
      caFile,
      secrets: {
        UserName: zendesk.adminEmail,
        SecretToken: zendesk.apiToken,
        Domain: zendesk.settings.subdomain,
        BaseAddress: zendesk.url,
        EntraTenantId: entra.tenantId,
        EntraClientId: entra.clientId,
        EntraClientSecret: entra.clientSecret,
        EntraAuthorityHost: entra.url,
        EntraGraphBaseUrl: entra.url,
      },
    });
    // Single sign-on: the Zendesk emulator's JWT configuration sends people to the demo job's bridge.
    const sso = await enableDemoSingleSignOn(serve, spId, jobId, zendesk.url);
    const ssoPerson = assignedDemoUser(entra, spId);
    const { token } = await issueApiToken(serve.store, {
      name: 'demo',
      role: 'Administrator',
      createdBy: 'provisio demo',
      now: new Date(),
    });
    const jobsUrl = `${serve.url}/v1.0/servicePrincipals/${spId}/synchronization/jobs`;
    process.stdout.write(
      [
        'provisio demo',
        `  admin console:    ${serve.url}/  (open it and sign in as admin with the password printed above)`,
        `  Zendesk emulator listening on ${zendesk.url}  (admin ${zendesk.adminEmail}, token ${zendesk.apiToken})`,
        `  Entra emulator listening on ${entra.url}  (tenant ${entra.tenantId}, ${options.users} demo users)`,
        `  Zendesk service principal (servicePrincipalId): ${spId}`,
        `  provisio serve:   ${serve.url}  (job ${jobId}, a cycle every ${options.interval})`,
        sso && ssoPerson !== null
          ? `  single sign-on:   open ${zendesk.url}/agent and sign in as ${ssoPerson} (password ${demoPassword}): provisio decides with the job's scope`
          : '  single sign-on:   not set up (the Zendesk emulator refused its configuration: see provisio.log)',
        `  state store:      ${databaseUrl}`,
        `  logs:             ${join(dir, 'provisio.log')}`,
        `  API token (Administrator, shown once): ${token}`,
        `  the job:          curl -s -H "Authorization: Bearer ${token}" ${jobsUrl}/${jobId}`,
        `  provisioning log: curl -s -H "Authorization: Bearer ${token}" '${serve.url}/v1.0/auditLogs/provisioning?$top=5'`,
        `  watch users arrive: curl -s -u ${zendesk.adminEmail}/token:${zendesk.apiToken} ${zendesk.url}/api/v2/users/count.json`,
        '',
      ].join('\n'),
    );
    const running = serve;
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.stdout.write('stopping: the running cycle gets 10 s to finish…\n');
    await running.close(10_000);
    serve = undefined;
  } finally {
    await serve?.close(0);
    await Promise.all([zendesk.close(), entra.close()]);
  }
}

/**
 * The demo job, stored as the admin API stores one: its credentials sealed into the state store
 * under the service principal, its definition pointing at them with `store:` references.
 */
async function configureDemoJob(
  serve: RunningServe,
  demo: { servicePrincipalId: string; interval: string; caFile: string; secrets: Record<string, string> },
): Promise<string> {
  const { store, server } = serve;
  const sp = demo.servicePrincipalId;
  const now = new Date();
  await store.saveSecrets(
    Object.entries(demo.secrets).map(([name, value]) => ({
      scope: servicePrincipalScope(sp),
      name,
      sealed: server.context.vault.seal(value),
      updatedAt: now.toISOString(),
    })),
  );
  const jobId = `zendesk.${sp.replaceAll('-', '')}.${randomUUID().replaceAll('-', '')}`;
  const s = demo.secrets;
  const definition = jobDefinitionSchema.parse({
    id: jobId,
    displayName: 'Zendesk (demo)',
    source: {
      type: 'entra',
      tenantId: s['EntraTenantId'],
      clientId: s['EntraClientId'],
      clientSecret: { secretRef: storeReference(sp, 'EntraClientSecret') },
      servicePrincipalId: sp,
      authorityHost: s['EntraAuthorityHost'],
      graphBaseUrl: s['EntraGraphBaseUrl'],
      caCertificateFile: demo.caFile,
    },
    target: {
      type: 'zendesk',
      adminUsername: s['UserName'],
      secretToken: { secretRef: storeReference(sp, 'SecretToken') },
      domain: s['Domain'],
      baseUrl: s['BaseAddress'],
    },
    settings: { scope: 'assigned', interval: demo.interval, deprovision: 'suspend' },
  });
  await store.saveSynchronizationJob({
    jobId,
    servicePrincipalId: sp,
    templateId: ZENDESK_TEMPLATE_ID,
    draft: null,
    createdAt: now.toISOString(),
  });
  await store.saveJobDefinition(definition, { initiatedBy: 'provisio demo', at: now });
  await server.scheduler.refresh();
  return jobId;
}

/**
 * Turns on single sign-on for the demo job (docs/single-sign-on.md): a shared secret saved as the
 * job's `SsoEnabled`/`SsoSharedSecret` secrets, and the Zendesk emulator's JWT configuration pointing
 * at the job's remote login URL with the same secret. False when the emulator refused it.
 */
async function enableDemoSingleSignOn(
  serve: RunningServe,
  servicePrincipalId: string,
  jobId: string,
  zendeskUrl: string,
): Promise<boolean> {
  const secret = randomBytes(36).toString('base64url');
  const now = new Date().toISOString();
  await serve.store.saveSecrets(
    Object.entries({ SsoEnabled: 'True', SsoSharedSecret: secret }).map(([name, value]) => ({
      scope: servicePrincipalScope(servicePrincipalId),
      name,
      sealed: serve.server.context.vault.seal(value),
      updatedAt: now,
    })),
  );
  const bridge = `${serve.url}/sso/zendesk/${encodeURIComponent(jobId)}`;
  const answer = await fetch(`${zendeskUrl}/__emulator/sso`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      configurations: [
        {
          name: 'provisio (demo)',
          sharedSecret: secret,
          remoteLoginUrl: `${bridge}/login`,
          remoteLogoutUrl: `${bridge}/logout`,
          teamMembers: true,
          endUsers: true,
          active: true,
        },
      ],
    }),
  });
  return answer.ok;
}

/** An enabled demo user assigned the Agent role directly (else any role but Default Access): who to sign in as. */
function assignedDemoUser(entra: EntraEmulator, servicePrincipalId: string): string | null {
  const agentRoleId = zendeskAppRoles.find((r) => r.value === 'agent')?.id;
  let fallback: string | null = null;
  for (const [upn, id] of entra.store.userIdByUpn) {
    const user = entra.store.liveUser(id);
    if (user === undefined || !user.accountEnabled) continue;
    const roles = entra.store
      .assignmentsOf(id)
      .filter((a) => a.resourceId === servicePrincipalId && a.appRoleId !== defaultAccessRoleId)
      .map((a) => a.appRoleId);
    if (roles.includes(agentRoleId ?? '')) return upn;
    if (roles.length > 0) fallback ??= upn;
  }
  return fallback;
}
