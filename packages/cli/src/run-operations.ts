/**
 * Job operations on the command line: pause, resume, restart, allow-deletes, unlink, roles import, audit.
 * Each is the engine's operation (`@provisio/engine`, jobs/operations.ts), which changes the store and
 * records the audit log with who ran it (the operating-system user); this file only presents it.
 */
import {
  allowDeletes,
  type CompiledJobWithoutSecrets,
  formatDuration,
  importRoles,
  type JobOperationResult,
  jobAudit,
  pauseJob,
  restartJob,
  resumeJob,
  type StateStore,
  systemClock,
  UnlinkRefused,
  unlinkObject,
} from '@provisio/engine';
import type { StoreAccess } from './compose.js';
import { describeStore } from './installation.js';
import { type CommandContext, type JobSelection, loadJobWithoutSecrets, processContext } from './load-job.js';
import { operator } from './operator.js';
import { presentForCli } from './present-error.js';
import { composeJob, cycleSummary, reportError } from './run-provisioning.js';

async function withStore<T>(
  selection: JobSelection,
  context: CommandContext,
  work: (config: CompiledJobWithoutSecrets, store: StateStore, stateStore: string) => Promise<T>,
  access: StoreAccess = 'create',
): Promise<T> {
  const { job: config, store, installation } = await loadJobWithoutSecrets(selection, context, access);
  try {
    return await work(config, store, describeStore(installation.databaseUrl));
  } finally {
    await store.close();
  }
}

async function operation(
  selection: JobSelection,
  context: CommandContext,
  run: (deps: { store: StateStore; clock: typeof systemClock }, jobId: string) => Promise<JobOperationResult>,
  describe: (result: JobOperationResult) => string,
): Promise<number> {
  try {
    return await withStore(selection, context, async (config, store, stateStore) => {
      const result = await run({ store, clock: systemClock }, config.settings.jobId);
      // Which store: a job's state is where its sync keeps it, and an operation on another store
      // would change nothing that runs.
      process.stdout.write(`${describe(result)}\n  state store: ${stateStore}\n`);
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}

export function runPause(
  selection: JobSelection,
  context: CommandContext = processContext(),
): Promise<number> {
  return operation(
    selection,
    context,
    (deps, jobId) => pauseJob(deps, jobId, operator()),
    (r) =>
      `job ${r.jobId} paused: a running sync finishes its current cycle, then runs none until "npx provisio resume" (sync --once runs none either)`,
  );
}

export function runResume(
  selection: JobSelection,
  context: CommandContext = processContext(),
): Promise<number> {
  return operation(
    selection,
    context,
    (deps, jobId) => resumeJob(deps, jobId, operator()),
    (r) =>
      `job ${r.jobId} resumed${r.clearedQuarantine ? ` (quarantine ${r.clearedQuarantine} cleared)` : ''}: a running sync starts its next cycle within one interval`,
  );
}

export function runRestart(
  selection: JobSelection,
  full: boolean,
  context: CommandContext = processContext(),
): Promise<number> {
  return operation(
    selection,
    context,
    (deps, jobId) => restartJob(deps, jobId, { full }, operator()),
    (r) =>
      `job ${r.jobId} restarted${full ? ' in full (links forgotten: users and groups are matched again)' : ''}: the next cycle re-evaluates everything`,
  );
}

/**
 * `provisio unlink <object>`: stop managing one user or group (docs/operations.md, "Unlinking an
 * object"). Exit 1 with the reason when nothing, or more than one object, matches.
 */
export async function runUnlink(
  selection: JobSelection,
  query: string,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withStore(selection, context, async (config, store) => {
      try {
        const result = await unlinkObject(
          { store, clock: systemClock },
          config.settings.jobId,
          query,
          operator(),
        );
        process.stdout.write(`${result.summary}\n`);
        return 0;
      } catch (error) {
        if (!(error instanceof UnlinkRefused)) throw error;
        process.stderr.write(`provisio unlink: ${error.message}\n`);
        return 1;
      }
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
      process.stdout.write(
        'the actions held at the accidental-deletion thresholds are allowed for one cycle\n',
      );
      // The cycle runs under the job's lease, like sync's: never beside a running sync.
      const result = await allowDeletes(deps, config, operator(), {
        onRun: () => process.stdout.write('running that cycle now\n'),
      });
      if (result.cycle === null) {
        const within = formatDuration(result.pollMs);
        const running = result.runningCycle
          ? `it is running a cycle (started ${result.runningCycle.startedAt}): once that ends, it runs the allowed cycle`
          : `it is waiting between cycles and looks for a pending allow-deletes every ${within}: it runs the allowed cycle within ${within}, quarantined or not`;
        process.stdout.write(
          `not run here: another provisio worker (${result.heldBy ?? 'unknown'}) holds the job's lease, and only one worker runs a job's cycles; ${running}.\n` +
            `npx provisio status says "allow-deletes pending" until it has run, then lists that cycle\n`,
        );
        return 0;
      }
      process.stdout.write(`${cycleSummary(result.cycle)}\n`);
      return result.cycle.state === 'succeeded' ? 0 : 1;
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
    return await withStore(
      selection,
      context,
      async (config, store) => {
        const records = await jobAudit(
          { store, clock: systemClock },
          config.settings.jobId,
          Number.isInteger(limit) && limit > 0 ? limit : 100,
        );
        if (format === 'json') process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
        else if (records.length === 0) process.stdout.write('no audit entries yet\n');
        else
          for (const r of records)
            process.stdout.write(
              `${r.activityDateTime}  ${r.activity.padEnd(42)} ${r.result.padEnd(7)} ${r.initiatedBy.padEnd(10)} ${presentForCli(r.summary)}\n`,
            );
        return 0;
      },
      'existing',
    );
  } catch (error) {
    return reportError(error);
  }
}
