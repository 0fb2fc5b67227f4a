import { readFile } from 'node:fs/promises';
import { type EntraEmulatorOptions, parseFaultSpec, startEntraEmulator } from '@provisio/emulators';
import type { EntraEmulatorCliOptions } from './emulator.js';

/** Starts the Entra ID emulator from command-line options and keeps it running until a signal. */
export async function runEntraEmulator(cli: EntraEmulatorCliOptions): Promise<void> {
  const options: EntraEmulatorOptions & { certFile?: string } = {
    port: cli.port,
    host: cli.host,
    rateLimits: cli.rateLimits,
    logRequests: cli.logRequests ?? false,
    adminClientId: cli.adminClientId,
    adminClientSecret: cli.adminClientSecret,
  };
  if (cli.tenantId !== undefined) options.tenantId = cli.tenantId;
  if (cli.clientId !== undefined) options.clientId = cli.clientId;
  if (cli.clientSecret !== undefined) options.clientSecret = cli.clientSecret;
  if (cli.faults !== undefined) options.faults = parseFaultSpec(cli.faults);
  if (cli.certFile !== undefined) options.certFile = cli.certFile;
  if (cli.data !== undefined) options.dataFile = cli.data;
  if (cli.seed?.startsWith('demo:')) {
    options.seed = cli.seed;
  } else if (cli.seed !== undefined) {
    try {
      options.seed = JSON.parse(await readFile(cli.seed, 'utf8')) as unknown;
    } catch (error) {
      throw new Error(`--seed ${cli.seed}: ${(error as Error).message}`);
    }
  }

  const emulator = await startEntraEmulator(options);
  // The provisioning app (what provisio.yaml names) and the administration app (for scripts that
  // change the directory through Graph): docs/emulators.md lists what each is granted.
  const lines = [
    `Entra ID emulator listening on ${emulator.url}`,
    `  tenant id:           ${emulator.tenantId} (${emulator.domain})`,
    `  client id:           ${emulator.clientId} (provisioning app)`,
    `  client secret:       ${emulator.clientSecret}`,
    `  admin client id:     ${emulator.adminClientId} (administration app)`,
    `  admin client secret: ${emulator.adminClientSecret}`,
    `  servicePrincipalId:  ${emulator.zendeskServicePrincipalId} (the Zendesk enterprise app's object id, for provisio.yaml)`,
    `  authority:           ${emulator.url}/${emulator.tenantId}`,
    `  graph:               ${emulator.url}/v1.0/`,
    `  certificate:         ${cli.certFile ?? '(not written; use --cert-file <path> to trust it)'}`,
    `  users:               ${[...emulator.store.users.ascending((u) => u.deletedDateTime === null)].length}`,
    `  control:             ${emulator.url}/__emulator/state`,
    ...(cli.data === undefined ? [] : [`  data file:           ${cli.data}`]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      emulator.close().then(resolve, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
