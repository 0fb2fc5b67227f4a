import type { SourceUserChange } from '@provisio/engine';
import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntraSource } from '../src/index.js';
import { type Harness, startHarness, writePermissions } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const upn = (i: number) => `user${i}@${domain}`;

let h: Harness;
let source: EntraSource;

beforeAll(async () => {
  h = await startHarness({
    permissions: writePermissions,
    seed: {
      users: Array.from({ length: 8 }, (_, i) => ({
        userPrincipalName: upn(i),
        displayName: `User ${i}`,
        givenName: `Given${i}`,
        department: i < 4 ? 'Support' : 'Sales',
        jobTitle: 'Engineer',
      })),
    },
  });
  source = h.source();
});
afterAll(() => h.close());

const select = ['displayName', 'department'];

function byKind(changes: readonly SourceUserChange[]) {
  const upserts = new Map<string, Record<string, unknown>>();
  const removed = new Map<string, 'soft' | 'hard'>();
  for (const change of changes)
    if (change.kind === 'upsert') upserts.set(change.user.id, { ...change.user.attributes });
    else removed.set(change.id, change.removed);
  return { upserts, removed };
}

describe('readUsers', () => {
  beforeEach(() => h.admin.reset());

  it('reads every user in a full read, with only the selected attributes, id, accountEnabled and UPN', async () => {
    const progress: number[] = [];
    const result = await source.readUsers({ watermark: null, select, onProgress: (n) => progress.push(n) });

    expect(result.fullRead).toBe(false);
    expect(result.watermark).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/delta\?\$deltatoken=/);
    expect(result.changes).toHaveLength(8);
    const first = result.changes.find(
      (c) => c.kind === 'upsert' && c.user.attributes['userPrincipalName'] === upn(0),
    );
    expect(first?.kind).toBe('upsert');
    if (first?.kind !== 'upsert') return;
    expect(Object.keys(first.user.attributes).sort()).toEqual(
      ['accountEnabled', 'department', 'displayName', 'id', 'userPrincipalName'].sort(),
    );
    expect(first.user.attributes).toMatchObject({
      id: first.user.id,
      displayName: 'User 0',
      department: 'Support',
      accountEnabled: true,
    });
    expect(result.changes.every((c) => c.kind === 'upsert')).toBe(true);
    expect(progress.at(-1)).toBe(8);
  });

  it('returns exactly the changes since the watermark, with the right kinds', async () => {
    const initial = await source.readUsers({ watermark: null, select });
    const { admin } = h;

    const created = await admin.post('/v1.0/users', {
      accountEnabled: true,
      displayName: 'New Hire',
      mailNickname: 'newhire',
      userPrincipalName: `newhire@${domain}`,
      passwordProfile: { password: 'Secret-123' },
    });
    expect(created.status).toBe(201);
    const updated = await admin.userId(upn(1));
    expect((await admin.patch(`/v1.0/users/${updated}`, { department: 'Billing' })).status).toBe(204);
    const disabled = await admin.userId(upn(2));
    expect((await admin.patch(`/v1.0/users/${disabled}`, { accountEnabled: false })).status).toBe(204);
    const softDeleted = await admin.userId(upn(3));
    expect((await admin.delete(`/v1.0/users/${softDeleted}`)).status).toBe(204);
    const restored = await admin.userId(upn(4));
    expect((await admin.delete(`/v1.0/users/${restored}`)).status).toBe(204);
    expect((await admin.post(`/v1.0/directory/deletedItems/${restored}/restore`)).status).toBe(200);
    const purged = await admin.userId(upn(5));
    expect((await admin.delete(`/v1.0/users/${purged}`)).status).toBe(204);
    expect((await admin.delete(`/v1.0/directory/deletedItems/${purged}`)).status).toBe(204);

    const next = await source.readUsers({ watermark: initial.watermark, select });
    expect(next.fullRead).toBe(false);
    expect(next.watermark).not.toBe(initial.watermark);
    const { upserts, removed } = byKind(next.changes);
    expect([...upserts.keys()].sort()).toEqual([created.body.id, updated, disabled, restored].sort());
    expect(upserts.get(created.body.id)).toMatchObject({
      displayName: 'New Hire',
      accountEnabled: true,
      userPrincipalName: `newhire@${domain}`,
    });
    expect(upserts.get(updated)).toMatchObject({ department: 'Billing' });
    expect(upserts.get(disabled)).toMatchObject({ accountEnabled: false });
    expect(upserts.get(restored)).toMatchObject({ displayName: 'User 4' });
    expect(Object.fromEntries(removed)).toEqual({ [softDeleted]: 'soft', [purged]: 'hard' });

    // A quiet round: nothing, and a new watermark that still works.
    const quiet = await source.readUsers({ watermark: next.watermark, select });
    expect(quiet.changes).toEqual([]);
    expect(quiet.fullRead).toBe(false);
  });

  it('does a full read and says so when the delta link has expired', async () => {
    const initial = await source.readUsers({ watermark: null, select });
    // A reset forgets every delta token (Graph: 400 syncStateNotFound, as for an expired token).
    await h.admin.reset();
    const after = await source.readUsers({ watermark: initial.watermark, select });
    expect(after.fullRead).toBe(true);
    expect(after.changes).toHaveLength(8);
    expect(after.changes.every((c) => c.kind === 'upsert')).toBe(true);
    const again = await source.readUsers({ watermark: after.watermark, select });
    expect(again).toMatchObject({ changes: [], fullRead: false });
  });

  it('reads everything again, never following it, when the watermark is not a delta link of this Graph', async () => {
    await h.admin.clearRequests();
    const result = await source.readUsers({
      watermark: 'https://elsewhere.example/v1.0/users/delta?$deltatoken=abc',
      select,
    });
    expect(result.fullRead).toBe(true);
    expect(result.changes).toHaveLength(8);
    // One request: the start of a new round on the emulator (8 users fit one page).
    expect((await h.admin.requests()).get('GET /v1.0/users/delta')).toBe(1);
  });

  it('names an attribute Graph does not know', async () => {
    const error = await source
      .readUsers({ watermark: null, select: ['displayName', 'favouriteColour'] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect(error.detail).toMatchObject({ code: 'InvalidSourceAttribute', httpStatus: 400, retryable: false });
    expect(error.message).toContain("'favouriteColour'");
    expect(error.detail.recommendedAction).toContain('favouriteColour');
  });
});

describe('getUser', () => {
  beforeAll(() => h.admin.reset());

  it('finds a user by object id and by userPrincipalName, with the selected attributes', async () => {
    const id = await h.admin.userId(upn(6));
    const byId = await source.getUser(id, ['displayName', 'jobTitle']);
    expect(byId).toEqual({
      id,
      attributes: {
        id,
        accountEnabled: true,
        userPrincipalName: upn(6),
        displayName: 'User 6',
        jobTitle: 'Engineer',
      },
    });
    expect(await source.getUser(upn(6).toUpperCase(), ['displayName', 'jobTitle'])).toEqual(byId);
  });

  it('answers null for an unknown id or UPN and for a deleted user', async () => {
    expect(await source.getUser('5f0c2a5e-0000-4000-8000-00000000abcd', select)).toBeNull();
    expect(await source.getUser(`nobody@${domain}`, select)).toBeNull();
    expect(await source.getUser('', select)).toBeNull();
    const id = await h.admin.userId(upn(7));
    expect((await h.admin.delete(`/v1.0/users/${id}`)).status).toBe(204);
    expect(await source.getUser(id, select)).toBeNull();
    expect(await source.getUser(upn(7), select)).toBeNull();
  });
});
