/**
 * Job operations as a service: what an administrator does to a job (docs/provisioning.md,
 * "Commands"), as functions that change the store, record the audit log and return data checked by
 * the contracts in `contracts.ts`. The CLI only presents them; the admin API serves them as they are.
 * None prints, none reads the environment; who runs an operation is the caller's to say.
 */
import type { Config } from '../config/load.js';
import { holdLease, JobLeaseHeld, newWorkerId } from '../cycle/lease.js';
import { type CycleReport, nextCycleKind, runCycle } from '../cycle/run-cycle.js';
import { allowDeletesPollMs } from '../cycle/sync-loop.js';
import { EngineErrorCode } from '../errors/engine.js';
import { toPublicError } from '../errors/public.js';
import { connectionCheck } from '../kit/connection.js';
import { type AuditEntry, appendAuditEntry } from '../log/audit.js';
import type { Clock } from '../ports/clock.js';
import type { ConnectionStep } from '../ports/common.js';
import type { EngineDeps } from '../ports/engine.js';
import type { AuditRecord, CycleRecord, JobRecord, StateStore } from '../ports/state.js';
import { newJobRecord } from '../state/job-record.js';
import {
  auditListSchema,
  type ConnectionTestResult,
  type CredentialOwnerWarningReport,
  connectionTestResultSchema,
  type JobOperationResult,
  type JobStatusReport,
  jobOperationResultSchema,
  jobStatusReportSchema,
  type PlanReport,
  planReportSchema,
} from './contracts.js';
import { USER_FIELDS_PREFIX, userFieldProblems } from './targets.js';

export interface OperationDeps {
  readonly store: StateStore;
  readonly clock: Clock;
}

/** Appends one audit record for an operation on the job, dated now. */
export function recordAudit(deps: OperationDeps, jobId: string, entry: AuditEntry): Promise<void> {
  return appendAuditEntry(deps.store, jobId, deps.clock.now(), entry);
}

async function jobOf(deps: OperationDeps, jobId: string): Promise<JobRecord> {
  return (await deps.store.getJob(jobId)) ?? newJobRecord(jobId, deps.clock.now());
}

/** Provisioning Status Off: no cycle runs until `resumeJob`; a running cycle finishes. */
export async function pauseJob(
  deps: OperationDeps,
  jobId: string,
  initiatedBy: string,
): Promise<JobOperationResult> {
  const job = await deps.store.updateJob(jobId, { status: 'Paused' }, deps.clock.now());
  const summary = 'Provisioning paused: no cycle runs until it is resumed.';
  await recordAudit(deps, jobId, {
    activity: 'Disable/pause provisioning configuration',
    initiatedBy,
    summary,
  });
  return jobOperationResultSchema.parse({
    jobId,
    operation: 'pause',
    status: job.status,
    summary,
    clearedQuarantine: null,
  });
}

/** Provisioning Status On, and a quarantine lifted: cycles go on where they left off. */
export async function resumeJob(
  deps: OperationDeps,
  jobId: string,
  initiatedBy: string,
): Promise<JobOperationResult> {
  const before = await jobOf(deps, jobId);
  const job = await deps.store.updateJob(
    jobId,
    { status: before.watermark === null ? 'NotRun' : 'Active', quarantine: null },
    deps.clock.now(),
  );
  const lifted = before.quarantine?.reason ?? null;
  const summary = `Provisioning resumed${lifted ? `; quarantine (${lifted}) cleared` : ''}: cycles pick up where they left off.`;
  await recordAudit(deps, jobId, {
    activity: 'Enable/start provisioning configuration',
    initiatedBy,
    summary,
  });
  return jobOperationResultSchema.parse({
    jobId,
    operation: 'resume',
    status: job.status,
    summary,
    clearedQuarantine: lifted,
  });
}

/**
 * Entra's Restart provisioning: watermarks, escrows, quarantine and a pending allow-deletes cleared,
 * so the next cycle is initial. `full` also forgets links, mirrors and the target mirror: everything
 * is matched again. A paused job stays paused.
 */
