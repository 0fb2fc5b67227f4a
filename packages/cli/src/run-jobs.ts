/**
 * `provisio jobs list|show|import|export|delete`: job definitions in the state store
 * (docs/configuration.md#job-definitions). Every change is recorded in the job's audit log by the
 * store, with the operating-system user who ran the command.
 */

import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  type JobDefinition,
  type JobDefinitionRecord,
  redactSecrets,
  redactUrl,
  type StateStore,
} from '@provisio/engine';
import { stringify } from 'yaml';
import { openStore, type StoreAccess } from './compose.js';
import { compileJobFileWithoutSecrets, readDocumentFile, readJobDocument } from './config-file.js';
import { databaseUrlOf, describeStore } from './installation.js';
import { type CommandContext, processContext } from './load-job.js';
import { operator } from './operator.js';
import { reportError } from './run-provisioning.js';
import { printTable } from './table.js';

export type DefinitionFormat = 'yaml' | 'json';

/**
 * A definition as a file: the same text for the same definition, so exports can be compared. The
 * secret fields go through `redactSecrets`: the store keeps references only, and anything printed
 * stays so even if a value got in some other way.
 */
export function formatDefinition(stored: JobDefinition, format: DefinitionFormat, comment?: string): string {
  const definition = redactSecrets(stored);
  if (format === 'json') return `${JSON.stringify(definition, null, 2)}\n`;
  const header =
    comment ??
    '# provisio job definition (docs/configuration.md#job-definitions); secrets are references, never values.\n' +
      '# Import it with: npx provisio jobs import <file>\n';
  return `${header}${stringify(definition, { lineWidth: 0 })}`;
}

async function withStore<T>(
  context: CommandContext,
  work: (store: StateStore) => Promise<T>,
  access: StoreAccess = 'create',
): Promise<T> {
  const store = await openStore(databaseUrlOf(context.env, context.cwd), access);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function noSuchJob(id: string, context: CommandContext): Error {
  return new Error(
    `no job "${id}" in the state store (${redactUrl(databaseUrlOf(context.env, context.cwd))}): "npx provisio jobs list" lists the jobs`,
  );
}

async function definitionOf(
  store: StateStore,
  id: string,
  context: CommandContext,
): Promise<JobDefinitionRecord> {
  const record = await store.getJobDefinition(id);
  if (record === null) throw noSuchJob(id, context);
  return record;
}

export async function runJobsList(
  format: 'table' | 'json',
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withStore(
      context,
      async (store) => {
        const records = await store.listJobDefinitions();
        const rows = [];
        for (const record of records) {
          // Read defensively: a definition stored by another version may lack a key.
          const definition = record.definition as Partial<JobDefinition>;
          const job = await store.getJob(record.jobId);
          rows.push({
            id: record.jobId,
            displayName: definition.displayName ?? null,
            domain: definition.target?.domain ?? null,
            status: job?.status ?? 'NotRun',
            provisioningStatus: definition.settings?.provisioningStatus ?? 'on',
            revision: record.revision,
            updatedAt: record.updatedAt,
          });
        }
        if (format === 'json') {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return 0;
        }
        if (rows.length === 0) {
          process.stdout.write(
            `no jobs in the state store (${describeStore(databaseUrlOf(context.env, context.cwd))}): add one with "npx provisio jobs import provisio.yaml"\n`,
          );
          return 0;
        }
        const table = [
          ['ID', 'DISPLAY NAME', 'ZENDESK DOMAIN', 'STATUS', 'REVISION', 'UPDATED'],
          ...rows.map((row) => [
            row.id,
            row.displayName ?? '-',
            row.domain ?? '-',
            `${row.status}${row.provisioningStatus === 'off' ? ' (provisioning off)' : ''}`,
            String(row.revision),
            row.updatedAt,
          ]),
        ];
        printTable(table);
        return 0;
      },
      // No store yet: no jobs, and none is created.
      'existing-or-empty',
    );
  } catch (error) {
    return reportError(error);
  }
}

