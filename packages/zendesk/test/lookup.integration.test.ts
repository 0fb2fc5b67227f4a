import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maxSearches } from '../src/connector/lookup.js';
import { type Harness, requestCounts, startEmulator, targetFor } from './support/harness.js';

/**
 * findUsers against the emulator: the users Zendesk's create-or-update would update for a batch of
 * creates, found with Show Many Users (100 external ids a request) and Search Users (one e-mail a
 * request, at most `maxSearches`), deleted users left out.
 */
let h: Harness;
beforeAll(async () => {
  h = await startEmulator({
    seed: {
      users: [
        { name: 'Hand Made', email: 'hand@example.com' },
        { name: 'Gone', email: 'gone@example.com', external_id: 'gone', active: false },
        { name: 'Comma', email: 'comma@example.com', external_id: 'a,b' },
      ],
      generate: { endUsers: 150 },
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('DELETE', 'requests');
});

describe('findUsers', () => {
  it('finds by external id in batches of 100, then searches only the e-mails still unknown', async () => {
    const { target } = targetFor(h);
    const creates = [
      ...Array.from({ length: 150 }, (_, n) => ({
        external_id: `user-${n + 1}`,
        email: `user${n + 1}@example.com`,
      })),
      { external_id: 'new-1', email: 'HAND@example.com' },
      { external_id: 'gone', email: 'gone@example.com' },
      { external_id: 'a,b' },
      { email: 'nobody@example.com' },
    ];
    const found = await target.findUsers(creates);
    const names = found.map((u) => u.attributes['name']);
    expect(found).toHaveLength(152);
    expect(names).toEqual(expect.arrayContaining(['User 1', 'User 150', 'Hand Made', 'Comma']));
    expect(names).not.toContain('Gone');
    expect(found.find((u) => u.attributes['name'] === 'Hand Made')).toMatchObject({
      active: true,
      displayName: 'Hand Made <hand@example.com>',
      attributes: { role: 'end-user', email: 'hand@example.com' },
    });
    const counts = await requestCounts(h);
    expect(counts.by['GET /api/v2/users/show_many']).toBe(2);
    // a,b by external id; hand, gone and nobody by e-mail; never the 150 found by external id.
    expect(counts.by['GET /api/v2/users/search']).toBe(4);
    expect(counts.total).toBe(6);
  });

  it(`makes at most ${maxSearches} single look-ups in one call`, async () => {
    const { target } = targetFor(h);
    const creates = Array.from({ length: maxSearches + 10 }, (_, n) => ({ email: `new${n}@example.com` }));
    creates.push({ email: 'hand@example.com' });
    expect(await target.findUsers(creates)).toEqual([]);
    const counts = await requestCounts(h);
    expect(counts.by['GET /api/v2/users/search']).toBe(maxSearches);
    expect(counts.by['GET /api/v2/users/show_many']).toBeUndefined();
  });
});
