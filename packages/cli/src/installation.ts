/**
 * Installation settings: what belongs to the machine that runs provisio rather than to one job
 * (docs/configuration.md#installation-settings). The state store's URL, and the SMTP server that
 * sends notification e-mails: the `smtp:` section of `provisio.yaml` when a job runs from that
 * file, the `SMTP_*` environment variables when it runs from the state store (`--job`).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { type ConfigProblem, resolveDatabaseUrl, zodProblems } from '@provisio/engine';
import { z } from 'zod';
import type { SmtpSettings } from './notify/smtp.js';
import type { Environment } from './secrets.js';

export interface Installation {
  /** `DATABASE_URL`, or the SQLite file `data/provisio.db` next to the configuration file (see `databaseUrlOf`). */
  readonly databaseUrl: string;
  /** The SMTP server for notification e-mails; null when there is none. */
  readonly smtp: SmtpSettings | null;
}

export const smtpSchema = z.strictObject({
  host: z.string().trim().min(1, 'must name the SMTP server, e.g. smtp.example.com'),
  port: z.number().int().min(1).max(65_535).default(587),
  /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
  from: z.string().trim().min(3, 'must be the sender, e.g. "provisio <provisio@example.com>"'),
});

/**
 * The state store's URL: `DATABASE_URL`, else `sqlite:<base>/data/provisio.db`, where `base` is the
 * directory of the configuration file when the command was given one (`--config`: the store follows
 * the job, wherever the command runs from), else the working directory. A relative `sqlite:` path in
 * `DATABASE_URL` is resolved against the same directory (docs/configuration.md#the-state-store-database_url).
 */
export function databaseUrlOf(env: Environment, cwd: string, configFile?: string): string {
  const base = configFile === undefined ? cwd : dirname(resolve(cwd, configFile));
  const url = resolveDatabaseUrl(env as NodeJS.ProcessEnv, base);
  const sqlite = /^sqlite:(.*)$/is.exec(url.trim());
  const location = sqlite?.[1];
  if (location === undefined || location === '' || location === ':memory:' || isAbsolute(location))
    return url;
  return `sqlite:${resolve(base, location)}`;
}

/** The SQLite file a URL names; undefined for PostgreSQL and `sqlite::memory:`. */
export function sqliteFileOf(databaseUrl: string): string | undefined {
  const location = /^sqlite:(.*)$/is.exec(databaseUrl.trim())?.[1];
  return location === undefined || location === '' || location === ':memory:' ? undefined : resolve(location);
}

/**
 * The store for people: the SQLite file's path, or PostgreSQL's host and database (never the user
 * name or password).
 */
export function describeStore(databaseUrl: string): string {
  const file = sqliteFileOf(databaseUrl);
  if (file !== undefined) return `SQLite ${file}`;
  if (/^sqlite::memory:$/i.test(databaseUrl.trim())) return 'SQLite in memory';
  try {
    const url = new URL(databaseUrl.trim());
    return `PostgreSQL ${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the store named by DATABASE_URL';
  }
}

/** The variables `smtpFromEnvironment` reads, for messages and documentation. */
export const smtpVariables = [
  'SMTP_HOST',
  'SMTP_PORT',
  'SMTP_SECURE',
  'SMTP_USER',
  'SMTP_PASSWORD',
  'SMTP_FROM',
] as const;

/**
 * The SMTP server from `SMTP_HOST` (none when unset or blank), `SMTP_PORT` (587), `SMTP_SECURE`
 * (`true` or `false`, default false), `SMTP_USER`, `SMTP_PASSWORD` and `SMTP_FROM` (required with
 * a host). Problems name the variable.
 */
export function smtpFromEnvironment(env: Environment): {
  readonly smtp: SmtpSettings | null;
  readonly problems: readonly ConfigProblem[];
} {
  const text = (name: (typeof smtpVariables)[number]) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const host = text('SMTP_HOST');
  if (host === undefined) return { smtp: null, problems: [] };
  const problems: ConfigProblem[] = [];
  const portText = text('SMTP_PORT');
  const port = portText === undefined ? undefined : /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (port !== undefined && !(port >= 1 && port <= 65_535))
    problems.push({
      path: 'SMTP_PORT',
      message: `"${portText}" is not a port number (1 to 65535), e.g. 587`,
    });
  const secureText = text('SMTP_SECURE')?.toLowerCase();
  if (secureText !== undefined && secureText !== 'true' && secureText !== 'false')
    problems.push({ path: 'SMTP_SECURE', message: `must be true or false, not "${secureText}"` });
  const user = text('SMTP_USER');
  const password = env['SMTP_PASSWORD'];
  const parsed = smtpSchema.safeParse({
    host,
    ...(port !== undefined && !Number.isNaN(port) ? { port } : {}),
    ...(secureText === 'true' || secureText === 'false' ? { secure: secureText === 'true' } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
    from: text('SMTP_FROM') ?? '',
  });
  if (!parsed.success)
    for (const problem of zodProblems(parsed.error))
      problems.push({ path: `SMTP_${problem.path.toUpperCase()}`, message: problem.message });
  return problems.length > 0 || !parsed.success ? { smtp: null, problems } : { smtp: parsed.data, problems };
}
