import { emptyCycleCounts, runSyncLoop } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
  zendeskUserByExternalId,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * What goes wrong: a user Zendesk refuses (the others still go through, and it is retried until it
 * succeeds), 429 and 503 storms on both sides, scoping filters that exclude and re-include, and a
 * cycle cut short.
 */
let h: JobHarness;

beforeAll(async () => {
  h = await startJobHarness();
});
afterAll(() => h?.close());

function planned(report: Awaited<ReturnType<JobHarness['cycle']>>, id: string) {
  const found = report.planned.find((p) => p.sourceId === id);
  if (!found) throw new Error(`${id} not evaluated in cycle ${report.cycleId}`);
  return { ...found, result: report.results.get(id) };
}

describe('failures', () => {
  it('one user Zendesk refuses (422) fails alone, and is retried in the next cycles until it succeeds', async () => {
    const agent = await appRoleId(h, 'Agent');
    const good = await Promise.all(['ok1', 'ok2', 'ok3'].map((nick) => createEntraUser(h, nick)));
    // "xx" is no locale Zendesk knows: it answers 422 RecordInvalid for this user only.
    const bad = await createEntraUser(h, 'badlocale', { preferredLanguage: 'xx-XX' });
    for (const id of [...good, bad]) await assign(h, id, agent);
    const first = await h.cycle();
    expect(first.state).toBe('entryLevelErrors');
    expect(first.counts).toMatchObject({ created: 3, failed: 1 });
    const failure = planned(first, bad).result;
    expect(failure?.ok).toBe(false);
    if (failure && !failure.ok) expect(failure.error.code).toBe('ZendeskUnprocessableEntity');
    for (const id of good) expect(await zendeskUserByExternalId(h, id)).not.toBeNull();
    const [entry] = await h.store.queryLogs({
      jobId: h.config.settings.jobId,
      identity: bad,
      cycleId: first.cycleId,
    });
    expect(entry?.provisioningStatusInfo.status).toBe('failure');
    expect(entry?.provisioningStatusInfo.errorInformation?.reason).toMatch(/locale/i);
    expect(entry?.provisioningSteps.at(-1)?.details['Request']).toMatch(
      /^POST \/api\/v2\/users\/create_or_update/,
    );

    // In escrow: retried on a back-off schedule (1 min after the first failure), not in every cycle.
    const jobId = h.config.settings.jobId;
    let [escrow] = (await h.store.listEscrows(jobId)).filter((e) => e.objectId === bad);
    expect(escrow).toMatchObject({
      objectType: 'user',
      attempts: 1,
      errorCode: 'ZendeskUnprocessableEntity',
    });
    expect(Date.parse(escrow?.nextAttemptAt ?? '') - Date.parse(escrow?.lastFailedAt ?? '')).toBe(60_000);
    const second = await h.cycle();
    expect(second.kind).toBe('incremental');
    expect(second.planned.map((p) => p.sourceId)).not.toContain(bad);
    // Once due, it is tried again (and fails again): the next wait is longer.
    await h.store.saveEscrows([
      { ...(escrow as NonNullable<typeof escrow>), nextAttemptAt: new Date(Date.now() - 1000).toISOString() },
    ]);
    const retried = await h.cycle();
    expect(planned(retried, bad).result?.ok).toBe(false);
    expect(retried.planned.map((p) => p.sourceId)).not.toContain(good[0]);
    [escrow] = (await h.store.listEscrows(jobId)).filter((e) => e.objectId === bad);
    expect(escrow?.attempts).toBe(2);
    expect(Date.parse(escrow?.nextAttemptAt ?? '') - Date.parse(escrow?.lastFailedAt ?? '')).toBe(5 * 60_000);

    // Fixed in Entra: created, and no longer retried after that.
    await patchUser(h, bad, { preferredLanguage: 'de-DE' });
    const third = await h.cycle();
    expect(planned(third, bad).result?.ok).toBe(true);
    expect((await zendeskUserByExternalId(h, bad)).locale).toBe('de');
    // Success clears the escrow.
    expect((await h.store.listEscrows(jobId)).filter((e) => e.objectId === bad)).toEqual([]);
    const fourth = await h.cycle();
    expect(fourth.planned.map((p) => p.sourceId)).not.toContain(bad);
  });

  it('rides out 429 and 503 storms on both sides', async () => {
    const agent = await appRoleId(h, 'Agent');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await createEntraUser(h, `storm${i}`));
    for (const id of ids) await assign(h, id, agent);
    const storm = { faults: '429=0.3,503=0.2,burst=2,retry-after=1,seed=11' };
    expect((await h.zendesk.admin.control('PUT', 'config', storm)).status).toBe(200);
    expect((await h.graph.request('PUT', '/__emulator/config', storm)).status).toBe(200);
    try {
      const report = await h.cycle();
      expect(report.state, JSON.stringify(report.counts)).toBe('succeeded');
      for (const id of ids) expect(planned(report, id).result?.ok, id).toBe(true);
    } finally {
      await h.zendesk.admin.control('PUT', 'config', { faults: 'none' });
      await h.graph.request('PUT', '/__emulator/config', { faults: 'none' });
    }
    const users = await zendeskUsers(h);
    for (const id of ids) expect(users.filter((u) => u.external_id === id)).toHaveLength(1);
    const log = (await h.zendesk.admin.control('GET', 'requests')).body as {
      byRoute: { status: number; count: number }[];
    };
    // The storm really happened.
    expect(
      log.byRoute.filter((r) => r.status === 429 || r.status === 503).reduce((n, r) => n + r.count, 0),
    ).toBeGreaterThan(0);
  }, 60_000);

  it('a scoping filter excludes users (deprovisioned) and re-includes them (reactivated)', async () => {
    const agent = await appRoleId(h, 'Agent');
    const sales = await createEntraUser(h, 'sally', { department: 'Sales' });
    const support = await createEntraUser(h, 'sam', { department: 'Support' });
    for (const id of [sales, support]) await assign(h, id, agent);
    await h.cycle();
    await h.reconfigure({
      mappings: {
        users: {
          scopingFilters: [
            {
              name: 'Support only',
              clauses: [
                {
                  sourceOperandName: 'department',
                  operatorName: 'EQUALS',
                  targetOperand: { values: ['Support'] },
                },
              ],
            },
          ],
        },
      },
    });
    // A new configuration means an initial cycle, as in Entra.
    const filtered = await h.cycle();
    expect(filtered.kind).toBe('initial');
    expect(planned(filtered, sales).action?.kind).toBe('disable');
    expect(planned(filtered, sales).scope.reason).toBe('scopingFilter');
    expect(planned(filtered, support).action).toBeNull();
    expect((await zendeskUserByExternalId(h, sales)).suspended).toBe(true);
    expect((await zendeskUserByExternalId(h, support)).suspended).toBe(false);

    await patchUser(h, sales, { department: 'Support' });
    const back = await h.cycle();
    expect(planned(back, sales).action?.kind).toBe('reactivate');
    expect((await zendeskUserByExternalId(h, sales)).suspended).toBe(false);
    await h.reconfigure({ mappings: { users: {} } });
  });

  it('a paused job runs no cycle until it is resumed', async () => {
    const jobId = h.config.settings.jobId;
    const job = await h.store.getJob(jobId);
    if (!job) throw new Error('no job');
    await h.store.saveJob({ ...job, status: 'Paused' });
    const controller = new AbortController();
    let started = 0;
    const waits: string[] = [];
    await runSyncLoop(h.deps, h.config, {
      signal: controller.signal,
      onCycleStart: () => started++,
      onWait: (reason) => {
        waits.push(reason);
        if (waits.length === 2) controller.abort();
      },
    });
    expect(started).toBe(0);
    expect(waits).toEqual(['paused', 'paused']);
    // Resumed: the loop runs cycles again.
    await h.store.saveJob({ ...job, status: 'Active' });
    const again = new AbortController();
    const reports = await runSyncLoop(h.deps, h.config, {
      signal: again.signal,
      onCycle: () => again.abort(),
    });
    expect(reports).toHaveLength(1);
  });

  it('marks a cycle that was cut short as interrupted', async () => {
    const jobId = h.config.settings.jobId;
    await h.store.saveCycle({
      jobId,
      cycleId: 'cut-short',
      kind: 'incremental',
      state: 'running',
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      endedAt: null,
      counts: emptyCycleCounts,
      error: null,
      errorCode: null,
    });
    const next = await h.cycle();
    const cut = (await h.store.listCycles(jobId, 50)).find((c) => c.cycleId === 'cut-short');
    expect(cut).toMatchObject({
      state: 'failed',
      errorCode: 'Interrupted',
      error: expect.stringMatching(/process stopped during this cycle/),
    });
    // Its writes may be missing from the target mirror: the cycle after it reads the target in full.
    expect(next.kind).toBe('initial');
  });
});
