/**
 * Cost follows changes (docs/performance.md#what-a-cycle-reads): between assignment sweeps an
 * incremental cycle reads from Graph only the change feeds and the users new to it, and from the
 * state store only the rows of the users that changed, never a whole table; yet a user created and
 * assigned, a member who joins or leaves an assigned group, and (at the next sweep) a direct
 * unassignment all reach Zendesk. The source connector reads pages of 5, so the application's
 * assignments take more pages than a "small application" that is swept every cycle.
 */

import { type Clock, type StateStore, systemClock } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  patchUser,
  removeMember,
  startJobHarness,
  unassign,
  zendeskUserByExternalId,
} from './support/provisioning.js';

let h: JobHarness;
/** Store methods that read a whole table of a job, and how often each was called. */
const wholeReads = ['listSourceUsers', 'listLinks', 'listTargetObjects'] as const;
let calls = new Map<string, number>();

/** Wraps the store so that every call is counted by method name. */
function countingStore(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
}

/** Runs `work` and counts its Graph (not sign-in) and Zendesk requests and the store's whole-table reads. */
async function measured(work: () => Promise<unknown>) {
  calls = new Map();
  await h.graph.delete(`${h.entra.emulator.url}/__emulator/requests`);
  await h.zendesk.admin.control('DELETE', 'requests');
  await work();
  type ByRoute = { byRoute: { method: string; route: string; count: number }[] };
  const graph = (
    (await h.graph.get(`${h.entra.emulator.url}/__emulator/requests`)).body as ByRoute
  ).byRoute.filter((r) => r.route.startsWith('/v1.0') && !r.route.includes('__emulator'));
  const zendesk = ((await h.zendesk.admin.control('GET', 'requests')).body as ByRoute).byRoute.filter(
    (r) => !r.route.includes('__emulator'),
  );
  return {
    graph: graph.reduce((n, r) => n + r.count, 0),
    graphRoutes: graph.map((r) => `${r.method} ${r.route}`),
    zendesk: zendesk.reduce((n, r) => n + r.count, 0),
    wholeTableReads: wholeReads.filter((name) => (calls.get(name) ?? 0) > 0),
  };
}

beforeAll(async () => {
  h = await startJobHarness({
    entra: { seed: 'demo:30' },
    sourcePageSize: 5,
    // A large application between sweeps: by the interval only, not the sweep budget.
    settings: { assignmentSweepInterval: 'PT1H', assignmentSweepRequestsPerMinute: 0 },
  });
  h.deps = { ...h.deps, store: countingStore(h.deps.store) };
});
afterAll(() => h?.close());

describe('an incremental cycle between sweeps', () => {
  let agent: string;
  let team: string;

  it('after the initial cycle, a quiet cycle reads the change feeds and no whole table', async () => {
    agent = await appRoleId(h, 'Agent');
    team = await createEntraGroup(h, 'Cost Team');
    await assign(h, team, agent);
    expect((await h.cycle()).kind).toBe('initial');
    // The initial cycle's sweep is dated at the cycle's end: the next sweep is an interval after it.
    const job = await h.store.getJob(h.config.settings.jobId);
    expect(JSON.parse(job?.assignmentWatermark ?? '{}').sweptAt).toBe(job?.watermarkAt);
    const quiet = await measured(() => h.cycle());
    expect(quiet.wholeTableReads).toEqual([]);
    expect(quiet.zendesk).toBeLessThanOrEqual(1);
    // Users' delta, groups' delta (group provisioning), the assigned groups' members delta.
    expect(quiet.graph, quiet.graphRoutes.join('\n')).toBeLessThanOrEqual(3);
    expect(quiet.graphRoutes.some((route) => route.includes('appRoleAssignedTo'))).toBe(false);
  });

  it('provisions a user created and assigned a moment ago in the next cycle', async () => {
    const newcomer = await createEntraUser(h, 'cost-newcomer');
    await assign(h, newcomer, agent);
    let report!: Awaited<ReturnType<JobHarness['cycle']>>;
    const cost = await measured(async () => {
      report = await h.cycle();
    });
    expect(report.counts.created).toBe(1);
    // (A cycle that writes users plans the provisioned groups' memberships again: every link.)
    expect(cost.wholeTableReads).toEqual(['listLinks']);
    expect((await zendeskUserByExternalId(h, newcomer))?.role).toBe('agent');
  });

  it('a member joining an assigned group is provisioned, and deprovisioned when they leave', async () => {
    const joiner = await createEntraUser(h, 'cost-joiner');
    // Created unassigned: in the next cycle it is new to the job, read, and found out of scope.
    await h.cycle();
    expect(await zendeskUserByExternalId(h, joiner)).toBeNull();
    await addMember(h, team, joiner);
    const joined = await measured(() => h.cycle());
    expect(joined.wholeTableReads).toEqual(['listLinks']);
    expect((await zendeskUserByExternalId(h, joiner))?.suspended).toBe(false);
    await removeMember(h, team, joiner);
    await h.cycle();
    expect((await zendeskUserByExternalId(h, joiner))?.suspended).toBe(true);
  });

  it('an attribute change is written without reading any whole table', async () => {
    // A cycle that writes users plans the provisioned groups' memberships again, which reads every
    // link and the whole target mirror: without group provisioning, nothing but the changed rows.
    await h.reconfigure({ mappings: { groups: { enabled: false } } });
    expect((await h.cycle()).kind).toBe('initial');
    const someone = await createEntraUser(h, 'cost-someone');
    await assign(h, someone, agent);
    await h.cycle();
    await patchUser(h, someone, { jobTitle: 'Changed' });
    let report!: Awaited<ReturnType<JobHarness['cycle']>>;
    const cost = await measured(async () => {
      report = await h.cycle();
    });
    expect(report.counts.updated).toBe(1);
    expect(cost.wholeTableReads).toEqual([]);
  });

  it('a direct unassignment of a known user waits for the next sweep', async () => {
    const leaver = await createEntraUser(h, 'cost-leaver');
    const assignment = await assign(h, leaver, agent);
    await h.cycle();
    expect((await zendeskUserByExternalId(h, leaver))?.suspended).toBe(false);
    await unassign(h, assignment);
    await h.cycle();
    // Between sweeps the user keeps the assignment the job last read: nothing happens yet.
    expect((await zendeskUserByExternalId(h, leaver))?.suspended).toBe(false);
    // An hour later by the engine's clock the sweep is due: every assignment is read again.
    const later: Clock = { ...systemClock, now: () => new Date(Date.now() + 2 * 3_600_000) };
    const deps = h.deps;
    h.deps = { ...deps, clock: later };
    try {
      const sweep = await measured(() => h.cycle());
      expect(sweep.graphRoutes.some((route) => route.includes('appRoleAssignedTo'))).toBe(true);
    } finally {
      h.deps = deps;
    }
    expect((await zendeskUserByExternalId(h, leaver))?.suspended).toBe(true);
  });

  it('a cycle without the target mirror in memory reads only the target users it needs', async () => {
    const late = await createEntraUser(h, 'cost-late');
    await assign(h, late, agent);
    await patchUser(h, late, { jobTitle: 'Before' });
    await h.cycle();
    await patchUser(h, late, { jobTitle: 'Cold' });
    const { runCycle } = await import('@provisio/engine');
    let report!: Awaited<ReturnType<typeof runCycle>>;
    const cold = await measured(async () => {
      report = await runCycle(h.deps, h.config);
    });
    expect(report.kind).toBe('incremental');
    expect(report.counts.updated).toBe(1);
    expect(cold.wholeTableReads).toEqual([]);
  });
});
