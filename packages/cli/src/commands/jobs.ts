import { type Command, Option } from 'commander';

const storeNote =
  '\nJobs are kept in the state store: ./data/provisio.db (SQLite) unless DATABASE_URL is set ' +
  '(postgres://… or sqlite:<path>). Secrets are references ({ secretRef: "env:NAME" }), never values.';

export function registerJobCommands(program: Command): void {
  const jobs = program
    .command('jobs')
    .description(
      'Job definitions kept in the state store: list, show, import, export, delete (run one with --job <id>)',
    );

  jobs
    .command('list')
    .description('List the jobs in the state store: id, display name, Zendesk domain, status')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', storeNote)
    .action(async (options: { format: 'table' | 'json' }) => {
      const { runJobsList } = await import('../run-jobs.js');
      process.exitCode = await runJobsList(options.format);
    });

  jobs
    .command('show')
    .description("Print a job's definition (secrets as references)")
    .argument('<id>', 'the job id')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .addHelpText('after', storeNote)
    .action(async (id: string, options: { format: 'yaml' | 'json' }) => {
      const { runJobsShow } = await import('../run-jobs.js');
      process.exitCode = await runJobsShow(id, options.format);
    });

  jobs
    .command('import')
    .description(
      'Validate a job file (a provisio.yaml, or a job definition in YAML or JSON) and store it as a job',
    )
    .argument('<file>', 'the file to import')
    .option('--id <id>', "the job's id (default: the file's id, settings.jobId, or zendesk.<domain>)")
    .option('--display-name <name>', 'a name for people, shown by jobs list')
    .option('--replace', 'replace the definition of a job that already exists')
    .addHelpText(
      'after',
      '\nSecrets must be references: ${NAME} in a provisio.yaml becomes { secretRef: "env:NAME" }; a literal ' +
        'secret is refused. Other ${NAME} references are replaced by their values now. The smtp section is ' +
        'not imported: stored jobs send e-mail through the SMTP_* environment variables. Every problem is ' +
        'listed at once (exit code 2).' +
        storeNote,
    )
    .action(async (file: string, options: { id?: string; displayName?: string; replace?: boolean }) => {
      const { runJobsImport } = await import('../run-jobs.js');
      process.exitCode = await runJobsImport(file, {
        id: options.id,
        displayName: options.displayName,
        replace: options.replace ?? false,
      });
    });

  jobs
    .command('export')
    .description('Write a job definition to a file (or stdout): jobs import of it gives the same job')
    .argument('<id>', 'the job id')
    .option('-o, --output <file>', 'the file to write (default: standard output)')
    .addOption(
      new Option('--format <format>', 'output format (default: json for a .json file, else yaml)').choices([
        'yaml',
        'json',
      ]),
    )
    .addHelpText('after', storeNote)
    .action(async (id: string, options: { output?: string; format?: 'yaml' | 'json' }) => {
      const { runJobsExport } = await import('../run-jobs.js');
      process.exitCode = await runJobsExport(id, options.output, options.format);
    });

  jobs
    .command('delete')
    .description(
      "Delete a job's definition. Its state (links, mirrors, cycles, provisioning and audit logs) is kept",
    )
    .argument('<id>', 'the job id')
    .option('--yes', 'confirm the deletion')
    .addHelpText(
      'after',
      '\nThe state stays under the job id: importing a definition with the same id picks it up again ' +
        '(links included, so users are not matched anew). Stop any `sync --job <id>` first: a running ' +
        'sync keeps the definition it read.' +
        storeNote,
    )
    .action(async (id: string, options: { yes?: boolean }) => {
      const { runJobsDelete } = await import('../run-jobs.js');
      process.exitCode = await runJobsDelete(id, options.yes ?? false);
    });
}
