import {
  demoSeed,
  isPlan,
  parseFaultSpec,
  readSeedFile,
  type SsoOptions,
  startZendeskEmulator,
  type ZendeskEmulator,
  type ZendeskEmulatorOptions,
} from '@provisio/emulators';
import type { ZendeskEmulatorCliOptions } from './emulator.js';

/** `--sso-*` flags as the emulator's `sso` option; the secret and the login URL go together. */
function ssoOption(cli: ZendeskEmulatorCliOptions): SsoOptions | undefined {
  const { ssoJwtSecret: sharedSecret, ssoRemoteLoginUrl: remoteLoginUrl, ssoRemoteLogoutUrl } = cli;
  if (sharedSecret === undefined && remoteLoginUrl === undefined && ssoRemoteLogoutUrl === undefined)
    return undefined;
  if (sharedSecret === undefined || remoteLoginUrl === undefined) {
    throw new Error(
      '--sso-jwt-secret and --sso-remote-login-url go together: give both to turn JWT single sign-on on',
    );
  }
  return { jwt: { sharedSecret, remoteLoginUrl, remoteLogoutUrl: ssoRemoteLogoutUrl ?? null } };
}

/** One line for the start-up banner; never the secret. */
function describeSso(emulator: ZendeskEmulator): string {
  const active = emulator.store.sso.configurations.filter((c) => c.active);
  if (active.length === 0) return 'off';
  return active
    .map((c) => {
      const audiences = [c.teamMembers ? 'team members' : '', c.endUsers ? 'end users' : ''].filter(Boolean);
      return `JWT for ${audiences.join(' and ') || 'nobody'} via ${c.remoteLoginUrl}`;
    })
    .join('; ');
}

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
  const sso = ssoOption(cli);
  if (sso) options.sso = sso;

  const emulator = await startZendeskEmulator(options);
  const lines = [
    `Zendesk emulator listening on ${emulator.url}`,
    `  subdomain:   ${emulator.settings.subdomain} (plan ${emulator.settings.plan}, ${emulator.settings.rateLimits ? 'rate limits on' : 'rate limits off'})`,
    `  admin:       ${emulator.adminEmail}`,
    `  api token:   ${emulator.apiToken}`,
    `  bulk import: ${emulator.settings.bulkImport ? 'enabled' : 'disabled'}`,
    `  users:       ${emulator.store.users.size}`,
    `  sso:         ${describeSso(emulator)}`,
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
