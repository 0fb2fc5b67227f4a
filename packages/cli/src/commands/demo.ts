import type { Command } from 'commander';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the product on a demo tenant (what `npm start` runs): the Zendesk emulator on port 4010, the ' +
        'Entra emulator on 4020 with demo users, a generated configuration and `sync`',
    )
    .option('--port <port>', 'TCP port of the Zendesk emulator', '4010')
    .option('--entra-port <port>', 'TCP port of the Entra emulator', '4020')
    .option('--users <n>', 'demo users in the Entra tenant', '150')
    .option('--interval <duration>', 'ISO-8601 duration between incremental cycles', 'PT20S')
    .option(
      '--dir <dir>',
      'where the configuration, certificate and SQLite state go (emptied at every start; only a new or empty directory, or one an earlier demo made, is accepted)',
      'data/demo',
    )
    .action(
      async (options: { port: string; entraPort: string; users: string; interval: string; dir: string }) => {
        const { runDemo } = await import('./run-demo.js');
        try {
          await runDemo({
            zendeskPort: Number(options.port),
            entraPort: Number(options.entraPort),
            users: Number(options.users),
            interval: options.interval,
            dir: options.dir,
          });
        } catch (error) {
          process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exitCode = 1;
        }
      },
    );
}
