/** `provisio logs`: the provisioning log as a table, Graph JSON, or Entra's three-file CSV download. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProvisioningObjectSummary, parseDuration, toCsvFiles } from '@provisio/engine';
import type { LogsOptions } from './commands/provisioning.js';
import { type CommandContext, loadJobWithoutSecrets, processContext } from './load-job.js';
import { reportError } from './run-provisioning.js';
import { selectionOf } from './selection.js';

function sinceFrom(text: string | undefined, now: Date): string | undefined {
  if (text === undefined) return undefined;
  const duration = parseDuration(text);
  if (duration !== null) return new Date(now.getTime() - duration).toISOString();
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new Error(
      `--since: "${text}" is neither an ISO-8601 time (2026-11-24T10:00:00Z) nor a duration (PT1H, P7D)`,
    );
  return new Date(time).toISOString();
}

function tableRow(entry: ProvisioningObjectSummary): string {
  const error = entry.provisioningStatusInfo.errorInformation;
  return [
    entry.activityDateTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    entry.provisioningAction.padEnd(7),
    entry.provisioningStatusInfo.status.padEnd(8),
    `${entry.sourceIdentity.displayName} (${entry.sourceIdentity.id})`,
    entry.targetIdentity.id === '' ? '-' : `zendesk ${entry.targetIdentity.id}`,
    error ? `${error.errorCode}: ${error.reason}` : '',
  ].join('  ');
}

export async function runLogs(
  options: LogsOptions,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`--limit: "${options.limit}" must be a positive whole number`);
    const since = sinceFrom(options.since, new Date());
    const { job: config, store } = await loadJobWithoutSecrets(selectionOf(options), context, 'existing');
    try {
      const entries = await store.queryLogs({
        jobId: config.settings.jobId,
        limit,
        ...(options.status ? { status: options.status } : {}),
        ...(options.action ? { action: options.action } : {}),
        ...(options.identity ? { identity: options.identity } : {}),
        ...(options.cycle ? { cycleId: options.cycle } : {}),
        ...(since ? { since } : {}),
      });
      switch (options.format) {
        case 'json':
          process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
          break;
        case 'csv': {
          await mkdir(options.output, { recursive: true });
          for (const [name, content] of Object.entries(toCsvFiles(entries))) {
            const path = join(options.output, name);
            // Names, e-mail addresses and phones: readable by their owner only, like the state store
            // (docs/security.md). `mode` applies to a new file; chmod covers one written over.
            await writeFile(path, content, { mode: 0o600 });
            await chmod(path, 0o600);
            process.stdout.write(`${path}\n`);
          }
          break;
        }
        default:
          if (entries.length === 0) process.stdout.write('no log entries match\n');
          for (const entry of entries) process.stdout.write(`${tableRow(entry)}\n`);
      }
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    return reportError(error);
  }
}
