import { type Command, Option } from 'commander';
import { selectionOf } from '../selection.js';

const configOption = (description = 'configuration file (YAML), or a job definition file (jobs export)') =>
  new Option('-c, --config <file>', description).default('provisio.yaml');

/** `--job <id>`: the job's definition from the state store instead of a file. */
const jobOption = () =>
  new Option(
    '--job <id>',
    'a job stored in the state store (npx provisio jobs list) instead of --config',
  ).conflicts('config');

interface JobOptions {
  config: string;
  job?: string;
}

const databaseNote =
  '\nThe state store is data/provisio.db (SQLite) next to the configuration file (with --job: in the working directory) ' +
  'unless DATABASE_URL is set (postgres://… or sqlite:<path>, a relative path resolved the same way); ' +
  'with --job the job is read from it. Commands that only read (status, logs, audit) never create it.';

export function registerProvisioningCommands(program: Command): void {
  program
    .command('init')
    .description('Write a commented starter configuration file')
    .addOption(configOption('the configuration file to write'))
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
    .addOption(jobOption())
    .option(
      '--send-test-email',
      'also send a test e-mail to settings.notificationEmail through the SMTP server',
    )
    .addHelpText(
      'after',
      '\nRequired checks (credentials, reads, the mapped custom user fields) fail the command (exit 1); optional ones\n(role import, the mail server) are shown as ⚠ warnings with what is lost without them and leave it at 0.\nExit 2: the configuration does not load.',
    )
    .action(async (options: JobOptions & { sendTestEmail?: boolean }) => {
      const { runTestConnection } = await import('../run-provisioning.js');
      process.exitCode = await runTestConnection(selectionOf(options), undefined, {
        sendTestEmail: options.sendTestEmail ?? false,
      });
    });

  program
    .command('plan')
    .description('Print what the next cycle would do, per user and attribute, writing nothing')
    .addOption(configOption())
    .addOption(jobOption())
    .option('--all', 'also list users that are unchanged or skipped')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', databaseNote)
    .action(async (options: JobOptions & { all?: boolean; format: 'text' | 'json' }) => {
      const { runPlan } = await import('../run-provisioning.js');
      process.exitCode = await runPlan(selectionOf(options), options.all ?? false, options.format);
    });

  program
    .command('sync')
    .description(
      'Run provisioning cycles every settings.interval: initial when the job needs one (first run, restart, configuration change), incremental otherwise. ' +
        'The configuration file is read again before each cycle, and at once on SIGHUP (which also starts the next cycle early); an invalid change is reported and the running configuration kept',
    )
    .addOption(configOption())
    .addOption(jobOption())
    .option(
      '--once',
      'run one cycle and exit (exit code 1 if it failed or any user failed, 3 if it held actions at a threshold); a paused job runs none and exits 0',
    )
    .option('--force', 'with --once: run the cycle even when the job is paused')
    .addHelpText('after', databaseNote)
    .action(async (options: JobOptions & { once?: boolean; force?: boolean }) => {
      const { runSync } = await import('../run-provisioning.js');
      process.exitCode = await runSync(selectionOf(options), options.once ?? false, options.force ?? false);
    });

  program
    .command('status')
    .description('Show the job state, the last cycles with counts and durations, and the watermark age')
    .addOption(configOption())
    .addOption(jobOption())
    .option('--cycles <n>', 'how many recent cycles to list', '10')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', databaseNote)
    .action(async (options: JobOptions & { cycles: string; format: 'text' | 'json' }) => {
      const { runStatus } = await import('../run-provisioning.js');
      process.exitCode = await runStatus(selectionOf(options), Number(options.cycles), options.format);
    });

  for (const [name, description, fn] of [
    [
      'pause',
      'Pause provisioning (Provisioning Status Off): a running sync runs no cycle until resumed',
      'runPause',
    ],
    ['resume', 'Resume provisioning (Provisioning Status On); also clears a quarantine', 'runResume'],
  ] as const)
    program
      .command(name)
      .description(description)
      .addOption(configOption())
      .addOption(jobOption())
      .addHelpText('after', databaseNote)
      .action(async (options: JobOptions) => {
        const operations = await import('../run-operations.js');
        process.exitCode = await operations[fn](selectionOf(options));
      });

  program
    .command('restart')
    .description('Clear watermarks, retries (escrows) and quarantine: the next cycle re-evaluates everything')
    .addOption(configOption())
    .addOption(jobOption())
    .option(
      '--full',
      'also forget the links to Zendesk users and groups, so that everything is matched again',
    )
    .addHelpText('after', databaseNote)
    .action(async (options: JobOptions & { full?: boolean }) => {
      const { runRestart } = await import('../run-operations.js');
      process.exitCode = await runRestart(selectionOf(options), options.full ?? false);
    });

  program
    .command('allow-deletes')
    .description(
      'Carry out the deprovisioning staged by the accidental-deletion threshold: runs one cycle that may exceed it',
    )
    .addOption(configOption())
    .addOption(jobOption())
    .addHelpText('after', databaseNote)
    .action(async (options: JobOptions) => {
      const { runAllowDeletes } = await import('../run-operations.js');
      process.exitCode = await runAllowDeletes(selectionOf(options));
    });

  program
    .command('unlink')
    .description(
      'Stop managing one user or group: provisio no longer updates, suspends or deletes its Zendesk object, nor matches it again',
    )
    .argument('<object>', "the Entra object id, a user's UPN or mail, a group's name, or the Zendesk id")
    .addOption(configOption())
    .addOption(jobOption())
    .addHelpText(
      'after',
      `${databaseNote}\nThe unlink is recorded in the audit log; restart --full forgets it (docs/operations.md, "Unlinking an object").`,
    )
    .action(async (object: string, options: JobOptions) => {
      const { runUnlink } = await import('../run-operations.js');
      process.exitCode = await runUnlink(selectionOf(options), object);
    });

  program
    .command('audit')
    .description(
      'Show the audit log: pause, resume, restart, allow-deletes, unlink, role imports, quarantine',
    )
    .addOption(configOption())
    .addOption(jobOption())
    .option('--limit <n>', 'at most this many entries', '100')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', databaseNote)
    .action(async (options: JobOptions & { limit: string; format: 'table' | 'json' }) => {
      const { runAudit } = await import('../run-operations.js');
      process.exitCode = await runAudit(selectionOf(options), Number(options.limit), options.format);
    });

  const roles = program.command('roles').description("Zendesk's roles as app roles of the Entra application");
  roles
    .command('import')
    .description(
      "Read Zendesk's roles (end-user, agent, admin, custom roles) and publish them as app roles of the Entra application",
    )
    .addOption(configOption())
    .addOption(jobOption())
    .addHelpText('after', databaseNote)
    .action(async (options: JobOptions) => {
      const { runRolesImport } = await import('../run-operations.js');
      process.exitCode = await runRolesImport(selectionOf(options));
    });

  program
    .command('provision')
    .description(
      'Provision one user (userPrincipalName or object id) or one group (display name or id) with its members now, showing each step',
    )
    .argument('<who>', 'a userPrincipalName, an object id, or a group display name')
    .addOption(configOption())
    .addOption(jobOption())
    .option('--dry-run', 'show the same steps without writing anything')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', databaseNote)
    .action(async (who: string, options: JobOptions & { dryRun?: boolean; format: 'text' | 'json' }) => {
      const { runProvision } = await import('../run-ondemand.js');
      process.exitCode = await runProvision(
        selectionOf(options),
        who,
        options.dryRun ?? false,
        options.format,
      );
    });

  program
    .command('logs')
    .description("Show provisioning log entries (Graph's provisioningObjectSummary), newest first")
    .addOption(configOption())
    .addOption(jobOption())
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
  job?: string;
  status?: 'success' | 'failure' | 'skipped' | 'warning';
  action?: 'create' | 'update' | 'delete' | 'disable' | 'stagedDelete' | 'other';
  identity?: string;
  cycle?: string;
  since?: string;
  limit: string;
  format: 'table' | 'json' | 'csv';
  output: string;
}
