/** The provisioning commands: init, test-connection, plan, sync, status. */
import { randomUUID } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import {
  ConfigError,
  type ConnectionTestResult,
  ConnectorFailure,
  type CycleProgress,
  type CycleReport,
  describeHeld,
  explainQuarantine,
  formatDuration,
  type HeldKind,
  importRoles,
  JobDefinitionConflict,
  type JobStatusReport,
  jobStatus,
  type PlannedUser,
  planJob,
  runSyncLoop,
  systemClock,
  testJobConnection,
  thresholdSetting,
} from '@provisio/engine';
import { compose, type StoreAccess } from './compose.js';
import { ReloadingSync } from './config-reload.js';
import { describeStore } from './installation.js';
import {
  type CommandContext,
  type JobSelection,
  loadJob,
  loadJobWithoutSecrets,
  processContext,
} from './load-job.js';
import { presentForCli } from './present-error.js';
import { ProgressView } from './progress.js';
import { starterConfig } from './starter-config.js';

/** `sync --once` when its cycle held actions back at an accidental-deletion threshold. */
export const HELD_EXIT_CODE = 3;

/** Reports a failure the user can act on, and gives the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (error instanceof JobDefinitionConflict) {
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  if (error instanceof ConnectorFailure) {
    const d = error.detail;
    process.stderr.write(
      `error ${d.code}: ${d.message}\n${d.recommendedAction ? `fix: ${presentForCli(d.recommendedAction)}\n` : ''}`,
    );
    return 1;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

export async function runInit(path: string, force: boolean): Promise<number> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists && !force) {
    process.stderr.write(`${path} already exists: pass --force to overwrite it\n`);
    return 1;
  }
  await writeFile(path, starterConfig, { mode: 0o600 });
  process.stdout.write(
    `wrote ${path}\nnext: fill in the ids, export ENTRA_CLIENT_SECRET and ZENDESK_TOKEN, then run: npx provisio test-connection --config ${path}\n`,
  );
  return 0;
}

function printCheck(title: string, check: ConnectionTestResult['source']): void {
  const warnings = check.steps.filter((step) => !step.ok && step.level === 'optional').length;
  process.stdout.write(
    `${title}: ${check.ok ? 'ok' : 'FAILED'}${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}\n`,
  );
  for (const step of check.steps) {
    const mark = step.ok ? '✓' : step.level === 'optional' ? '⚠' : '✗';
    process.stdout.write(
      `  ${mark} ${step.name}${step.level === 'optional' ? ' (optional)' : ''}: ${step.detail}\n`,
    );
    if (!step.ok && step.code) process.stdout.write(`      code: ${step.code}\n`);
    if (!step.ok && step.lost)
      process.stdout.write(`      what is lost without it: ${presentForCli(step.lost)}\n`);
    if (!step.ok && step.fix) process.stdout.write(`      fix: ${presentForCli(step.fix)}\n`);
  }
}

/** Loads the job with its secrets and composes the ports; the caller closes `deps`. */
export async function composeJob(
  selection: JobSelection,
  context: CommandContext,
  printWarnings = false,
  access: StoreAccess = 'create',
) {
  const loaded = await loadJob(selection, context, access);
  try {
    if (printWarnings) for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (loaded.storeMissing)
      process.stderr.write(
        `note: no state store at ${describeStore(loaded.installation.databaseUrl)} yet: planned as the job's first cycle, and none is created\n`,
      );
    const deps = await compose(loaded.job, loaded.installation, { cwd: context.cwd, store: loaded.store });
    return { config: loaded.job, deps, installation: loaded.installation };
  } catch (error) {
    await loaded.store.close();
    throw error;
  }
}

/**
 * test-connection: exit 0 when every required check passed (optional ones that failed are printed
 * as ⚠ warnings), 1 when one failed, 2 for a configuration that does not load.
 */
