import type { Command } from 'commander';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the demo tenant: the Zendesk emulator with demo data on port 4010 (what `npm start` runs)',
    )
    .option('--port <port>', 'TCP port of the Zendesk emulator', '4010')
    .action(async (options: { port: string }) => {
      const { runZendeskEmulator } = await import('./run-zendesk-emulator.js');
      await runZendeskEmulator({
        port: Number(options.port),
        host: '127.0.0.1',
        plan: 'enterprise',
        seed: 'demo',
        rateLimits: true,
        bulkImport: true,
      });
    });
}
