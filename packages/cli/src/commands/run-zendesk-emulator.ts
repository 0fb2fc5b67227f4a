import {
  demoSeed,
  isPlan,
  parseFaultSpec,
  readSeedFile,
  startZendeskEmulator,
  type ZendeskEmulatorOptions,
} from '@provisio/emulators';
import type { ZendeskEmulatorCliOptions } from './emulator.js';

/** Starts the Zendesk emulator from command-line options and keeps it running until a signal. */
export async function runZendeskEmulator(cli: ZendeskEmulatorCliOptions): Promise<void> {
  if (!isPlan(cli.plan)) throw new Error(`--plan: unknown plan "${cli.plan}"`);
  const options: ZendeskEmulatorOptions = {
    port: cli.port,
    host: cli.host,
    plan: cli.plan,
    rateLimits: cli.rateLimits,
    bulkImport: cli.bulkImport ?? false,
    logRequests: cli.logRequests ?? false,
  };
  if (cli.subdomain !== undefined) options.subdomain = cli.subdomain;
  if (cli.adminEmail !== undefined) options.adminEmail = cli.adminEmail;
  if (cli.apiToken !== undefined) options.apiToken = cli.apiToken;
  if (cli.faults !== undefined) options.faults = parseFaultSpec(cli.faults);
  if (cli.data !== undefined) options.dataFile = cli.data;
  if (cli.jobStepMs !== undefined) options.jobStepMs = cli.jobStepMs;
  if (cli.seed !== undefined) options.seed = cli.seed === 'demo' ? demoSeed : await readSeedFile(cli.seed);

  const emulator = await startZendeskEmulator(options);
  const lines = [
    `Zendesk emulator listening on ${emulator.url}`,
    `  subdomain:   ${emulator.settings.subdomain} (plan ${emulator.settings.plan}, ${emulator.settings.rateLimits ? 'rate limits on' : 'rate limits off'})`,
    `  admin:       ${emulator.adminEmail}`,
    `  api token:   ${emulator.apiToken}`,
    `  bulk import: ${emulator.settings.bulkImport ? 'enabled' : 'disabled'}`,
    `  users:       ${emulator.store.users.size}`,
    `  control:     ${emulator.url}/__emulator/state`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // A failure while closing (e.g. the last save of --data) is reported like any other error.
      emulator.close().then(resolve, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
