import { describe, expect, it } from 'vitest';
import { driftedUsers } from '../src/pipeline/target-index.js';
import type { TargetUser } from '../src/ports/target.js';

const user = (
  id: string,
  attributes: Record<string, unknown>,
  state: Partial<TargetUser> = {},
): TargetUser => ({
  id,
  attributes,
  active: true,
  disabled: false,
  displayName: `User ${id}`,
  ...state,
});

const watched = ['email', 'details', 'user_fields.cost_center', 'role'];
const known = new Map<string, TargetUser>([
  [
    '1',
    user('1', {
      email: 'a@example.com',
      details: 'Tier 1',
      user_fields: { cost_center: 'CC-1', shoe: 42 },
      role: 'agent',
    }),
  ],
  [
    '2',
    user('2', {
      email: 'b@example.com',
      details: 'Tier 2',
      user_fields: { cost_center: 'CC-2' },
      role: 'agent',
    }),
  ],
]);
const ids = (changed: TargetUser[]) => driftedUsers(changed, (id) => known.get(id), watched).map((u) => u.id);

describe('driftedUsers', () => {
  it('finds a change to a nested field provisio manages (user_fields.cost_center)', () => {
    const edited = user('1', {
      ...known.get('1')?.attributes,
      user_fields: { cost_center: 'CC-9', shoe: 42 },
    });
    expect(ids([edited])).toEqual(['1']);
  });

  it('ignores nested fields provisio does not manage, and its own writes the index already has', () => {
    const other = user('1', {
      ...known.get('1')?.attributes,
      user_fields: { cost_center: 'CC-1', shoe: 43 },
    });
    const same = user('2', { ...known.get('2')?.attributes });
    expect(ids([other, same])).toEqual([]);
  });

  it('finds top-level changes, users unknown to the index, suspended and deleted ones', () => {
    expect(ids([user('2', { ...known.get('2')?.attributes, role: 'admin' })])).toEqual(['2']);
    expect(ids([user('3', { email: 'c@example.com' })])).toEqual(['3']);
    expect(ids([user('1', { ...known.get('1')?.attributes }, { disabled: true })])).toEqual(['1']);
    expect(ids([user('2', { ...known.get('2')?.attributes }, { active: false })])).toEqual(['2']);
  });
});