export async function runJobsShow(
  id: string,
  format: DefinitionFormat,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withStore(
      context,
      async (store) => {
        const record = await definitionOf(store, id, context);
        process.stdout.write(
          formatDefinition(
            record.definition,
            format,
            `# job ${record.jobId}: revision ${record.revision}, created ${record.createdAt}, updated ${record.updatedAt}.\n` +
              '# Secrets are references (docs/configuration.md#secret-references), never values.\n',
          ),
        );
        return 0;
      },
      'existing',
    );
  } catch (error) {
    return reportError(error);
  }
}

export interface ImportOptions {
  readonly id?: string | undefined;
  readonly displayName?: string | undefined;
  readonly replace: boolean;
}

export async function runJobsImport(
  file: string,
  options: ImportOptions,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const document = await readDocumentFile(
      file,
      'name a provisio.yaml or a file written by "npx provisio jobs export"',
    );
    const read = readJobDocument(document, context.env, {
      purpose: 'store',
      secrets: 'skip',
      id: options.id,
      displayName: options.displayName,
    });
    const { job, warnings } = compileJobFileWithoutSecrets(read, { where: file });
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    const definition = job.definition;
    return await withStore(context, async (store) => {
      const before = await store.getJobDefinition(definition.id);
      if (before !== null && !options.replace) {
        process.stderr.write(
          `job ${definition.id} already exists (revision ${before.revision}): pass --replace to replace its definition ` +
            `(npx provisio jobs export ${definition.id} --output <file> keeps a copy), or --id to import it as another job\n`,
        );
        return 1;
      }
      const saved = await store.saveJobDefinition(definition, {
        initiatedBy: operator(),
        at: new Date(),
        ifRevision: before?.revision ?? 'none',
      });
      if (before !== null && saved.revision === before.revision) {
        process.stdout.write(
          `job ${definition.id} unchanged (revision ${saved.revision}): ${file} holds its definition\n`,
        );
        return 0;
      }
      const references = [
        `source.clientSecret from ${definition.source.clientSecret.secretRef}`,
        `target.secretToken from ${definition.target.secretToken.secretRef}`,
      ];
      process.stdout.write(
        `${before === null ? 'imported' : 'replaced'} job ${definition.id} (revision ${saved.revision}) from ${file}\n` +
          `  secrets, resolved where the job runs: ${references.join(', ')}\n` +
          `  run it with: npx provisio test-connection --job ${definition.id}, then npx provisio sync --job ${definition.id}\n`,
      );
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}

export async function runJobsExport(
  id: string,
  output: string | undefined,
  format: DefinitionFormat | undefined,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withStore(
      context,
      async (store) => {
        const record = await definitionOf(store, id, context);
        const chosen =
          format ?? (output !== undefined && extname(output).toLowerCase() === '.json' ? 'json' : 'yaml');
        const text = formatDefinition(record.definition, chosen);
        if (output === undefined) process.stdout.write(text);
        else {
          await writeFile(output, text);
          process.stderr.write(`wrote job ${id} (revision ${record.revision}) to ${output}\n`);
        }
        return 0;
      },
      'existing',
    );
  } catch (error) {
    return reportError(error);
  }
}

export async function runJobsDelete(
  id: string,
  yes: boolean,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withStore(context, async (store) => {
      const record = await definitionOf(store, id, context);
      if (!yes) {
        process.stderr.write(
          `this deletes the definition of job ${id} (revision ${record.revision}); its state stays in the store. ` +
            'Pass --yes to confirm.\n',
        );
        return 1;
      }
      await store.deleteJobDefinition(id, {
        initiatedBy: operator(),
        at: new Date(),
        ifRevision: record.revision,
      });
      process.stdout.write(
        `deleted the definition of job ${id} (it was at revision ${record.revision}).\n` +
          `  Its state is kept under the job id (links, mirrors, cycles, provisioning and audit logs): ` +
          `importing a definition with id ${id} picks it up again.\n`,
      );
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}
