/**
 * A cycle is a function of (job, state store, connectors): a cycle run by a new process after an
 * earlier process's cycles is incremental and costs exactly the requests it costs in the process
 * that ran the earlier cycles. The warm cycles run in this test's process; the cold ones are
 * `provisio sync --once` subprocesses on the same state store.
 */

import { importRoles, provisionOnDemand } from '@provisio/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
} from './support/provisioning.js';

let h: JobHarness;
let job: Awaited<ReturnType<typeof writeCliJob>>;

beforeAll(async () => {
  h = await startJobHarness({ entra: { seed: 'demo:40' } });
  job = await writeCliJob(h, 'provisio-fresh-');
  job.env['DATABASE_URL'] = h.databaseUrl;
});
afterEach(killChildren);
afterAll(() => h?.close());

interface Requests {
  graph: number;
  zendesk: number;
  routes: string[];
}

/** Runs `work` and counts the Graph (not identity-platform) and Zendesk requests it made. */
async function counted(work: () => Promise<unknown>): Promise<Requests> {
  await h.graph.delete(`${h.entra.emulator.url}/__emulator/requests`);
  await h.zendesk.admin.control('DELETE', 'requests');
  await work();
  const graph = (await h.graph.get(`${h.entra.emulator.url}/__emulator/requests`)).body as {
    byRoute: { method: string; route: string; count: number }[];
  };
  const zendesk = (await h.zendesk.admin.control('GET', 'requests')).body as {
    byRoute: { method: string; route: string; count: number }[];
  };
  const graphRoutes = graph.byRoute.filter(
    (r) => r.route.startsWith('/v1.0') && !r.route.includes('__emulator'),
  );
  const zendeskRoutes = zendesk.byRoute.filter((r) => !r.route.includes('__emulator'));
  return {
    graph: graphRoutes.reduce((n, r) => n + r.count, 0),
    zendesk: zendeskRoutes.reduce((n, r) => n + r.count, 0),
    routes: [...graphRoutes, ...zendeskRoutes].map((r) => `${r.count} ${r.method} ${r.route}`).sort(),
  };
}

async function syncOnceInNewProcess(): Promise<string> {
  const run = spawnCli(['sync', '--once', '--config', job.configFile], { cwd: job.dir, env: job.env });
  const done = await run.finished;
  expect(done.code, done.stderr).toBe(0);
  return done.stdout;
}

describe('a cycle in a fresh process', () => {
  it('is incremental and costs what it costs in the warm process', async () => {
    await importRoles(h.deps, h.config, 'test');
    const group = await createEntraGroup(h, 'Fresh Process Team');
    const member = await createEntraUser(h, 'fresh-member');
    await assign(h, member, await appRoleId(h, 'Agent'));
    await addMember(h, group, member);
    await assign(h, group, await appRoleId(h, 'Agent'));
    expect((await h.cycle()).kind).toBe('initial');

    // Quiet: nothing changed anywhere.
    let warm!: Awaited<ReturnType<JobHarness['cycle']>>;
    const warmQuiet = await counted(async () => {
      warm = await h.cycle();
    });
    expect(warm.kind).toBe('incremental');
    expect(warm.counts.created + warm.counts.updated).toBe(0);
    let out = '';
    const coldQuiet = await counted(async () => {
      out = await syncOnceInNewProcess();
    });
    expect(out).toMatch(/\(incremental\) succeeded/);
    expect(coldQuiet).toEqual(warmQuiet);

    // One change each: an attribute in Entra, read and written the same way.
    await patchUser(h, member, { jobTitle: 'Warm' });
    const warmChange = await counted(async () => {
      warm = await h.cycle();
    });
    expect(warm.counts.updated).toBe(1);
    await patchUser(h, member, { jobTitle: 'Cold' });
    const coldChange = await counted(async () => {
      out = await syncOnceInNewProcess();
    });
    expect(out).toMatch(/\(incremental\) succeeded.* 1 updated/);
    expect(coldChange).toEqual(warmChange);
    expect(coldChange.zendesk).toBeGreaterThan(coldQuiet.zendesk);

    // And the warm process, after the cold one, is still right: incremental, nothing to do.
    const after = await h.cycle();
    expect(after.kind).toBe('incremental');
    expect(after.counts.updated + after.counts.created).toBe(0);
  });

  it('a loop keeps the target mirror in memory only while no one else writes it', async () => {
    // The harness keeps its cache across cycles, as sync does. Provisioning on demand writes the
    // target mirror in the store (here: a new Zendesk user); the loop's next cycle must see it.
    expect((await h.cycle()).kind).toBe('incremental');
    const newcomer = await createEntraUser(h, 'on-demand-newcomer');
    await assign(h, newcomer, await appRoleId(h, 'Agent'));
    const report = await provisionOnDemand(h.deps, h.config, newcomer);
    expect(report.ok, JSON.stringify(report.objects)).toBe(true);
    await patchUser(h, newcomer, { jobTitle: 'After on demand' });
    const next = await h.cycle();
    const planned = next.planned.find((user) => user.sourceId === newcomer);
    // A stale in-memory mirror would not hold the user on demand created: it would be created again.
    expect(planned?.action?.kind).toBe('update');
    expect(next.counts.created).toBe(0);
  });
});
