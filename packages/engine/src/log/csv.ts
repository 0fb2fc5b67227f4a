/**
 * Entra's CSV download of the provisioning logs: three UTF-8 files with a byte-order mark (for
 * spreadsheet programs), joined by the change id (docs/provisioning.md, "provisio logs"):
 * `ProvisioningLogs.csv` (one row per entry), `ProvisioningLogs_ProvisioningSteps.csv` (one row per
 * step, details as JSON) and `ProvisioningLogs_ModifiedProperties.csv` (one row per attribute).
 * Used by `provisio logs --format csv` and by the admin API's export route. Values are written as
 * the log holds them: what a mapping read through Redact(…) stays "[Redact]".
 */
import { stringify } from 'csv-stringify/sync';
import type { ProvisioningObjectSummary } from './types.js';

/** The three files, by the short name the export route takes (`file=`). */
export const provisioningLogCsvFiles = {
  summary: 'ProvisioningLogs.csv',
  steps: 'ProvisioningLogs_ProvisioningSteps.csv',
  modifiedProperties: 'ProvisioningLogs_ModifiedProperties.csv',
} as const;

export type ProvisioningLogCsvFile = keyof typeof provisioningLogCsvFiles;

export const provisioningLogCsvColumns: Readonly<Record<ProvisioningLogCsvFile, readonly string[]>> = {
  summary: [
    'Date (UTC)',
    'Change ID',
    'Cycle ID',
    'Job ID',
    'Action',
    'Status',
    'Source Identity ID',
    'Source Identity Name',
    'Source Identity Type',
    'Target Identity ID',
    'Target Identity Name',
    'Source System',
    'Target System',
    'Error Code',
    'Status Reason',
    'Recommended Action',
    'Duration (ms)',
    'Tenant ID',
    'Service Principal ID',
    'Service Principal Name',
  ],
  steps: ['Change ID', 'Step Number', 'Name', 'Step Type', 'Status', 'Description', 'Details'],
  modifiedProperties: ['Change ID', 'Name', 'Old Value', 'New Value'],
};

/** The rows of one file, as arrays in `provisioningLogCsvColumns[file]`'s order. */
function rowsOf(entries: readonly ProvisioningObjectSummary[], file: ProvisioningLogCsvFile): unknown[][] {
  switch (file) {
    case 'summary':
      return entries.map((e) => {
        const error = e.provisioningStatusInfo.errorInformation;
        return [
          e.activityDateTime,
          e.changeId,
          e.cycleId,
          e.jobId,
          e.provisioningAction,
          e.provisioningStatusInfo.status,
          e.sourceIdentity.id,
          e.sourceIdentity.displayName,
          e.sourceIdentity.identityType,
          e.targetIdentity.id,
          e.targetIdentity.displayName,
          e.sourceSystem.displayName,
          e.targetSystem.displayName,
          error?.errorCode ?? '',
          error?.reason ?? '',
          error?.recommendedAction ?? '',
          e.durationInMilliseconds,
          e.tenantId,
          e.servicePrincipal.id,
          e.servicePrincipal.displayName,
        ];
      });
    case 'steps':
      return entries.flatMap((e) =>
        e.provisioningSteps.map((s, i) => [
          e.changeId,
          i + 1,
          s.name,
          s.provisioningStepType,
          s.status,
          s.description,
          JSON.stringify(s.details),
        ]),
      );
    case 'modifiedProperties':
      return entries.flatMap((e) =>
        e.modifiedProperties.map((p) => [e.changeId, p.displayName, p.oldValue ?? '', p.newValue ?? '']),
      );
  }
}

/**
 * One file's text for `entries`. `header: false` gives only the rows (no byte-order mark): the
 * export route writes a file in pieces, the first with its header, the rest without.
 */
export function provisioningLogCsv(
  entries: readonly ProvisioningObjectSummary[],
  file: ProvisioningLogCsvFile,
  options: { header?: boolean } = {},
): string {
  const header = options.header ?? true;
  const rows = rowsOf(entries, file);
  if (!header && rows.length === 0) return '';
  return stringify(rows, {
    header,
    columns: [...provisioningLogCsvColumns[file]],
    bom: header,
  });
}

/** Entra's CSV download: the three files by name, joined by change id. */
export function toCsvFiles(entries: readonly ProvisioningObjectSummary[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [file, name] of Object.entries(provisioningLogCsvFiles))
    files[name] = provisioningLogCsv(entries, file as ProvisioningLogCsvFile);
  return files;
}