export async function restartJob(
  deps: OperationDeps,
  jobId: string,
  options: { readonly full: boolean },
  initiatedBy: string,
): Promise<JobOperationResult> {
  const { store } = deps;
  const before = await jobOf(deps, jobId);
  await store.clearEscrows(jobId);
  if (options.full) {
    await store.clearTargetObjects(jobId);
    await store.clearLinks(jobId);
    await store.clearGroupLinks(jobId);
    await store.clearSourceUsers(jobId);
    await store.clearSourceGroups(jobId);
  }
  const job = await store.updateJob(
    jobId,
    {
      status: before.status === 'Paused' ? 'Paused' : 'Active',
      watermark: null,
      watermarkAt: null,
      groupWatermark: null,
      quarantine: null,
      allowDeletes: false,
      reconciledAt: null,
      mirrorVersion: null,
      ...(options.full ? { targetState: null, membershipsLoadedAt: null } : {}),
    },
    deps.clock.now(),
  );
  const summary = options.full
    ? 'Restarted in full: watermarks, escrows and quarantine cleared, links forgotten (every user and group is matched again).'
    : 'Restarted: watermarks, escrows and quarantine cleared; the next cycle is an initial cycle.';
  await recordAudit(deps, jobId, {
    activity: 'Enable/restart provisioning configuration',
    initiatedBy,
    summary,
    details: { full: options.full },
  });
  return jobOperationResultSchema.parse({
    jobId,
    operation: 'restart',
    status: job.status,
    summary,
    clearedQuarantine: before.quarantine?.reason ?? null,
  });
}

export interface AllowDeletesResult {
  readonly operation: JobOperationResult;
  /** The cycle run now; null when another worker holds the job (it carries them out in its next cycle). */
  readonly cycle: CycleReport | null;
  /** The worker holding the job, when it was not this call. */
  readonly heldBy: string | null;
  /** When another worker holds the job: the cycle it is running now (it finishes first), if any. */
  readonly runningCycle: CycleRecord | null;
  /** When another worker holds the job: how often its loop looks for a pending allow-deletes (at most). */
  readonly pollMs: number;
}

/**
 * Allows, for one cycle, the deprovisioning the accidental-deletion threshold held back, and runs
 * that cycle now under the job's lease; when another worker holds the job, only the permission is
 * recorded and that worker's next cycle uses it.
 */
export async function allowDeletes(
  deps: EngineDeps,
  config: Config,
  initiatedBy: string,
  options: {
    readonly workerId?: string;
    /** Called once this call holds the job's lease, before its cycle runs. */
    readonly onRun?: () => void;
  } = {},
): Promise<AllowDeletesResult> {
  const jobId = config.settings.jobId;
  const job = await deps.store.updateJob(jobId, { allowDeletes: true }, deps.clock.now());
  const summary = 'Deprovisioning beyond the accidental-deletion threshold allowed for the next cycle.';
  await recordAudit(deps, jobId, { activity: 'Allow deletes', initiatedBy, summary });
  const operation = jobOperationResultSchema.parse({
    jobId,
    operation: 'allowDeletes',
    status: job.status,
    summary,
    clearedQuarantine: null,
  });
  let lease: Awaited<ReturnType<typeof holdLease>>;
  try {
    lease = await holdLease(deps, jobId, options.workerId ?? newWorkerId(), config.settings.intervalMs);
  } catch (error) {
    if (!(error instanceof JobLeaseHeld)) throw error;
    // The holder's loop sees the permission within allowDeletesPollMs, after a cycle it is running.
    const [latest] = await deps.store.listCycles(jobId, 1);
    return {
      operation,
      cycle: null,
      heldBy: error.holder,
      runningCycle: latest?.state === 'running' ? latest : null,
      // A waiting loop wakes at least every interval, and looks for the permission every minute.
      pollMs: Math.min(allowDeletesPollMs, config.settings.intervalMs),
    };
  }
  try {
    options.onRun?.();
    const cycle = await runCycle(deps, config, { allowDeletes: true, checkLease: () => lease.check() });
    return { operation, cycle, heldBy: null, runningCycle: null, pollMs: allowDeletesPollMs };
  } finally {
    await lease.release(true);
  }
}

