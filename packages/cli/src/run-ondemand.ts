/** `provisio provision`: one user or group now, with Entra's steps. */
import { type OnDemandReport, provisionOnDemand } from '@provisio/engine';
import { type CommandContext, type JobSelection, processContext } from './load-job.js';
import { operator } from './operator.js';
import { composeJob, reportError } from './run-provisioning.js';

const marks = { success: '✓', skipped: '–', failure: '✗' } as const;

export function formatOnDemand(report: OnDemandReport): string {
  const lines: string[] = [];
  lines.push(`Provision on demand${report.dryRun ? ' (dry run: nothing is written)' : ''}: ${report.query}`);
  if (report.error) lines.push(`  ${report.error}`);
  for (const object of report.objects) {
    lines.push(`${object.type} ${object.displayName}${object.id ? ` (${object.id})` : ''}`);
    object.steps.forEach((step, i) => {
      lines.push(`  ${i + 1}. ${marks[step.status]} ${step.name}: ${step.description}`);
      for (const [key, value] of Object.entries(step.details)) lines.push(`       ${key}: ${value}`);
    });
  }
  lines.push(report.ok ? 'done' : 'FAILED');
  return `${lines.join('\n')}\n`;
}

export async function runProvision(
  selection: JobSelection,
  query: string,
  dryRun: boolean,
  format: 'text' | 'json',
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const { config, deps } = await composeJob(selection, context);
    try {
      const report = await provisionOnDemand(deps, config, query, { dryRun, initiatedBy: operator() });
      process.stdout.write(
        format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatOnDemand(report),
      );
      return report.ok ? 0 : 1;
    } finally {
      await deps.close();
    }
  } catch (error) {
    return reportError(error);
  }
}
