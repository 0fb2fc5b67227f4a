import { type Command, InvalidArgumentError, Option } from 'commander';

const planNames = ['team', 'growth', 'professional', 'enterprise', 'enterprise-plus'];

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError('must be a port number between 0 and 65535 (0 picks a free port)');
  }
  return port;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function guid(value: string): string {
  if (!guidPattern.test(value))
    throw new InvalidArgumentError('must be a GUID, e.g. 3c9e5d7a-1b2f-4e48-9a6c-d0e1f2a3b4c5');
  return value;
}

/** Zendesk generates 48-character secrets; shorter than 16 can be guessed from one HS256 token. */
function ssoSecret(value: string): string {
  if (value.length < 16)
    throw new InvalidArgumentError(
      'must be at least 16 characters (Zendesk generates 48; a short HS256 secret can be guessed from one token)',
    );
  return value;
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(
      'must be an absolute http(s) URL, e.g. https://idp.example.com/zendesk/sso',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(
      'must be an absolute http(s) URL, e.g. https://idp.example.com/zendesk/sso',
    );
  return value;
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty');
  return value;
}

export interface ZendeskEmulatorCliOptions {
  port: number;
  host: string;
  plan: string;
  subdomain?: string;
  adminEmail?: string;
  apiToken?: string;
  bulkImport?: boolean;
  seed?: string;
  faults?: string;
  data?: string;
  rateLimits: boolean;
  jobStepMs?: number;
  logRequests?: boolean;
  ssoJwtSecret?: string;
  ssoRemoteLoginUrl?: string;
  ssoRemoteLogoutUrl?: string;
}

export interface EntraEmulatorCliOptions {
  port: number;
  host: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  adminClientId: string;
  adminClientSecret: string;
  seed?: string;
  faults?: string;
  certFile?: string;
  data?: string;
  rateLimits: boolean;
  logRequests?: boolean;
}

export function registerEmulatorCommands(program: Command): void {
  const emulator = program
    .command('emulator')
    .description('Run an emulator of an upstream API (for tests, demos and benchmarks)');

  emulator
    .command('zendesk')
    .description(
      'Emulate a Zendesk Support account (users, groups, memberships, custom roles, user fields, bulk jobs, ' +
        'incremental export, JWT single sign-on) with its rate limits and errors, and a control plane under /__emulator/ ' +
        '(see docs/emulators.md).',
    )
    .addOption(
      new Option('--port <port>', 'TCP port to listen on (0 picks a free port)')
        .default(4010)
        .argParser(portNumber),
    )
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--plan <plan>', 'Zendesk plan: sets the rate limit and custom-role support')
        .choices(planNames)
        .default('enterprise'),
    )
    .option(
      '--subdomain <subdomain>',
      'account subdomain (hosts like <subdomain>.localhost are checked)',
      'provisio-demo',
    )
    .option('--admin-email <email>', "the admin's email, used with the API token", 'admin@example.com')
    .option('--api-token <token>', 'the account API token', 'emulator-api-token')
    .option('--bulk-import', 'enable the bulk user import endpoints (403 otherwise, as on a real account)')
    .option('--seed <file>', 'seed file (JSON or YAML, see docs/emulators.md), or "demo" for the demo tenant')
    .option(
      '--faults <spec>',
      'inject faults, e.g. 500=0.05,503=0.05,429=0.05,reset=0.02,latency=20-200,seed=42\n' +
        '(also burst=N 429s per burst, retry-after=S, job404=N polls)',
    )
    .option('--data <file>', 'persist state to this JSON file (loaded at start when it exists)')
    .option('--no-rate-limits', 'turn rate limits off (benchmarks)')
    .addOption(
      new Option('--job-step-ms <ms>', 'how long a bulk job stays queued, then working').argParser(
        nonNegativeInt,
      ),
    )
    .option('--log-requests', 'log every request to stderr')
    .addOption(
      new Option(
        '--sso-jwt-secret <secret>',
        'turn on JWT single sign-on for team members and end users with this shared secret (at least 16 ' +
          'characters; needs --sso-remote-login-url)',
      ).argParser(ssoSecret),
    )
    .addOption(
      new Option(
        '--sso-remote-login-url <url>',
        'where unauthenticated visits to /agent and /hc are sent, with return_to (absolute http(s) URL)',
      ).argParser(httpUrl),
    )
    .addOption(
      new Option(
        '--sso-remote-logout-url <url>',
        'where /access/logout sends signed-out users, with email and external_id (absolute http(s) URL)',
      ).argParser(httpUrl),
    )
    .action(async (options: ZendeskEmulatorCliOptions) => {
      const { runZendeskEmulator } = await import('./run-zendesk-emulator.js');
      await runZendeskEmulator(options);
    });

  emulator
    .command('entra')
    .description(
      'Emulate a Microsoft Entra ID tenant over HTTPS: the identity platform (discovery, JWKS, client ' +
        'credentials, authorization code with PKCE and a sign-in page) and Microsoft Graph v1.0 (users, ' +
        'deleted items, groups and members) with per-app throttling, faults and a control plane under ' +
        '/__emulator/ (see docs/emulators.md). Prints the URL, tenant id, the client id/secret of the ' +
        'provisioning app registration (least privilege) and of the administration app registration ' +
        '(Directory.ReadWrite.All, User.ReadWrite.All, Group.ReadWrite.All, AppRoleAssignment.ReadWrite.All, ' +
        'Application.ReadWrite.All: for scripts that change the directory through Graph); it also holds a ' +
        '"Zendesk" enterprise application.',
    )
    .addOption(
      new Option('--port <port>', 'TCP port to listen on (0 picks a free port)')
        .default(4020)
        .argParser(portNumber),
    )
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .option('--tenant-id <id>', 'directory (tenant) id, a GUID')
    .option('--client-id <id>', 'application (client) id of the provisioning app registration, a GUID')
    .option('--client-secret <secret>', 'client secret of the provisioning app registration')
    // The defaults are the emulator's (docs/emulators.md); the CLI test checks they agree.
    .addOption(
      new Option(
        '--admin-client-id <id>',
        'application (client) id of the administration app registration, a GUID',
      )
        .default('3c9e5d7a-1b2f-4e48-9a6c-d0e1f2a3b4c5')
        .argParser(guid),
    )
    .addOption(
      new Option('--admin-client-secret <secret>', 'client secret of the administration app registration')
        .default('emulator-admin-secret')
        .argParser(nonEmpty),
    )
    .option(
      '--seed <file|demo:N>',
      'seed file (JSON, see docs/emulators.md), or demo:<N> for a deterministic demo tenant of N users (demo:10k, demo:<N>:<seed>)',
    )
    .option(
      '--faults <spec>',
      'inject faults into Graph requests, e.g. 500=0.05,503=0.05,429=0.05,reset=0.02,latency=20-200,seed=42\n' +
        '(also burst=N 429s per burst, retry-after=S)',
    )
    .option(
      '--cert-file <path>',
      'write the generated HTTPS certificate (PEM) here, to trust it (e.g. NODE_EXTRA_CA_CERTS=<path>)',
    )
    .option('--data <file>', 'persist state to this JSON file (loaded at start when it exists)')
    .option('--no-rate-limits', 'turn the per-app Graph request budget off (benchmarks)')
    .option('--log-requests', 'log every request to stderr')
    .action(async (options: EntraEmulatorCliOptions) => {
      const { runEntraEmulator } = await import('./run-entra-emulator.js');
      await runEntraEmulator(options);
    });
}
