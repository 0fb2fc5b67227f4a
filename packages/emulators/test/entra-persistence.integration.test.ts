import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEntraEmulator } from '../src/index.js';
import { startEntraHarness } from './support/entra.js';

const domain = 'provisio-demo.onmicrosoft.com';
const permissions = ['User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All'];

describe('Entra persistence with dataFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provisio-entra-data-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const newUser = (name: string) => ({
    accountEnabled: true,
    displayName: name,
    mailNickname: name,
    userPrincipalName: `${name}@${domain}`,
    passwordProfile: { password: 'Secret-123' },
  });

  it('keeps users, managers, groups and memberships across a restart, and ignores the seed then', async () => {
    const dataFile = join(dir, 'entra.json');
    const first = await startEntraHarness({
      dataFile,
      permissions,
      seed: {
        users: [
          { userPrincipalName: `zoe@${domain}`, displayName: 'Zoe' },
          {
            userPrincipalName: `ada@${domain}`,
            displayName: 'Ada',
            managerUserPrincipalName: `zoe@${domain}`,
          },
        ],
        groups: [{ displayName: 'Support', members: [`ada@${domain}`] }],
      },
    });
    let createdId: string;
    try {
      const created = await first.graph.post('/v1.0/users', newUser('grace'));
      expect(created.status).toBe(201);
      createdId = created.body.id;
      const zoe = (await first.graph.get(`/v1.0/users/zoe@${domain}`)).body.id as string;
      const set = await first.graph.request('PUT', `/v1.0/users/grace@${domain}/manager/$ref`, {
        '@odata.id': `https://graph.microsoft.com/v1.0/users/${zoe}`,
      });
      expect(set.status).toBe(204);
    } finally {
      await first.close();
    }
    const saved = JSON.parse(await readFile(dataFile, 'utf8'));
    expect(saved.version).toBe(1);

    const second = await startEntraHarness({
      dataFile,
      permissions,
      seed: { users: [{ userPrincipalName: `other@${domain}`, displayName: 'From seed' }] },
    });
    try {
      expect((await second.graph.get(`/v1.0/users/${createdId}`)).body.displayName).toBe('grace');
      expect((await second.graph.get(`/v1.0/users/other@${domain}`)).status).toBe(404);
      const reports = await second.graph.get(`/v1.0/users/zoe@${domain}/directReports`);
      expect(reports.body.value.map((u: { displayName: string }) => u.displayName)).toEqual(['Ada', 'grace']);
      const groups = await second.graph.get('/v1.0/groups');
      const support = groups.body.value.find((g: { displayName: string }) => g.displayName === 'Support');
      const members = await second.graph.get(`/v1.0/groups/${support.id}/members`);
      expect(members.body.value.map((u: { displayName: string }) => u.displayName)).toEqual(['Ada']);
      // The id sequence goes on where it was: no id is given twice.
      const next = await second.graph.post('/v1.0/users', newUser('henry'));
      expect(next.status).toBe(201);
      expect(next.body.id).not.toBe(createdId);
      const delta = await second.graph.get('/v1.0/users/delta');
      expect(delta.status).toBe(200);
    } finally {
      await second.close();
    }
    const again = JSON.parse(await readFile(dataFile, 'utf8'));
    expect(again.users.map((u: { displayName: string }) => u.displayName)).toContain('henry');
  });

  it('refuses to start from a corrupt data file, naming the file', async () => {
    const dataFile = join(dir, 'broken.json');
    await writeFile(dataFile, '{"version":');
    await expect(startEntraEmulator({ port: 0, dataFile })).rejects.toThrow(dataFile);
  });
});
