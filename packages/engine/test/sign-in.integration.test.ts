/**
 * Single sign-on decided by the job's rules (docs/single-sign-on.md), every path: allowed as the
 * linked user without a write; provisioned on demand first (create, and an update); refused when
 * the user is unknown, disabled, unassigned, Default Access only, filtered out, when provisioning
 * fails, when the job creates no users, and when the linked target user is suspended or deleted.
 * Each refusal is written to the provisioning log. Fake source and target ports over a real SQLite
 * state store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config/load.js';
import { saveUsers } from '../src/cycle/target-mirror.js';
import { decideSignIn } from '../src/ondemand/sign-in.js';
import type { EngineDeps } from '../src/ports/engine.js';
import type { SourceAssignment, SourceUser } from '../src/ports/source.js';
import type { StateStore } from '../src/ports/state.js';
import type { TargetAction, TargetActionResult, TargetUser } from '../src/ports/target.js';
import { openStateStore } from '../src/state/open.js';
import { fakeTarget, targetUser } from './support/fakes.js';
import { exampleDefinition, testJob } from './support/jobs.js';

const now = new Date('2026-12-04T10:00:00Z');
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';
const system = { displayName: 'Test', id: 'test', details: {} };

interface World {
  users: Map<string, SourceUser>;
  assignments: SourceAssignment[];
  targets: Map<string, TargetUser>;
  writes: TargetAction[];
  failWrites: boolean;
}

let dir: string;
let store: StateStore;
let world: World;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provisio-sign-in-'));
  store = await openStateStore(`sqlite:${join(dir, 'state.db')}`);
  await store.migrate();
  world = { users: new Map(), assignments: [], targets: new Map(), writes: [], failWrites: false };
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function deps(): EngineDeps {
  let nextId = 1000;
  const source = {
    system,
    async getUser(id: string) {
      return world.users.get(id) ?? null;
    },
    async readAssignments() {
      return {
        roles: [
          { id: 'r-agent', displayName: 'Agent', value: 'agent', isEnabled: true },
          { id: DEFAULT_ACCESS, displayName: 'Default Access', value: null, isEnabled: true },
        ],
        assignments: world.assignments,
      };
    },
  };
  const target = {
    ...fakeTarget,
    system,
    restoreState() {},
    saveState: () => null,
    async credentialOwner() {
      return null;
    },
    async loadUsers() {
      return [...world.targets.values()];
    },
    reducesPrivileges: () => false,
    async apply(actions: readonly TargetAction[]): Promise<TargetActionResult[]> {
      world.writes.push(...actions);
      return actions.map((action) => {
        if (world.failWrites)
          return {
            key: action.key,
            ok: false,
            error: {
              code: 'InvalidTargetValue',
              message: 'Zendesk refused the value of email',
              retryable: false,
            },
          } as unknown as TargetActionResult;
        nextId += 1;
        const id = action.kind === 'create' ? String(nextId) : action.targetId;
        const before = world.targets.get(id);
        const changes =
          'changes' in action ? action.changes : 'attributes' in action ? action.attributes : {};
        const user = targetUser(id, { ...before?.attributes, ...(changes as Record<string, unknown>) });
        world.targets.set(id, user);
        return { key: action.key, ok: true, user } as TargetActionResult;
      });
    },
  };
  return {
    source: source as unknown as EngineDeps['source'],
    target: target as unknown as EngineDeps['target'],
    store,
    clock: { now: () => now, sleep: async () => {} },
  };
}

const config = (settings: Record<string, unknown> = {}, users: Record<string, unknown> = {}): Config =>
  testJob({ ...exampleDefinition, settings, mappings: { users } }) as unknown as Config;

function person(id: string, extra: Record<string, unknown> = {}, role: string | null = 'r-agent'): void {
  world.users.set(id, {
    id,
    attributes: {
      id,
      userPrincipalName: `${id}@contoso.com`,
      displayName: `Person ${id}`,
      accountEnabled: true,
      mail: `${id}@contoso.com`,
      ...extra,
    },
  });
  if (role !== null)
    world.assignments.push({
      id: `as-${id}`,
      userId: id,
      appRoleId: role,
      roleDisplayName: role === DEFAULT_ACCESS ? 'Default Access' : 'Agent',
      roleValue: role === DEFAULT_ACCESS ? null : 'agent',
    });
}

async function refusalsIn(sourceId: string) {
  const entries = await store.queryLogs({ jobId: config().settings.jobId, identity: sourceId });
  return entries.filter(
    (e) =>
      e.sourceIdentity.id === sourceId &&
      e.provisioningSteps.some((s) => s.name === 'Single sign-on' && s.description.includes('refused')),
  );
}

const initiatedBy = 'Single sign-on (test)';

describe('allowed', () => {
  it('provisions an in-scope user who has no target account yet, then signs them in as it', async () => {
    person('u1');
    const decision = await decideSignIn(deps(), config(), 'u1', { initiatedBy });
    expect(decision).toMatchObject({ allowed: true, provisioned: true });
    expect(world.writes.map((w) => w.kind)).toEqual(['create']);
    if (!decision.allowed) throw new Error('refused');
    expect(decision.user.attributes).toMatchObject({ email: 'u1@contoso.com', external_id: 'u1' });
    // The link is kept: the next sign-in writes nothing and lands in the same account.
    world.writes = [];
    const again = await decideSignIn(deps(), config(), 'u1', { initiatedBy });
    expect(again).toMatchObject({ allowed: true, provisioned: false, user: { id: decision.user.id } });
    expect(world.writes).toEqual([]);
  });

  it('writes a pending change first (an e-mail changed in Entra), into the same account', async () => {
    person('u2');
    const first = await decideSignIn(deps(), config(), 'u2', { initiatedBy });
    if (!first.allowed) throw new Error('refused');
    world.users.set('u2', {
      id: 'u2',
      attributes: { ...world.users.get('u2')?.attributes, userPrincipalName: 'new@contoso.com' },
    });
    world.writes = [];
    const second = await decideSignIn(deps(), config(), 'u2', { initiatedBy });
    expect(second).toMatchObject({ allowed: true, provisioned: true, user: { id: first.user.id } });
    expect(world.writes.map((w) => w.kind)).toEqual(['update']);
    if (second.allowed) expect(second.user.attributes['email']).toBe('new@contoso.com');
  });
});

describe('refused, and logged', () => {
  it.each([
    ['unknown', () => {}, 'unknownUser', /not found/],
    ['disabled', () => person('x', { accountEnabled: false }), 'outOfScope', /disabled|not active/i],
    ['unassigned', () => person('x', {}, null), 'outOfScope', /not assigned/i],
    ['Default Access only', () => person('x', {}, DEFAULT_ACCESS), 'outOfScope', /Default Access/i],
  ] as const)('%s', async (_what, setUp, refusal, reason) => {
    setUp();
    const decision = await decideSignIn(deps(), config(), 'x', { initiatedBy });
    expect(decision).toMatchObject({ allowed: false, refusal, reason: expect.stringMatching(reason) });
    expect(world.writes).toEqual([]);
    if (refusal !== 'unknownUser') expect(await refusalsIn('x')).toHaveLength(1);
  });

  it('filtered out by a scoping filter', async () => {
    person('x', { department: 'Sales' });
    const filtered = config(
      {},
      {
        scopingFilters: [
          {
            name: 'IT only',
            clauses: [
              { sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: ['IT'] } },
            ],
          },
        ],
      },
    );
    const decision = await decideSignIn(deps(), filtered, 'x', { initiatedBy });
    expect(decision).toMatchObject({ allowed: false, refusal: 'outOfScope' });
    expect(world.writes).toEqual([]);
  });

  it('provisioning fails: the target refused the write', async () => {
    person('x');
    world.failWrites = true;
    const decision = await decideSignIn(deps(), config(), 'x', { initiatedBy });
    expect(decision).toMatchObject({
      allowed: false,
      refusal: 'provisioningFailed',
      reason: expect.stringMatching(/could not be provisioned/),
    });
    expect(await refusalsIn('x')).toHaveLength(1);
  });

  it('the job creates no users and none is linked', async () => {
    person('x');
    const decision = await decideSignIn(deps(), config({}, { actions: ['update', 'delete'] }), 'x', {
      initiatedBy,
    });
    expect(decision).toMatchObject({ allowed: false, refusal: 'notProvisioned' });
    expect(world.writes).toEqual([]);
  });

  it('the linked target user was unlinked from the job', async () => {
    person('x');
    const first = await decideSignIn(deps(), config(), 'x', { initiatedBy });
    if (!first.allowed) throw new Error('refused');
    const [link] = await store.listLinks(config().settings.jobId);
    if (link === undefined) throw new Error('no link');
    await store.saveLinks([{ ...link, state: 'unlinked' }]);
    world.writes = [];
    const decision = await decideSignIn(deps(), config(), 'x', { initiatedBy });
    expect(decision).toMatchObject({
      allowed: false,
      refusal: 'targetUnavailable',
      reason: expect.stringMatching(/unlinked/),
    });
    expect(world.writes).toEqual([]);
  });

  it('the linked target user is suspended by someone else, or deleted', async () => {
    person('x');
    const first = await decideSignIn(deps(), config(), 'x', { initiatedBy });
    if (!first.allowed) throw new Error('refused');
    const linked = world.targets.get(first.user.id);
    if (linked === undefined) throw new Error('no target user');
    // Suspended in Zendesk by an admin: provisio does not lift what it did not do (no write), so no sign-in.
    const jobId = config().settings.jobId;
    await saveUsers(store, jobId, [{ ...linked, disabled: true }], { keysOf: () => [] });
    world.writes = [];
    const suspended = await decideSignIn(deps(), config(), 'x', { initiatedBy });
    expect(suspended).toMatchObject({
      allowed: false,
      refusal: 'targetUnavailable',
      reason: expect.stringMatching(/suspended/),
    });
    expect(world.writes).toEqual([]);
    expect(await refusalsIn('x')).toHaveLength(1);
    // Deleted in Zendesk: the job's own rule (InvalidAnchor) creates the user again, as its next cycle would.
    await saveUsers(store, jobId, [{ ...linked, active: false, disabled: false }], { keysOf: () => [] });
    world.targets.delete(linked.id);
    const recreated = await decideSignIn(deps(), config(), 'x', { initiatedBy });
    expect(recreated).toMatchObject({ allowed: true, provisioned: true });
    expect(world.writes.map((w) => w.kind)).toEqual(['create']);
  });
});
