/**
 * Job operations: pause, resume, restart, allow-deletes, roles import, audit. Each one is recorded in
 * the audit log with the operating-system user who ran it (Entra's audit activities where they exist).
 */
import { randomUUID } from 'node:crypto';
import {
  type CompiledJobWithoutSecrets,
  importRoles,
  JobLeaseHeld,
  type JobRecord,
  newJobRecord,
  newLeaseOwner,
  quarantineOf,
  runCycle,
  type StateStore,
  takeLease,
} from '@provisio/engine';
import { type CommandContext, type JobSelection, loadJobWithoutSecrets, processContext } from './load-job.js';
import { operator } from './operator.js';
import { composeJob, cycleSummary, reportError } from './run-provisioning.js';

async function withJob<T>(
  selection: JobSelection,
  context: CommandContext,
  work: (config: CompiledJobWithoutSecrets, store: StateStore, job: JobRecord) => Promise<T>,
): Promise<T> {
  const { job: config, store } = await loadJobWithoutSecrets(selection, context);
  try {
    const job =
      (await store.getJob(config.settings.jobId)) ?? newJobRecord(config.settings.jobId, new Date());
    return await work(config, store, job);
  } finally {
    await store.close();
  }
}

async function audit(
  store: StateStore,
  jobId: string,
  activity: string,
  summary: string,
  details: Record<string, unknown> = {},
) {
  await store.appendAudit({
    jobId,
    id: randomUUID(),
    activityDateTime: new Date().toISOString(),
    activity,
    initiatedBy: operator(),
    result: 'success',
    summary,
    details,
  });
}

export async function runPause(
  selection: JobSelection,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withJob(selection, context, async (config, store, job) => {
      await store.saveJob({ ...job, status: 'Paused', updatedAt: new Date().toISOString() });
      await audit(
        store,
        job.jobId,
        'Disable/pause provisioning configuration',
        'Provisioning paused: no cycle runs until "provisio resume".',
      );
      process.stdout.write(
        `job ${config.settings.jobId} paused: a running sync finishes its current cycle, then runs none until "npx provisio resume"\n`,
      );
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}

export async function runResume(
  selection: JobSelection,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withJob(selection, context, async (config, store, job) => {
      const quarantine = quarantineOf(job);
      const data = { ...job.data, quarantine: null };
      await store.saveJob({
        ...job,
        status: job.watermark === null ? 'NotRun' : 'Active',
        data,
        updatedAt: new Date().toISOString(),
      });
      await audit(
        store,
        job.jobId,
        'Enable/start provisioning configuration',
        `Provisioning resumed${quarantine ? `; quarantine (${quarantine.reason}) cleared` : ''}: cycles pick up where they left off.`,
      );
      process.stdout.write(
        `job ${config.settings.jobId} resumed${quarantine ? ` (quarantine ${quarantine.reason} cleared)` : ''}: a running sync starts its next cycle within one interval\n`,
      );
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}

export async function runRestart(
  selection: JobSelection,
  full: boolean,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withJob(selection, context, async (config, store, job) => {
      const jobId = job.jobId;
      const {
        quarantine: _q,
        allowDeletes: _a,
        groupWatermark: _g,
        ...data
      } = job.data as Record<string, unknown>;
      await store.clearEscrows(jobId);
      if (full) {
        await store.clearLinks(jobId);
        await store.clearGroupLinks(jobId);
        await store.clearSourceUsers(jobId);
        await store.clearSourceGroups(jobId);
      }
      await store.saveJob({
        ...job,
        status: job.status === 'Paused' ? 'Paused' : 'Active',
        watermark: null,
        watermarkAt: null,
        data,
        updatedAt: new Date().toISOString(),
      });
      await audit(
        store,
        jobId,
        'Enable/restart provisioning configuration',
        full
          ? 'Restarted in full: watermarks, escrows and quarantine cleared, links forgotten (every user and group is matched again).'
          : 'Restarted: watermarks, escrows and quarantine cleared; the next cycle is an initial cycle.',
        { full },
      );
      process.stdout.write(
        `job ${config.settings.jobId} restarted${full ? ' in full (links forgotten: users and groups are matched again)' : ''}: the next cycle re-evaluates everything\n`,
      );
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}

export async function runAllowDeletes(
  selection: JobSelection,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const { config, deps } = await composeJob(selection, context);
    try {
      const jobId = config.settings.jobId;
      const job = (await deps.store.getJob(jobId)) ?? newJobRecord(jobId, new Date());
      await deps.store.saveJob({
        ...job,
        data: { ...job.data, allowDeletes: true },
        updatedAt: new Date().toISOString(),
      });
      await audit(
        deps.store,
        jobId,
        'Allow deletes',
        'Deprovisioning beyond the accidental-deletion threshold allowed for the next cycle.',
      );
      process.stdout.write('deprovisioning beyond the threshold is allowed for one cycle; running it now\n');
      // The cycle runs under the job's lease, like sync's: never beside a running sync.
      const owner = newLeaseOwner();
      try {
        await takeLease(deps.store, jobId, owner, new Date(), config.settings.intervalMs);
      } catch (error) {
        if (!(error instanceof JobLeaseHeld)) throw error;
        process.stdout.write(
          `a running sync (${error.holder}) holds the job: it carries the deprovisioning out in its next cycle\n`,
        );
        return 0;
      }
      let report: Awaited<ReturnType<typeof runCycle>>;
      try {
        report = await runCycle(deps, config, { allowDeletes: true });
      } finally {
        await deps.store.releaseLease(jobId, owner);
      }
      process.stdout.write(`${cycleSummary(report)}\n`);
      return report.state === 'succeeded' ? 0 : 1;
    } finally {
      await deps.close();
    }
  } catch (error) {
    return reportError(error);
  }
}

export async function runRolesImport(
  selection: JobSelection,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const { config, deps } = await composeJob(selection, context);
    try {
      const report = await importRoles(deps, config, operator());
      const p = report.published;
      process.stdout.write(
        `roles imported into the Entra application: ${report.definitions.map((d) => d.displayName).join(', ')}\n`,
      );
      if (p.added.length > 0) process.stdout.write(`  added: ${p.added.join(', ')}\n`);
      if (p.updated.length > 0) process.stdout.write(`  updated: ${p.updated.join(', ')}\n`);
      if (p.removed.length > 0)
        process.stdout.write(`  removed (no longer in Zendesk, not assigned): ${p.removed.join(', ')}\n`);
      for (const kept of p.keptAssigned)
        process.stdout.write(
          `  kept: ${kept.displayName} is no longer in Zendesk but still has ${kept.assignments} assignment(s): reassign them, then import again\n`,
        );
      for (const collision of report.collisions)
        process.stdout.write(
          `  left out: the custom role "${collision.name}" collides with ${collision.collidesWith}: rename it in Zendesk, then import again\n`,
        );
      return 0;
    } finally {
      await deps.close();
    }
  } catch (error) {
    return reportError(error);
  }
}

export async function runAudit(
  selection: JobSelection,
  limit: number,
  format: 'table' | 'json',
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withJob(selection, context, async (_config, store, job) => {
      const records = await store.listAudit(job.jobId, Number.isInteger(limit) && limit > 0 ? limit : 100);
      if (format === 'json') process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      else if (records.length === 0) process.stdout.write('no audit entries yet\n');
      else
        for (const r of records)
          process.stdout.write(
            `${r.activityDateTime}  ${r.activity.padEnd(42)} ${r.result.padEnd(7)} ${r.initiatedBy.padEnd(10)} ${r.summary}\n`,
          );
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}
