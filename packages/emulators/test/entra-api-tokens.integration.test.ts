import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCredentials, type EntraHarness, startEntraHarness, tokenRequest } from './support/entra.js';

/**
 * Access tokens for a web API registered in the tenant (not Graph): the API's app roles granted to a
 * client application arrive in `roles`, as Entra ID issues v1.0 tokens by default
 * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
 */
let h: EntraHarness;
const operatorRoleId = '5e0c7d8a-4b1f-4c2e-9a3d-000000000002';
beforeAll(async () => {
  h = await startEntraHarness();
  const api = await h.admin.get(`/v1.0/applications(appId='${h.emulator.clientId}')`);
  expect(api.status).toBe(200);
  const patched = await h.admin.patch(`/v1.0/applications/${api.body.id}`, {
    identifierUris: [`api://${h.emulator.clientId}`],
    appRoles: [
      {
        id: operatorRoleId,
        value: 'Provisio.Operator',
        displayName: 'Operator',
        description: 'Runs jobs',
        allowedMemberTypes: ['User', 'Application'],
        isEnabled: true,
      },
    ],
  });
  expect(patched.status).toBe(204);
  const apiSp = await h.admin.get(`/v1.0/servicePrincipals(appId='${h.emulator.clientId}')`);
  const clientSp = await h.admin.get(`/v1.0/servicePrincipals(appId='${h.emulator.adminClientId}')`);
  const granted = await h.admin.post(`/v1.0/servicePrincipals/${apiSp.body.id}/appRoleAssignedTo`, {
    principalId: clientSp.body.id,
    resourceId: apiSp.body.id,
    appRoleId: operatorRoleId,
  });
  expect(granted.status).toBe(201);
});
afterAll(() => h.close());

const clientToken = (scope: string) =>
  tokenRequest(h.emulator, {
    grant_type: 'client_credentials',
    client_id: adminCredentials(h.emulator).clientId,
    client_secret: adminCredentials(h.emulator).clientSecret,
    scope,
  });

describe('client credentials for a registered web API', () => {
  it('issues a v1.0 token for the identifier URI with the granted app roles', async () => {
    const answer = await clientToken(`api://${h.emulator.clientId}/.default`);
    expect(answer.status).toBe(200);
    const claims = decodeJwt(answer.body.access_token);
    expect(claims).toMatchObject({
      aud: `api://${h.emulator.clientId}`,
      iss: `https://sts.windows.net/${h.emulator.tenantId}/`,
      appid: h.emulator.adminClientId,
      idtyp: 'app',
      roles: ['Provisio.Operator'],
      tid: h.emulator.tenantId,
      ver: '1.0',
    });
  });

  it('takes the application id as the resource too', async () => {
    const answer = await clientToken(`${h.emulator.clientId}/.default`);
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token)).toMatchObject({
      aud: h.emulator.clientId,
      roles: ['Provisio.Operator'],
    });
  });

  it('issues no roles to a client without a grant, and refuses an unknown resource', async () => {
    const answer = await tokenRequest(h.emulator, {
      grant_type: 'client_credentials',
      client_id: h.emulator.clientId,
      client_secret: h.emulator.clientSecret,
      scope: `api://${h.emulator.clientId}/.default`,
    });
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token)['roles']).toBeUndefined();
    const unknown = await clientToken('api://nothing-here/.default');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_codes).toEqual([500011]);
  });

  it('refuses identifier URIs that are not URIs', async () => {
    const api = await h.admin.get(`/v1.0/applications(appId='${h.emulator.clientId}')`);
    const refused = await h.admin.patch(`/v1.0/applications/${api.body.id}`, {
      identifierUris: ['not a uri'],
    });
    expect(refused.status).toBe(400);
    expect((await h.admin.get(`/v1.0/applications/${api.body.id}`)).body.identifierUris).toEqual([
      `api://${h.emulator.clientId}`,
    ]);
  });
});
