import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntraSource } from '../src/index.js';
import { type Harness, startHarness, writePermissions } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const total = 300;
const members = 120;
const pageSize = 40;

let h: Harness;
let source: EntraSource;

beforeAll(async () => {
  h = await startHarness({
    permissions: writePermissions,
    seed: {
      users: Array.from({ length: total }, (_, i) => ({
        userPrincipalName: `user${i}@${domain}`,
        displayName: `User ${i}`,
      })),
      groups: [
        {
          displayName: 'Zendesk Agents',
          members: Array.from({ length: members }, (_, i) => `user${i}@${domain}`),
        },
      ],
      assignments: [{ principal: 'group:Zendesk Agents', appRole: 'Agent' }],
    },
  });
  source = h.source({ pageSize });
});
afterAll(() => h.close());

describe('paging', () => {
  it('follows nextLinks through a full read of several pages to the deltaLink', async () => {
    await h.admin.clearRequests();
    const progress: number[] = [];
    const result = await source.readUsers({
      watermark: null,
      select: ['displayName'],
      onProgress: (n) => progress.push(n),
    });
    const pages = Math.ceil(total / pageSize);
    expect(result.changes).toHaveLength(total);
    const ids = new Set(result.changes.map((c) => (c.kind === 'upsert' ? c.user.id : c.id)));
    expect(ids.size).toBe(total);
    expect(progress).toEqual(Array.from({ length: pages }, (_, i) => Math.min(total, (i + 1) * pageSize)));
    expect((await h.admin.requests()).get('GET /v1.0/users/delta')).toBe(pages);
    expect(result.watermark).toContain('$deltatoken=');
  });

  it('pages a change round too', async () => {
    const initial = await source.readUsers({ watermark: null, select: ['displayName'] });
    const changed: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const id = await h.admin.userId(`user${i}@${domain}`);
      expect((await h.admin.patch(`/v1.0/users/${id}`, { displayName: `Renamed ${i}` })).status).toBe(204);
      changed.push(id);
    }
    await h.admin.clearRequests();
    const next = await source.readUsers({ watermark: initial.watermark, select: ['displayName'] });
    expect(next.changes.map((c) => (c.kind === 'upsert' ? c.user.id : c.id)).sort()).toEqual(changed.sort());
    expect((await h.admin.requests()).get('GET /v1.0/users/delta')).toBe(2);
  });

  it('pages the members of an assigned group', async () => {
    await h.admin.clearRequests();
    const { assignments } = await source.readAssignments();
    expect(assignments).toHaveLength(members);
    expect(new Set(assignments.map((a) => a.userId)).size).toBe(members);
    expect((await h.admin.requests()).get('GET /v1.0/groups/{id}/members')).toBe(
      Math.ceil(members / pageSize),
    );
  });
});
