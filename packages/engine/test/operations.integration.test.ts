/**
 * Job operations as a service: they change the store, audit who did what, and return data that
 * their contracts accept. The store is SQLite in memory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobOperationResultSchema, jobStatusReportSchema } from '../src/jobs/contracts.js';
import { jobAudit, jobStatus, pauseJob, restartJob, resumeJob } from '../src/jobs/operations.js';
import type { StateStore } from '../src/ports/state.js';
import { openStateStore } from '../src/state/open.js';
import { FakeClock } from './support/fake-clock.js';

const config = { hash: 'h1', settings: { jobId: 'ops', provisioningStatus: 'on' as const } };

describe('job operations', () => {
  let store: StateStore;
  let clock: FakeClock;

  beforeEach(async () => {
    store = await openStateStore('sqlite::memory:');
    await store.migrate();
    clock = new FakeClock('2026-01-05T08:00:00.000Z');
  });
  afterEach(async () => {
    await store.close();
  });

  it('pauses and resumes, lifting a quarantine, each audited with who did it', async () => {
    const deps = { store, clock };
    await store.updateJob(
      'ops',
      {
        status: 'Quarantine',
        watermark: 'w',
        quarantine: {
          reason: 'TooManyDeletes',
          currentBegan: clock.now().toISOString(),
          seriesBegan: clock.now().toISOString(),
          seriesCount: 0,
          nextAttempt: clock.now().toISOString(),
          error: { code: 'TooManyDeletes', message: 'm', failingRequests: [], objects: 600 },
        },
      },
      clock.now(),
    );
    const paused = await pauseJob(deps, 'ops', 'alice');
    expect(paused).toMatchObject({ operation: 'pause', status: 'Paused', clearedQuarantine: null });
    await clock.advance(60_000);
    const resumed = await resumeJob(deps, 'ops', 'bob');
    expect(resumed).toMatchObject({ status: 'Active', clearedQuarantine: 'TooManyDeletes' });
    expect(jobOperationResultSchema.safeParse(resumed).success).toBe(true);
    expect((await store.getJob('ops'))?.quarantine).toBeNull();
    const audit = await jobAudit(deps, 'ops');
    expect(audit.map((a) => [a.activity, a.initiatedBy])).toEqual([
      ['Enable/start provisioning configuration', 'bob'],
      ['Disable/pause provisioning configuration', 'alice'],
    ]);
  });

  it('restarts: the next cycle is initial, a paused job stays paused, --full forgets links and the target mirror', async () => {
    const deps = { store, clock };
    const at = clock.now().toISOString();
    await store.updateJob(
      'ops',
      { status: 'Paused', watermark: 'w', reconciledAt: at, configHash: 'h1', allowDeletes: true },
      clock.now(),
    );
    await store.saveLinks([
      {
        jobId: 'ops',
        sourceId: 's',
        targetId: 't',
        state: 'active',
        created: true,
        displayName: 'S',
        updatedAt: at,
      },
    ]);
    await store.saveTargetObjects('ops', 'user', [{ id: 't', data: { id: 't' } }]);
    expect((await jobStatus(deps, config)).nextCycle).toBe('incremental');

    await restartJob(deps, 'ops', { full: false }, 'carol');
    let status = await jobStatus(deps, config);
    expect(status).toMatchObject({ status: 'Paused', nextCycle: 'initial', allowDeletesPending: false });
    expect(status.users.active).toBe(1);

    await restartJob(deps, 'ops', { full: true }, 'carol');
    status = await jobStatus(deps, config);
    expect(status.users.active).toBe(0);
    expect(await store.listTargetObjects('ops', 'user')).toEqual([]);
    expect(jobStatusReportSchema.safeParse(status).success).toBe(true);
  });

  it('reports a job that never ran, and a configuration changed since the last cycle', async () => {
    const deps = { store, clock };
    expect(await jobStatus(deps, config)).toMatchObject({
      status: 'NotRun',
      nextCycle: 'initial',
      configurationChanged: false,
      cycles: [],
    });
    await store.updateJob(
      'ops',
      { watermark: 'w', reconciledAt: clock.now().toISOString(), configHash: 'old' },
      clock.now(),
    );
    expect(await jobStatus(deps, config)).toMatchObject({ configurationChanged: true, nextCycle: 'initial' });
  });
});
