import type { Command } from 'commander';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the product on a demo tenant (what `npm start` runs): the Zendesk emulator on port 4010, the ' +
        'Entra emulator on 4020 with demo users, and `provisio serve` on 8080 with the demo job configured',
    )
    .option('--port <port>', 'TCP port of the Zendesk emulator', '4010')
    .option('--entra-port <port>', 'TCP port of the Entra emulator', '4020')
    .option('--api-port <port>', 'TCP port of provisio serve (the admin API)', '8080')
    .option('--users <n>', 'demo users in the Entra tenant', '150')
    .option(
      '--interval <duration>',
      'ISO-8601 duration between cycles (the default of settings.interval)',
      'PT5S',
    )
    .option(
      '--dir <dir>',
      'where the state store, secret key, certificate and logs go (emptied at every start; only a new or empty directory, or one an earlier demo made, is accepted)',
      'data/demo',
    )
    .action(
      async (options: {
        port: string;
        entraPort: string;
        apiPort: string;
        users: string;
        interval: string;
        dir: string;
      }) => {
        const { runDemo } = await import('./run-demo.js');
        try {
          await runDemo({
            zendeskPort: Number(options.port),
            entraPort: Number(options.entraPort),
            apiPort: Number(options.apiPort),
            users: Number(options.users),
            interval: options.interval,
            dir: options.dir,
          });
        } catch (error) {
          const { describeListenError } = await import('../listen-error.js');
          process.stderr.write(
            `error: ${describeListenError(error, '--port, --entra-port or --api-port')}\n`,
          );
          process.exitCode = 1;
        }
      },
    );
}