export async function runTestConnection(
  selection: JobSelection,
  context: CommandContext = processContext(),
  options: { readonly sendTestEmail?: boolean } = {},
): Promise<number> {
  try {
    const { config, deps } = await composeJob(selection, context, true);
    try {
      const email = config.settings.notificationEmail;
      if (options.sendTestEmail && (deps.notifier === undefined || email === undefined)) {
        process.stderr.write(
          'error: --send-test-email needs settings.notificationEmail and an SMTP server (docs/configuration.md#installation-settings)\n',
        );
        return 2;
      }
      const result = await testJobConnection(deps, {
        mappings: config.users.mappings.mappings,
        ...(email === undefined ? {} : { notificationEmail: email }),
        sendTestEmail: options.sendTestEmail ?? false,
      });
      printCheck(`Entra ID (tenant ${config.source.tenantId})`, result.source);
      printCheck(`Zendesk (${config.target.domain})`, result.target);
      if (result.notifications) printCheck(`Notification e-mails (to ${email})`, result.notifications);
      return result.ok ? 0 : 1;
    } finally {
      await deps.close();
    }
  } catch (error) {
    return reportError(error);
  }
}

const symbols: Record<string, string> = {
  create: '+',
  update: '~',
  reactivate: '~',
  disable: '-',
  delete: 'x',
};

function planLine(user: PlannedUser): string {
  const held = user.provisioningAction === 'stagedDelete';
  const label = user.action
    ? user.action.kind
    : held
      ? 'held'
      : user.status === 'failure'
        ? 'fail'
        : user.error?.code === 'RedundantExport'
          ? 'same'
          : 'skip';
  const symbol = user.action
    ? (symbols[user.action.kind] ?? '?')
    : user.status === 'failure' || held
      ? '!'
      : ' ';
  const lines = [`${symbol} ${label.padEnd(10)} ${user.displayName} (${user.sourceId})  ${user.description}`];
  for (const property of user.modifiedProperties)
    lines.push(
      `      ${property.displayName}: ${property.oldValue === null ? '' : `${JSON.stringify(property.oldValue)} → `}${JSON.stringify(property.newValue)}`,
    );
  if (user.status === 'failure' && user.error) lines.push(`      ${user.error.code}: ${user.error.reason}`);
  if (user.error?.code === 'CredentialOwnerProtected' && user.error.recommendedAction)
    lines.push(`      CredentialOwnerProtected: what to do: ${presentForCli(user.error.recommendedAction)}`);
  return lines.join('\n');
}

/** The cycle's warnings about the credentials' owner, one line each with what to do. */
function warningLines(warnings: CycleReport['warnings']): string[] {
  return warnings.map(
    (w) =>
      `! warning: the owner of provisio's target credentials left scope: ${w.displayName}: ${w.message}\n    what to do: ${presentForCli(w.recommendedAction)}`,
  );
}

export function planSummary(report: Pick<CycleReport, 'counts' | 'kind'>): string {
  const c = report.counts;
  return `${c.created} to create, ${c.updated} to update, ${c.disabled} to disable, ${c.deleted} to delete, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failing`;
}

export async function runPlan(
  selection: JobSelection,
  all: boolean,
  format: 'text' | 'json',
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    // plan writes nothing: without a store, it plans against an empty one and creates none.
    const { config, deps } = await composeJob(selection, context, true, 'existing-or-empty');
    try {
      const { report, plan } = await planJob(deps, config, { all });
      // Staged (held) users are listed one by one: what the guard would hold back is never hidden.
      const shown = report.planned.filter(
        (user) =>
          all ||
          user.action !== null ||
          user.status === 'failure' ||
          user.provisioningAction === 'stagedDelete' ||
          user.error?.code === 'CredentialOwnerProtected',
      );
      if (format === 'json') {
        process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
        return 0;
      }
      process.stdout.write(
        `Plan for job ${config.settings.jobId} (${report.kind} cycle): ${planSummary(report)}\n`,
      );
      const g = report.groups;
      if (g) {
        // The group count comes first: scope "all" must never push every group silently.
        const inScope = g.groups.filter((p) => p.inScope).length;
        const count = (kind: string) => g.groups.filter((p) => p.action?.kind === kind).length;
        process.stdout.write(
          `Groups (scope ${config.settings.scope}): ${inScope} in scope of ${g.groups.length} evaluated; ` +
            `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete; ` +
            `memberships: ${g.memberships.reduce((n, m) => n + m.add.length, 0)} to add, ${g.memberships.reduce((n, m) => n + m.remove.length, 0)} to remove\n`,
        );
      }
      for (const held of report.held)
        process.stdout.write(
          `! ${held.count} ${heldWords[held.kind]} exceed ${thresholdSetting[held.kind]} (${held.threshold}): they would be held (staged), not done; listed with !; npx provisio allow-deletes carries them out\n`,
        );
      for (const line of warningLines(report.warnings)) process.stdout.write(`${line}\n`);
      for (const user of shown) process.stdout.write(`${planLine(user)}\n`);
      if (g) {
        for (const p of g.groups.filter(
          (p) => all || p.action !== null || p.status === 'failure' || p.error?.code === 'TooManyDeletes',
        ))
          process.stdout.write(
            `${p.action ? (symbols[p.action.kind] ?? '?') : p.status === 'failure' || p.error?.code === 'TooManyDeletes' ? '!' : ' '} group ${(p.action?.kind ?? (p.error?.code === 'TooManyDeletes' ? 'held' : p.status)).padEnd(8)} ${p.displayName}  ${p.reason}${p.error ? ` (${p.error.code}: ${p.error.reason})` : ''}\n`,
          );
        for (const m of g.memberships) {
          const held = m.held ?? [];
          if (m.add.length + m.remove.length + held.length === 0 && !all) continue;
          process.stdout.write(
            `  members of ${m.groupName}: ${m.add.length} to add${m.add.length > 0 ? ` (${m.add.map((a) => a.userName).join(', ')})` : ''}, ` +
              `${m.remove.length} to remove${m.remove.length > 0 ? ` (${m.remove.map((r) => r.userName).join(', ')})` : ''}, ${m.skipped.length} skipped` +
              `${held.length > 0 ? `, ${held.length} removals held (${held.map((r) => r.userName).join(', ')})` : ''}\n`,
          );
          if (all)
            for (const skip of m.skipped)
              process.stdout.write(`      skipped ${skip.userName}: ${skip.reason}\n`);
        }
      }
      if (shown.length === 0 && report.held.length === 0 && (!g || g.groups.every((p) => p.action === null)))
        process.stdout.write('Nothing to do.\n');
      return 0;
    } finally {
      await deps.close();
    }
  } catch (error) {
    return reportError(error);
  }
}

