/** `provisio provision`: one user or group now, with Entra's steps. */
import { userInfo } from 'node:os';
import { type OnDemandReport, provisionOnDemand } from '@provisio/engine';
import { compose, loadConfig } from './compose.js';
import { reportError } from './run-provisioning.js';

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
  configPath: string,
  query: string,
  dryRun: boolean,
  format: 'text' | 'json',
): Promise<number> {
  try {
    const config = await loadConfig(configPath);
    const deps = await compose(config);
    try {
      let who = 'unknown';
      try {
        who = userInfo().username;
      } catch {}
      const report = await provisionOnDemand(deps, config, query, { dryRun, initiatedBy: who });
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