/** The job's state, what its next cycle will be, its quarantine, retries, managed objects and last cycles. */
export async function jobStatus(
  deps: OperationDeps,
  config: Pick<Config, 'hash'> & {
    readonly settings: Pick<Config['settings'], 'jobId' | 'provisioningStatus'>;
  },
  options: { readonly cycles?: number } = {},
): Promise<JobStatusReport> {
  const { store } = deps;
  const jobId = config.settings.jobId;
  const job = await store.getJob(jobId);
  const cycles = await store.listCycles(jobId, Math.max(1, Math.floor(options.cycles ?? 10)));
  const users = { active: 0, disabled: 0, deleted: 0, unlinked: 0 };
  for (const link of await store.listLinks(jobId)) users[link.state]++;
  const groupLinks = await store.listGroupLinks(jobId);
  const now = deps.clock.now().getTime();
  const record = job ?? newJobRecord(jobId, deps.clock.now());
  return jobStatusReportSchema.parse({
    jobId,
    status: record.status,
    provisioningStatus: config.settings.provisioningStatus,
    configurationChanged: record.configHash !== null && record.configHash !== config.hash,
    nextCycle: nextCycleKind(
      record,
      config.hash,
      cycles.some((c) => c.state === 'running'),
    ),
    watermarkAt: record.watermarkAt,
    watermarkAgeMs: record.watermarkAt ? now - Date.parse(record.watermarkAt) : null,
    reconciledAt: record.reconciledAt,
    quarantine: record.quarantine,
    escrows: await store.listEscrows(jobId),
    rolesImportedAt: record.rolesImportedAt,
    allowDeletesPending: record.allowDeletes,
    users,
    groups: {
      active: groupLinks.filter((l) => l.state === 'active').length,
      deleted: groupLinks.filter((l) => l.state === 'deleted').length,
      unlinked: groupLinks.filter((l) => l.state === 'unlinked').length,
    },
    warnings: await currentOwnerWarnings(store, jobId),
    cycles,
  });
}

/**
 * The warnings about the credentials' owner that still hold: a user whose newest provisioning-log
 * entry is `CredentialOwnerProtected` (a user evaluated again with another outcome, e.g. once the
 * credentials moved to someone else, has none).
 */
async function currentOwnerWarnings(
  store: StateStore,
  jobId: string,
): Promise<CredentialOwnerWarningReport[]> {
  const code = EngineErrorCode.CredentialOwnerProtected;
  const candidates = new Set<string>();
  for (const entry of await store.queryLogs({ jobId, status: 'warning', limit: 200 }))
    if (entry.provisioningStatusInfo.errorInformation?.errorCode === code)
      candidates.add(entry.sourceIdentity.id);
  const warnings: CredentialOwnerWarningReport[] = [];
  for (const sourceId of candidates) {
    const [last] = await store.queryLogs({ jobId, identity: sourceId, limit: 1 });
    const error = last?.provisioningStatusInfo.errorInformation;
    if (last?.provisioningStatusInfo.status !== 'warning' || error?.errorCode !== code) continue;
    warnings.push({
      code,
      sourceId,
      displayName: last.sourceIdentity.displayName,
      targetId: last.targetIdentity.id,
      message: error.reason,
      recommendedAction: error.recommendedAction ?? '',
      at: last.activityDateTime,
    });
  }
  return warnings;
}

/** The job's audit log, newest first. */
export async function jobAudit(deps: OperationDeps, jobId: string, limit = 100): Promise<AuditRecord[]> {
  return auditListSchema.parse(
    await deps.store.listAudit(jobId, Math.max(1, Math.floor(limit))),
  ) as AuditRecord[];
}

export interface ConnectionTestOptions {
  /** The job's user mappings: their custom user fields are checked against the account's. */
  readonly mappings?: readonly { readonly target: string }[];
  /** Where notification e-mails go (settings.notificationEmail), when the job sends them. */
  readonly notificationEmail?: string;
  /** Also send a test e-mail through the notifier (only with `notificationEmail`). */
  readonly sendTestEmail?: boolean;
}

/**
 * Both sides' credentials and permissions, each check explained, plus the mapped custom user
 * fields and, when the job sends notification e-mails, the mail server (optional: a warning, not a
 * failure). `ok` is false only when a required check failed (docs/provisioning.md#npx-provisio-test-connection).
 * Never throws for a refusal.
 */
export async function testJobConnection(
  deps: Pick<EngineDeps, 'source' | 'target' | 'notifier'>,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const [source, tested] = await Promise.all([deps.source.testConnection(), deps.target.testConnection()]);
  let target = tested;
  if (tested.ok && options.mappings?.some((m) => m.target.startsWith(USER_FIELDS_PREFIX)))
    target = connectionCheck([...tested.steps, await userFieldsStep(deps.target, options.mappings)]);
  const notifications =
    deps.notifier !== undefined && options.notificationEmail !== undefined
      ? connectionCheck(await notifierSteps(deps.notifier, options.notificationEmail, options.sendTestEmail))
      : undefined;
  return connectionTestResultSchema.parse({
    ok: source.ok && target.ok && (notifications?.ok ?? true),
    source,
    target,
    ...(notifications === undefined ? {} : { notifications }),
  });
}