/** What the plan calls each kind the guard holds back. */
const heldWords: Record<HeldKind, string> = {
  deprovisioning: 'deprovisioning actions',
  downgrade: 'role downgrades',
  membershipRemoval: 'membership removals',
};

export function cycleSummary(report: CycleReport): string {
  const c = report.counts;
  return (
    `cycle ${report.cycleId} (${report.kind}) ${report.state} in ${formatDuration(report.durationMs)}: ` +
    `${c.imported} imported, ${c.inScope} in scope, ${c.created} created, ${c.updated} updated, ${c.disabled} disabled, ` +
    `${c.deleted} deleted, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed; ${c.targetRequests} Zendesk requests` +
    (report.held.length > 0 ? `; held: ${describeHeld(report.held)}` : '')
  );
}

/** The lines after a held cycle's summary: which settings, and what to do. */
export function heldAdvice(report: CycleReport): string {
  if (report.held.length === 0) return '';
  return (
    `  held, not done (${report.held.map((h) => thresholdSetting[h.kind]).join(', ')}); the job is quarantined (TooManyDeletes)\n` +
    '  npx provisio plan lists them; npx provisio allow-deletes carries them out; npx provisio restart after fixing the cause\n'
  );
}

export async function runSync(
  selection: JobSelection,
  once: boolean,
  force = false,
  context: CommandContext = processContext(),
): Promise<number> {
  let close: (() => Promise<void>) | undefined;
  try {
    const composed = await composeJob(selection, context, true);
    let { config, deps } = composed;
    close = deps.close;
    if (config.settings.provisioningStatus === 'off') {
      process.stdout.write('settings.provisioningStatus is off: no cycle runs. Set it to on to provision.\n');
      return 0;
    }
    const controller = new AbortController();
    const stop = () => {
      process.stderr.write('stopping after the current cycle…\n');
      controller.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // The configuration file is looked at again before each cycle and on SIGHUP (not with --once:
    // one cycle runs with the file as it was; not with --job: its definition is in the store).
    const reload =
      !once && 'config' in selection
        ? new ReloadingSync(
            selection.config,
            context.env,
            config.settings.jobId,
            controller.signal,
            (entry) =>
              composed.deps.store.appendAudit({
                jobId: composed.config.settings.jobId,
                id: randomUUID(),
                activityDateTime: new Date().toISOString(),
                activity: 'Reload provisioning configuration',
                initiatedBy: 'provisio',
                details: { file: selection.config },
                ...entry,
              }),
          )
        : undefined;
    await reload?.start();
    const view = new ProgressView(process.stderr);
    let failed = false;
    let held = false;
    /** The wait last printed, so that a quiet streak prints only when its wait changes. */
    let lastWaitMs = 0;
    /** Cycles since the loop (re)started: the first after a reload always prints its summary. */
    let segmentCycles = 0;
    try {
      while (!controller.signal.aborted) {
        const segment = reload?.segment() ?? controller.signal;
        const running = config;
        segmentCycles = 0;
        await runSyncLoop(reload ? { ...deps, clock: reload.clock(deps.clock) } : deps, running, {
          once,
          force,
          signal: segment,
          onCycleStart: (cycle) => {
            reload?.busy();
            segmentCycles = cycle;
            // Whether it is initial or incremental is known once it reads the store: the summary says.
            view.start('cycle');
          },
          onProgress: (progress: CycleProgress) => view.update(progress),
          onCycle: (report, next) => {
            view.stop();
            reload?.idle(next.waitMs);
            // Quiet cycles after the first of a streak print nothing but the wait when it grows; the
            // first cycle after a reload (SIGHUP) prints its summary, as the admin asked for it.
            if (!once && next.quietStreak > 1 && segmentCycles > 1) {
              if (next.waitMs !== lastWaitMs)
                process.stdout.write(
                  `no changes in ${next.quietStreak} cycles: next cycle in ${formatDuration(next.waitMs)}\n`,
                );
              lastWaitMs = next.waitMs;
              return;
            }
            process.stdout.write(`${cycleSummary(report)}\n${heldAdvice(report)}`);
            for (const user of report.planned) {
              const result = report.results.get(user.sourceId);
              if (result && !result.ok)
                process.stdout.write(
                  `  failed: ${user.displayName}: ${result.error.code}: ${result.error.message}\n`,
                );
              else if (user.status === 'failure' && user.error)
                process.stdout.write(
                  `  failed: ${user.displayName}: ${user.error.code}: ${user.error.reason}\n`,
                );
            }
            for (const line of warningLines(report.warnings)) process.stdout.write(`${line}\n`);
            // A held cycle may also have failures: those decide (exit code 1 before 3).
            if (report.state === 'held') held = true;
            if ((report.state !== 'succeeded' && report.state !== 'held') || report.counts.failed > 0)
              failed = true;
            if (!once) process.stdout.write(`next cycle in ${formatDuration(next.waitMs)}\n`);
            lastWaitMs = next.waitMs;
          },
          onError: (error) => {
            view.stop();
            reload?.idle(running.settings.intervalMs);
            reportError(error);
            process.stdout.write(
              `cycle failed; retrying in ${formatDuration(running.settings.intervalMs)}\n`,
            );
          },
          onWait: (reason, until, detail) => {
            reload?.idle(Math.min(until.getTime() - Date.now(), running.settings.intervalMs));
            process.stdout.write(
              reason === 'paused'
                ? once
                  ? `job ${running.settings.jobId} is paused: no cycle runs (npx provisio resume starts it again; sync --once --force runs one cycle anyway)\n`
                  : 'job paused (npx provisio resume): no cycle runs\n'
                : reason === 'locked'
                  ? `another provisio worker (${detail ?? 'unknown'}) runs this job's cycles; waiting (its lease lasts until ${until.toISOString()})\n`
                  : `job in quarantine: next attempt at ${until.toISOString()} (npx provisio status says why)\n`,
            );
          },
          importRoles: async () => {
            // A failed import does not stop provisioning: the roles already in Entra still work.
            try {
              const report = await importRoles(deps, running, 'provisio');
              process.stdout.write(
                `roles imported into the Entra application: ${report.definitions.map((d) => d.displayName).join(', ')}` +
                  `${report.collisions.length > 0 ? `; left out: ${report.collisions.map((c) => `"${c.name}" (collides with ${c.collidesWith})`).join(', ')}` : ''}\n`,
              );
            } catch (error) {
              process.stdout.write(
                'role import failed (provisioning goes on; retry with "npx provisio roles import"):\n',
              );
              reportError(error);
            }
          },
        });
        if (!reload || controller.signal.aborted) break;
        // The loop stopped between cycles for a reloaded configuration, or for SIGHUP.
        const next = reload.take();
        if (next === undefined) continue;
        view.stop();
        const recomposed = await compose(
          next.job,
          { databaseUrl: composed.installation.databaseUrl, smtp: next.smtp },
          {
            cwd: context.cwd,
            store: deps.store,
          },
        );
        ({ config, deps } = { config: next.job, deps: { ...recomposed, close: deps.close } });
        if (config.settings.provisioningStatus === 'off') {
          process.stdout.write(
            'settings.provisioningStatus is now off: no cycle runs; sync stops. Set it to on and start sync again.\n',
          );
          break;
        }
      }
    } finally {
      view.stop();
      reload?.stop();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    // docs/provisioning.md, "npx provisio sync": 3 when the cycle held actions at a threshold.
    return once && failed ? 1 : once && held ? HELD_EXIT_CODE : 0;
  } catch (error) {
    return reportError(error);
  } finally {
    await close?.();
  }
}

export async function runStatus(
  selection: JobSelection,
  cycles: number,
  format: 'text' | 'json',
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const { job: config, store, installation } = await loadJobWithoutSecrets(selection, context, 'existing');
    try {
      const status = await jobStatus({ store, clock: systemClock }, config, {
        cycles: Number.isFinite(cycles) && cycles > 0 ? cycles : 10,
      });
      const stateStore = describeStore(installation.databaseUrl);
      if (format === 'json') {
        process.stdout.write(`${JSON.stringify({ ...status, stateStore }, null, 2)}\n`);
        return 0;
      }
      printStatus(status, stateStore);
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    return reportError(error);
  }
}

function printStatus(status: JobStatusReport, stateStore: string): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`job ${status.jobId}: ${status.status} (provisioning status ${status.provisioningStatus})`);
  out(`state store: ${stateStore}`);
  if (status.configurationChanged)
    out('configuration changed since the last cycle: the next cycle is an initial cycle');
  out(`next cycle: ${status.nextCycle}`);
  out(
    `watermark: ${status.watermarkAgeMs === null ? 'none (the next cycle is an initial cycle)' : `${formatDuration(status.watermarkAgeMs)} old (${status.watermarkAt})`}`,
  );
  out(
    `users managed: ${status.users.active} active, ${status.users.disabled} deprovisioned, ${status.users.deleted} deleted`,
  );
  out(`groups managed: ${status.groups.active} active, ${status.groups.deleted} deleted`);
  const quarantine = status.quarantine;
  if (quarantine) {
    const { what, fix } = explainQuarantine(quarantine.reason);
    out(
      `QUARANTINE since ${quarantine.seriesBegan} (${quarantine.reason}, re-evaluated ${quarantine.seriesCount} times): ${what}`,
    );
    out(`  error: ${quarantine.error.code}: ${quarantine.error.message}`);
    for (const request of quarantine.error.failingRequests) out(`  failing request: ${request}`);
    out(`  next attempt: ${quarantine.nextAttempt}`);
    out(`  what to do: ${presentForCli(fix)}`);
  }
  if (status.allowDeletesPending)
    out('allow-deletes pending: the next cycle carries out the actions held at the thresholds');
  for (const w of status.warnings) {
    out(
      `WARNING (the owner of provisio's target credentials left scope, ${w.at ?? ''}): ${w.displayName}: ${w.message}`,
    );
    out(`  what to do: ${presentForCli(w.recommendedAction)}`);
  }
  if (status.escrows.length > 0) {
    out(`retries pending (escrows): ${status.escrows.length}`);
    for (const e of status.escrows.slice(0, 20))
      out(
        `  ${e.objectType} ${e.displayName}: ${e.errorCode}: ${e.errorMessage} (attempt ${e.attempts}, next ${e.nextAttemptAt})`,
      );
  }
  if (status.cycles.length === 0) {
    out('no cycle has run yet: npx provisio sync');
    return;
  }
  out('last cycles:');
  for (const cycle of status.cycles) {
    const c = cycle.counts;
    const duration = cycle.endedAt
      ? formatDuration(Date.parse(cycle.endedAt) - Date.parse(cycle.startedAt))
      : 'running';
    out(
      `  ${cycle.startedAt}  ${cycle.kind.padEnd(11)} ${cycle.state.padEnd(16)} ${duration.padEnd(10)} ` +
        `created ${c.created}, updated ${c.updated}, disabled ${c.disabled}, deleted ${c.deleted}, failed ${c.failed}, skipped ${c.skipped}, requests ${c.targetRequests}` +
        `${cycle.error ? `\n      error: ${cycle.errorCode ? `${cycle.errorCode}: ` : ''}${cycle.error}` : ''}`,
    );
  }
}
