/** The safety net's pure parts: escrow schedule and settling, quarantine thresholds and back-off, role import plan. */
import { describe, expect, it } from 'vitest';
import { planRoleImport, roleValue } from '../src/roles/import-roles.js';
import { escrowDelayMs, escrowIsDue, escrowKey, settleEscrows } from '../src/safety/escrow.js';
import { imposeQuarantine, quarantineDelayMs, tooManyFailures } from '../src/safety/quarantine.js';

const minute = 60_000;
const t0 = new Date('2026-01-05T08:00:00.000Z');

describe('escrow', () => {
  it('backs off 1 min, 5 min, 15 min, 1 h, 6 h, then daily', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map(escrowDelayMs)).toEqual([
      minute,
      5 * minute,
      15 * minute,
      60 * minute,
      360 * minute,
      1440 * minute,
      1440 * minute,
    ]);
  });

  it('settles users, groups and memberships alike: failures counted and rescheduled, successes cleared', () => {
    const first = settleEscrows(
      'j',
      [
        {
          objectType: 'group',
          objectId: 'g1',
          displayName: 'G',
          error: { code: 'ZendeskBadRequest', message: 'x' },
        },
        { objectType: 'membership', objectId: 'g1/u1', displayName: 'U in G', error: null },
      ],
      new Map(),
      t0,
    );
    expect(first.clear).toEqual([]);
    expect(first.save).toMatchObject([{ objectType: 'group', objectId: 'g1', attempts: 1 }]);
    const escrow = first.save[0];
    if (!escrow) throw new Error('no escrow');
    expect(escrowIsDue(escrow, new Date(t0.getTime() + minute - 1))).toBe(false);
    expect(escrowIsDue(escrow, new Date(t0.getTime() + minute))).toBe(true);

    const existing = new Map([[escrowKey('group', 'g1'), escrow]]);
    const later = new Date(t0.getTime() + 2 * minute);
    const again = settleEscrows(
      'j',
      [
        {
          objectType: 'group',
          objectId: 'g1',
          displayName: 'G',
          error: { code: 'ZendeskBadRequest', message: 'y' },
        },
      ],
      existing,
      later,
    );
    expect(again.save[0]).toMatchObject({ attempts: 2, firstFailedAt: t0.toISOString(), errorMessage: 'y' });
    expect(again.save[0]?.nextAttemptAt).toBe(new Date(later.getTime() + 5 * minute).toISOString());
    const healed = settleEscrows(
      'j',
      [{ objectType: 'group', objectId: 'g1', displayName: 'G', error: null }],
      existing,
      later,
    );
    expect(healed).toEqual({ save: [], clear: [{ objectType: 'group', objectId: 'g1' }] });
  });
});

describe('quarantine', () => {
  it('needs at least 5 failures and more than 40 % of what was tried', () => {
    expect(tooManyFailures(4, 4)).toBe(false);
    expect(tooManyFailures(5, 12)).toBe(true);
    expect(tooManyFailures(5, 13)).toBe(false);
    expect(tooManyFailures(0, 0)).toBe(false);
  });

  it('backs off interval × 2^n, at least a minute, at most a day, continuing a series', () => {
    expect(quarantineDelayMs(0, 30_000)).toBe(minute);
    expect(quarantineDelayMs(3, 40 * minute)).toBe(320 * minute);
    expect(quarantineDelayMs(30, 40 * minute)).toBe(1440 * minute);
    const error = { code: 'TooManyDeletes', message: 'm', failingRequests: [], objects: 9 };
    const first = imposeQuarantine(null, 'TooManyDeletes', error, t0, 40 * minute);
    expect(first).toMatchObject({ seriesCount: 0, seriesBegan: t0.toISOString() });
    const second = imposeQuarantine(
      first,
      'EncounteredEscrowProportionThreshold',
      error,
      new Date(t0.getTime() + 40 * minute),
      40 * minute,
    );
    expect(second).toMatchObject({
      seriesCount: 1,
      seriesBegan: t0.toISOString(),
      reason: 'EncounteredEscrowProportionThreshold',
    });
    expect(Date.parse(second.nextAttempt) - Date.parse(second.currentBegan)).toBe(80 * minute);
  });
});

describe('role import plan', () => {
  it('publishes the built-in and custom roles, and leaves out a custom role named like a built-in or another one', () => {
    const plan = planRoleImport([
      { name: 'End-user', kind: 'end-user', description: '' },
      { name: 'Agent', kind: 'agent', description: 'Agents' },
      { name: 'Admin', kind: 'admin', description: '' },
      { name: 'Light Agent', kind: 'custom', description: '', id: '1' },
      { name: 'agent', kind: 'custom', description: '', id: '2' },
      { name: 'Billing  Agent', kind: 'custom', description: '', id: '3' },
      { name: 'Billing-Agent', kind: 'custom', description: '', id: '4' },
    ]);
    expect(plan.definitions.map((d) => [d.displayName, d.value])).toEqual([
      ['End-user', 'end-user'],
      ['Agent', 'agent'],
      ['Admin', 'admin'],
      ['Light Agent', 'light-agent'],
      ['Billing  Agent', 'billing-agent'],
    ]);
    expect(plan.collisions).toEqual([
      { name: 'agent', collidesWith: 'the built-in role Agent' },
      { name: 'Billing-Agent', collidesWith: 'the custom role Billing  Agent' },
    ]);
    expect(roleValue('Équipe 2ème niveau!')).toBe('equipe-2eme-niveau');
  });
});
