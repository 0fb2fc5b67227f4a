import { createServer } from 'node:net';
import { graphPermissions, zendeskAppId } from '@provisio/emulators';
import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const seed = {
  users: [
    { userPrincipalName: `ann@${domain}`, displayName: 'Ann' },
    { userPrincipalName: `ben@${domain}`, displayName: 'Ben' },
  ],
  groups: [{ displayName: 'Zendesk Agents', members: [`ben@${domain}`] }],
  assignments: [
    { principal: `ann@${domain}`, appRole: 'Admin' },
    { principal: 'group:Zendesk Agents', appRole: 'Agent' },
  ],
};

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 9;
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorFailure);
  return error as ConnectorFailure;
}

describe('testConnection and credentials', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ seed });
  });
  afterAll(() => h.close());

  it('passes every step with the default permissions', async () => {
    const check = await h.source().testConnection();
    expect(check.steps.map((s) => [s.name, s.ok])).toEqual([
      ['token', true],
      ['read service principal', true],
      ['read users', true],
      ['read app role assignments', true],
      ['read group members', true],
      ['read groups', true],
      ['read user assignments', true],
      ['import roles', true],
    ]);
    expect(check.ok).toBe(true);
    // The default permissions include AppRoleAssignment.ReadWrite.All.
    expect(check.steps[6]).toMatchObject({ level: 'optional' });
    expect(check.steps[6]?.detail).toMatch(/between sweeps \(AppRoleAssignment.ReadWrite.All\)/);
    // The app has Application.ReadWrite.OwnedBy: the owners of the Zendesk application were read.
    expect(check.steps[7]).toMatchObject({ level: 'optional' });
    expect(check.steps[7]?.detail).toMatch(/owns the Zendesk application registration "Zendesk"/);
    expect(check.steps[0]?.detail).toContain('User.Read.All');
    expect(check.steps[1]?.detail).toContain('"Zendesk"');
    expect(check.steps[3]?.detail).toContain('2 app role assignments: 1 users, 1 groups');
  });

  it('says role import needs a write permission when the app has none', async () => {
    const { startEntraEmulator } = await import('@provisio/emulators');
    const readOnly = await startEntraEmulator({
      port: 0,
      permissions: ['User.Read.All', 'Application.Read.All', 'GroupMember.Read.All'],
    });
    try {
      const { createEntraSource } = await import('../src/index.js');
      const sp = readOnly.store.servicePrincipalByAppId((await import('@provisio/emulators')).zendeskAppId);
      const source = createEntraSource({
        tenantId: readOnly.tenantId,
        clientId: readOnly.clientId,
        clientSecret: readOnly.clientSecret,
        servicePrincipalId: sp?.id ?? '',
        authorityHost: readOnly.url,
        graphBaseUrl: readOnly.url,
        ca: readOnly.certificatePem,
      });
      const check = await source.testConnection();
      const step = check.steps.find((s) => s.name === 'import roles');
      expect(step).toMatchObject({ ok: false, code: 'InsufficientRights', level: 'optional' });
      expect(step?.fix).toMatch(/Application.ReadWrite.OwnedBy/);
      expect(step?.lost).toMatch(/maintain the app roles by hand/);
      // Without Directory.Read.All users' assignments are not read one by one: a warning too.
      expect(check.steps.find((s) => s.name === 'read user assignments')).toMatchObject({
        ok: false,
        level: 'optional',
        code: 'InsufficientRights',
      });
      expect(check.steps.find((s) => s.name === 'read user assignments')?.fix).toMatch(/Directory.Read.All/);
      // Hand-made app roles work: a missing role-import permission is a warning, not a failure.
      expect(check.ok).toBe(true);
    } finally {
      await readOnly.close();
    }
  });

  it('reads the owners of the Zendesk application: OwnedBy without ownership is a warning naming the fix', async () => {
    const emulators = await import('@provisio/emulators');
    const notOwner = await emulators.startEntraEmulator({
      port: 0,
      permissions: ['User.Read.All', 'Application.ReadWrite.OwnedBy', 'GroupMember.Read.All'],
    });
    try {
      const app = notOwner.store.applicationByAppId(emulators.zendeskAppId);
      if (!app) throw new Error('no Zendesk application in the emulator');
      app.ownerIds = [];
      const { createEntraSource } = await import('../src/index.js');
      const sp = notOwner.store.servicePrincipalByAppId(emulators.zendeskAppId);
      const source = createEntraSource({
        tenantId: notOwner.tenantId,
        clientId: notOwner.clientId,
        clientSecret: notOwner.clientSecret,
        servicePrincipalId: sp?.id ?? '',
        authorityHost: notOwner.url,
        graphBaseUrl: notOwner.url,
        ca: notOwner.certificatePem,
      });
      const check = await source.testConnection();
      const step = check.steps.find((s) => s.name === 'import roles');
      expect(step).toMatchObject({ ok: false, level: 'optional', code: 'InsufficientRights' });
      expect(step?.detail).toMatch(
        /not an owner of the Zendesk application registration "Zendesk" \(owners: none\)/,
      );
      expect(step?.fix).toContain(`/v1.0/applications/${app.id}/owners/$ref`);
      expect(check.ok).toBe(true);
    } finally {
      await notOwner.close();
    }
  });

  it('explains a wrong client secret, and never shows it', async () => {
    const secret = 'wrong-secret-value-1234567890';
    const source = h.source({ clientSecret: secret });
    const check = await source.testConnection();
    expect(check.ok).toBe(false);
    expect(check.steps).toHaveLength(1);
    expect(check.steps[0]).toMatchObject({ name: 'token', ok: false, code: 'InvalidCredentials' });
    expect(check.steps[0]?.detail).toContain('AADSTS7000215');
    expect(check.steps[0]?.fix).toContain('Value, not its Secret ID');
    expect(JSON.stringify(check)).not.toContain(secret);

    const failure = await failureOf(source.readUsers({ watermark: null, select: [] }));
    expect(failure.detail).toMatchObject({ code: 'InvalidCredentials', retryable: false, httpStatus: 401 });
    expect(JSON.stringify(failure.detail)).not.toContain(secret);
    expect(failure.message).not.toContain(secret);
  });

  it('explains an unknown tenant and an unknown application', async () => {
    const tenant = await h.source({ tenantId: '0b7e4c2a-1111-4222-8333-444455556666' }).testConnection();
    expect(tenant.steps[0]).toMatchObject({ code: 'InvalidCredentials' });
    expect(tenant.steps[0]?.detail).toContain('AADSTS90002');
    expect(tenant.steps[0]?.fix).toContain('Directory (tenant) ID');

    const app = await h.source({ clientId: '0b7e4c2a-1111-4222-8333-777788889999' }).testConnection();
    expect(app.steps[0]).toMatchObject({ code: 'InvalidCredentials' });
    expect(app.steps[0]?.detail).toContain('AADSTS700016');
    expect(app.steps[0]?.fix).toContain('Application (client) ID');
  });

  it('says when the identity platform cannot be reached', async () => {
    const check = await h
      .source({ authorityHost: `https://127.0.0.1:${await closedPort()}` })
      .testConnection();
    expect(check.steps[0]).toMatchObject({ name: 'token', ok: false, code: 'SourceUnavailable' });
    expect(check.steps[0]?.detail).toContain('ECONNREFUSED');
  });

  it("recognises the Zendesk app's application id given instead of its object id", async () => {
    const source = h.source({ servicePrincipalId: zendeskAppId });
    const check = await source.testConnection();
    const step = check.steps.find((s) => s.name === 'read service principal');
    expect(step).toMatchObject({ ok: false, code: 'ServicePrincipalNotFound' });
    expect(step?.detail).toContain('is the Application ID of "Zendesk"');
    expect(step?.fix).toContain(h.servicePrincipalId);
    // Users are independent of the service principal and are still checked.
    expect(check.steps.find((s) => s.name === 'read users')?.ok).toBe(true);
    expect(check.steps.some((s) => s.name === 'read app role assignments')).toBe(false);

    const failure = await failureOf(source.readAssignments());
    expect(failure.detail.code).toBe('ServicePrincipalNotFound');
    expect(failure.detail.recommendedAction).toContain('Object ID of the Zendesk enterprise application');
  });

  it('reports an unknown service principal id', async () => {
    const check = await h
      .source({ servicePrincipalId: '0b7e4c2a-1111-4222-8333-000000000000' })
      .testConnection();
    const step = check.steps.find((s) => s.name === 'read service principal');
    expect(step).toMatchObject({ ok: false, code: 'ServicePrincipalNotFound' });
    expect(step?.fix).toContain('Enterprise applications → Zendesk → Overview → Object ID');
  });
});

