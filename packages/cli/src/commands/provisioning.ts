import { type Command, Option } from 'commander';

const configOption = () =>
  new Option('-c, --config <file>', 'configuration file (YAML)').default('provisio.yaml');

const databaseNote =
  '\nThe state store is ./data/provisio.db (SQLite) unless DATABASE_URL is set (postgres://… or sqlite:<path>).';

export function registerProvisioningCommands(program: Command): void {
  program
    .command('init')
    .description('Write a commented starter configuration file')
    .addOption(configOption())
    .option('--force', 'overwrite an existing file')
    .action(async (options: { config: string; force?: boolean }) => {
      const { runInit } = await import('../run-provisioning.js');
      process.exitCode = await runInit(options.config, options.force ?? false);
    });

  program
    .command('test-connection')
    .description(
      'Check the credentials and permissions on both sides (Entra ID and Zendesk) and explain any failure',
    )
    .addOption(configOption())
    .action(async (options: { config: string }) => {
      const { runTestConnection } = await import('../run-provisioning.js');
      process.exitCode = await runTestConnection(options.config);
    });

  program
    .command('plan')
    .description('Print what the next cycle would do, per user and attribute, writing nothing')
    .addOption(configOption())
    .option('--all', 'also list users that are unchanged or skipped')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', databaseNote)
    .action(async (options: { config: string; all?: boolean; format: 'text' | 'json' }) => {
      const { runPlan } = await import('../run-provisioning.js');
      process.exitCode = await runPlan(options.config, options.all ?? false, options.format);
    });

  program
    .command('sync')
    .description('Run provisioning cycles: an initial cycle, then incremental cycles every settings.interval')
    .addOption(configOption())
    .option('--once', 'run one cycle and exit (exit code 1 if it failed or any user failed)')
    .addHelpText('after', databaseNote)
    .action(async (options: { config: string; once?: boolean }) => {
      const { runSync } = await import('../run-provisioning.js');
      process.exitCode = await runSync(options.config, options.once ?? false);
    });

  program
    .command('status')
    .description('Show the job state, the last cycles with counts and durations, and the watermark age')
    .addOption(configOption())
    .option('--cycles <n>', 'how many recent cycles to list', '10')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', databaseNote)
    .action(async (options: { config: string; cycles: string; format: 'text' | 'json' }) => {
      const { runStatus } = await import('../run-provisioning.js');
      process.exitCode = await runStatus(options.config, Number(options.cycles), options.format);
    });

  program
    .command('logs')
    .description("Show provisioning log entries (Graph's provisioningObjectSummary), newest first")
    .addOption(configOption())
    .addOption(
      new Option('--status <status>', 'only this status').choices([
        'success',
        'failure',
        'skipped',
        'warning',
      ]),
    )
    .addOption(
      new Option('--action <action>', 'only this action').choices([
        'create',
        'update',
        'delete',
        'disable',
        'stagedDelete',
        'other',
      ]),
    )
    .option('--identity <text>', 'source or target id, or part of the display name')
    .option('--cycle <cycleId>', 'only this cycle')
    .option('--since <when>', 'only entries since: an ISO-8601 time, or a duration back from now (PT1H, P7D)')
    .option('--limit <n>', 'at most this many entries', '200')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .option('--output <dir>', 'where --format csv writes its three files', '.')
    .addHelpText(
      'after',
      "\nJSON is an array of Graph provisioningObjectSummary objects. CSV follows Entra's download: " +
        'ProvisioningLogs.csv, ProvisioningLogs_ProvisioningSteps.csv and ProvisioningLogs_ModifiedProperties.csv, joined by change id.' +
        databaseNote,
    )
    .action(async (options: LogsOptions) => {
      const { runLogs } = await import('../run-logs.js');
      process.exitCode = await runLogs(options);
    });
}

export interface LogsOptions {
  config: string;
  status?: 'success' | 'failure' | 'skipped' | 'warning';
  action?: 'create' | 'update' | 'delete' | 'disable' | 'stagedDelete' | 'other';
  identity?: string;
  cycle?: string;
  since?: string;
  limit: string;
  format: 'table' | 'json' | 'csv';
  output: string;
}