/** The mapped `user_fields.<key>` targets against the account's custom user fields. */
async function userFieldsStep(
  target: Pick<EngineDeps['target'], 'describeUserFields'>,
  mappings: readonly { readonly target: string }[],
): Promise<ConnectionStep> {
  const name = 'mapped user fields';
  try {
    const fields = await target.describeUserFields();
    const problems = userFieldProblems(mappings, fields);
    if (problems.length === 0) {
      const mapped = mappings.filter((m) => m.target.startsWith(USER_FIELDS_PREFIX)).map((m) => m.target);
      return {
        name,
        ok: true,
        detail: `the account has every custom user field the mappings name: ${mapped.join(', ')}`,
      };
    }
    return {
      name,
      ok: false,
      code: EngineErrorCode.InvalidConfiguration,
      detail: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      fix: 'Create the missing fields in Zendesk (Admin Center → People → Configuration → User fields), or correct the keys in the mappings; until then every cycle fails at its start.',
    };
  } catch (error) {
    const failure = toPublicError(error);
    return {
      name,
      ok: false,
      code: failure.code,
      detail: `the custom user fields could not be read: ${failure.message}`,
    };
  }
}

const notificationsLost =
  'notification e-mails are not delivered (failed cycles with settings.sendEmailOnFailure, quarantines, held deletions); provisioning itself runs';

/** The mail server reached and signed in to, and a test e-mail when asked: optional steps. */
async function notifierSteps(
  notifier: NonNullable<EngineDeps['notifier']>,
  to: string,
  sendTestEmail = false,
): Promise<ConnectionStep[]> {
  const steps: ConnectionStep[] = [];
  const optional = { level: 'optional' as const };
  if (notifier.verify !== undefined) {
    try {
      const reached = await notifier.verify();
      steps.push({ name: 'mail server', ok: true, detail: `signed in to ${reached}`, ...optional });
    } catch (error) {
      steps.push({
        name: 'mail server',
        ok: false,
        detail: `the mail server could not be reached or refused the sign-in: ${error instanceof Error ? error.message : String(error)}`,
        fix: 'Check the SMTP host, port, TLS and credentials (docs/configuration.md#installation-settings).',
        lost: notificationsLost,
        ...optional,
      });
      return steps;
    }
  }
  if (sendTestEmail) {
    try {
      await notifier.send({
        subject: 'provisio: test e-mail',
        text: `This is a test e-mail from provisio's test-connection. Notification e-mails for this job go to ${to}.`,
      });
      steps.push({
        name: 'test e-mail',
        ok: true,
        detail: `sent to ${to}: check that it arrived`,
        ...optional,
      });
    } catch (error) {
      steps.push({
        name: 'test e-mail',
        ok: false,
        detail: `the test e-mail to ${to} was not sent: ${error instanceof Error ? error.message : String(error)}`,
        fix: 'Check settings.notificationEmail and that the SMTP server relays to that address.',
        lost: notificationsLost,
        ...optional,
      });
    }
  }
  return steps;
}

/**
 * What the next cycle would do, nothing written: a dry-run cycle, as data. `all` keeps users that
 * would be skipped or are already in sync.
 */
export async function planJob(
  deps: EngineDeps,
  config: Config,
  options: { readonly all?: boolean } = {},
): Promise<{ readonly report: CycleReport; readonly plan: PlanReport }> {
  const report = await runCycle(deps, config, { dryRun: true });
  const shown = report.planned.filter(
    (user) =>
      options.all ||
      user.action !== null ||
      user.status === 'failure' ||
      user.provisioningAction === 'stagedDelete' ||
      user.error?.code === EngineErrorCode.CredentialOwnerProtected,
  );
  const plan = planReportSchema.parse({
    jobId: config.settings.jobId,
    kind: report.kind,
    counts: report.counts,
    staged: report.staged,
    held: report.held,
    warnings: report.warnings,
    groups: report.groups
      ? {
          inScope: report.groups.groups.filter((g) => g.inScope).length,
          plans: report.groups.groups.map((g) => ({
            ...g,
            action: g.action?.kind ?? null,
            error: g.error ?? null,
          })),
          memberships: report.groups.memberships.map((m) => ({
            ...m,
            held: m.held ?? [],
            skipped: m.skipped.map(({ userSourceId, userName, reason }) => ({
              userSourceId,
              userName,
              reason,
            })),
          })),
        }
      : null,
    users: shown.map((user) => ({
      sourceId: user.sourceId,
      displayName: user.displayName,
      action: user.action?.kind ?? null,
      provisioningAction: user.provisioningAction,
      status: user.status,
      targetId: user.target?.id ?? null,
      description: user.description,
      modifiedProperties: user.modifiedProperties,
      error: user.error ?? null,
    })),
  });
  return { report, plan };
}