describe('missing Graph permissions', () => {
  it('names Application.Read.All when the service principal cannot be read', async () => {
    const h = await startHarness({ seed, permissions: ['User.Read.All'] });
    try {
      const source = h.source();
      const check = await source.testConnection();
      expect(check.ok).toBe(false);
      const step = check.steps.find((s) => s.name === 'read service principal');
      expect(step).toMatchObject({ ok: false, code: 'InsufficientRights' });
      expect(step?.detail).toContain('Application.Read.All');
      expect(step?.fix).toContain('Grant admin consent');
      expect(check.steps.find((s) => s.name === 'read users')?.ok).toBe(true);

      const failure = await failureOf(source.readAssignments());
      expect(failure.detail).toMatchObject({ code: 'InsufficientRights', httpStatus: 403, retryable: false });
      expect(failure.message).toContain('Application.Read.All');
      expect(failure.message).toContain('its token grants User.Read.All');
    } finally {
      await h.close();
    }
  });

  it('names User.Read.All when users cannot be read', async () => {
    const h = await startHarness({ seed, permissions: ['Application.Read.All', 'GroupMember.Read.All'] });
    try {
      const source = h.source();
      const failure = await failureOf(source.readUsers({ watermark: null, select: ['displayName'] }));
      expect(failure.detail.code).toBe('InsufficientRights');
      expect(failure.message).toContain('User.Read.All');
      expect(failure.detail.recommendedAction).toContain(
        'API permissions → Add a permission → Microsoft Graph',
      );
      const check = await source.testConnection();
      expect(check.steps.find((s) => s.name === 'read users')).toMatchObject({
        ok: false,
        code: 'InsufficientRights',
      });
      expect(check.steps.find((s) => s.name === 'read app role assignments')?.ok).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('names GroupMember.Read.All for an assigned group, and works once consent is granted', async () => {
    const h = await startHarness({
      seed,
      permissions: ['User.Read.All', 'Application.Read.All', 'AppRoleAssignment.ReadWrite.All'],
    });
    try {
      const source = h.source();
      const check = await source.testConnection();
      expect(check.steps.find((s) => s.name === 'read group members')).toMatchObject({
        ok: false,
        code: 'InsufficientRights',
      });
      const failure = await failureOf(source.readAssignments());
      expect(failure.message).toContain('GroupMember.Read.All');

      // An administrator grants the permission (admin consent is an app role assignment to Graph).
      const graphSp = (
        await h.admin.get(`/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')`)
      ).body.id;
      const provisioSp = (await h.admin.get(`/v1.0/servicePrincipals(appId='${h.emulator.clientId}')`)).body
        .id;
      const granted = await h.admin.post(`/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo`, {
        principalId: provisioSp,
        resourceId: graphSp,
        appRoleId: graphPermissions['GroupMember.Read.All'],
      });
      expect(granted.status).toBe(201);
      // The refused token was dropped, so the next read carries the new permission.
      const { assignments } = await source.readAssignments();
      expect(assignments.map((a) => a.roleDisplayName).sort()).toEqual(['Admin', 'Agent']);
    } finally {
      await h.close();
    }
  });
});
