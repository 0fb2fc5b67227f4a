import { describe, expect, it } from 'vitest';
import {
  type AssignmentWatermark,
  deltaChunks,
  formatAssignmentWatermark,
  parseAssignmentWatermark,
  sweepDue,
  userReadLimit,
} from '../src/connector/assignment-changes.js';

const watermark: AssignmentWatermark = {
  v: 1,
  sweptAt: '2026-01-01T08:00:00.000Z',
  sweepRequests: 104,
  listPages: 101,
  roles: [{ id: 'r1', displayName: 'Agent', value: 'agent', isEnabled: true }],
  groups: [{ id: 'a1', groupId: 'g1', groupName: 'Agents', appRoleId: 'r1', roleDisplayName: 'Agent' }],
  deltaLinks: ['https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=x'],
};
const minute = 60_000;
const at = (minutes: number) => new Date(Date.parse(watermark.sweptAt) + minutes * minute);
const request = (minutes: number, users: string[] = [], sweepRequestsPerMinute = 0) => ({
  now: at(minutes),
  sweepIntervalMs: 5 * minute,
  sweepRequestsPerMinute,
  users,
});

describe('assignment watermark', () => {
  it('reads back what it wrote', () => {
    expect(parseAssignmentWatermark(formatAssignmentWatermark(watermark))).toEqual(watermark);
  });

  it('is unusable (null: sweep) when absent, not JSON, of another version or incomplete', () => {
    expect(parseAssignmentWatermark(null)).toBeNull();
    expect(parseAssignmentWatermark('sweep')).toBeNull();
    expect(
      parseAssignmentWatermark('https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=x'),
    ).toBeNull();
    expect(parseAssignmentWatermark(JSON.stringify({ ...watermark, v: 2 }))).toBeNull();
    const { deltaLinks: _, ...withoutLinks } = watermark;
    expect(parseAssignmentWatermark(JSON.stringify(withoutLinks))).toBeNull();
    expect(parseAssignmentWatermark(JSON.stringify({ ...watermark, sweptAt: 'yesterday' }))).toBeNull();
    expect(parseAssignmentWatermark(JSON.stringify({ ...watermark, sweepRequests: -1 }))).toBeNull();
  });
});

describe('sweepDue', () => {
  it('follows the changes within the interval', () => {
    expect(sweepDue(watermark, request(0))).toBeNull();
    expect(sweepDue(watermark, request(4.99))).toBeNull();
  });

  it('sweeps without a watermark, once the interval has elapsed, and when the clock went back', () => {
    expect(sweepDue(null, request(0))).toBe('noWatermark');
    expect(sweepDue(watermark, request(5))).toBe('intervalElapsed');
    expect(sweepDue(watermark, request(-1))).toBe('intervalElapsed');
  });

  it('sweeps every time for a small application (at most two pages of assignments)', () => {
    expect(sweepDue({ ...watermark, listPages: 2 }, request(1))).toBe('smallApplication');
    expect(sweepDue({ ...watermark, listPages: 3 }, request(1))).toBeNull();
  });

  it('sweeps once the time since the last sweep pays for one at the given rate (0: never)', () => {
    // 104 requests at 60 a minute: 104 s; at 30 a minute, 208 s.
    const seconds = (s: number, perMinute: number) => request(s / 60, [], perMinute);
    expect(sweepDue(watermark, seconds(103.9, 60))).toBeNull();
    expect(sweepDue(watermark, seconds(104, 60))).toBe('paidFor');
    expect(sweepDue(watermark, seconds(207, 30))).toBeNull();
    expect(sweepDue(watermark, seconds(208, 30))).toBe('paidFor');
    expect(sweepDue(watermark, request(4.99, [], 0))).toBeNull();
  });

  it('sweeps when more users are asked for than are worth reading one by one', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `u${i}`);
    expect(sweepDue(watermark, request(1, fifty))).toBeNull();
    expect(sweepDue(watermark, request(1, [...fifty, 'u50']))).toBe('tooManyUsers');
    // The same user twice counts once.
    expect(sweepDue(watermark, request(1, [...fifty, 'u0', ' u1 ']))).toBeNull();
  });
});

describe('userReadLimit', () => {
  it('is what a sweep costs, in users (2 requests each with assigned groups, 1 without), at most 50', () => {
    expect(userReadLimit(watermark)).toBe(50);
    expect(userReadLimit({ ...watermark, sweepRequests: 9 })).toBe(4);
    expect(userReadLimit({ ...watermark, sweepRequests: 9, groups: [] })).toBe(9);
  });
});

describe('deltaChunks', () => {
  it('splits the assigned groups into filters of at most 50 ids (Graph’s limit)', () => {
    const ids = Array.from({ length: 101 }, (_, i) => `g${i}`);
    expect(deltaChunks(ids).map((c) => c.length)).toEqual([50, 50, 1]);
    expect(deltaChunks([])).toEqual([]);
  });
});
