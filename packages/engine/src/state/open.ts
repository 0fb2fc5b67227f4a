/**
 * Opens the state store named by a database URL: SQLite (the embedded default, one file) or
 * PostgreSQL (for many processes and, later, pg-boss workers). The caller runs `migrate()`.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { StateStore } from '../ports/state.js';
import { KyselyStateStore } from './kysely-store.js';
import type { Database } from './schema.js';

const ACCEPTED_FORMS =
  'sqlite:<path> (e.g. sqlite:./data/provisio.db), sqlite::memory:, or postgres://user:password@host:5432/database (postgresql:// also accepted)';

/** How long a SQLite writer waits for another process's lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** `DATABASE_URL` when set (and not blank), else the embedded default `sqlite:<cwd>/data/provisio.db`. */
export function resolveDatabaseUrl(env: NodeJS.ProcessEnv, cwd: string): string {
  const url = env['DATABASE_URL']?.trim();
  return url === undefined || url === '' ? `sqlite:${join(cwd, 'data', 'provisio.db')}` : url;
}

/**
 * Opens (without migrating) the store at `url`: `sqlite:<path>` (relative paths resolve against the
 * working directory; parent directories are created), `sqlite::memory:`, or `postgres://…` /
 * `postgresql://…` (a connection is tried at once so a wrong URL fails here, clearly).
 */
export async function openStateStore(url: string): Promise<StateStore> {
  const trimmed = url.trim();
  if (/^sqlite:/i.test(trimmed)) return openSqlite(trimmed.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return openPostgres(trimmed);
  throw new Error(
    `Unsupported DATABASE_URL "${redactUrl(trimmed)}": expected ${ACCEPTED_FORMS}. Leave DATABASE_URL unset for the embedded SQLite default.`,
  );
}

function openSqlite(location: string): StateStore {
  if (location === '') {
    throw new Error(`DATABASE_URL "sqlite:" names no file: expected ${ACCEPTED_FORMS}.`);
  }
  const memory = location === ':memory:';
  const file = memory ? ':memory:' : resolve(location);
  let database: BetterSqlite3.Database | undefined;
  try {
    if (!memory) {
      mkdirSync(dirname(file), { recursive: true });
      // The store holds names, e-mail addresses and phones: readable by its owner only. SQLite gives
      // its -wal and -shm files the database file's permissions.
      closeSync(openSync(file, 'a', 0o600));
    }
    database = new BetterSqlite3(file);
    // WAL lets readers (the console, `provisio logs`) run while a cycle writes; NORMAL sync is
    // durable across application crashes in WAL mode and much faster than FULL. The first pragma
    // is also where a file that is not a SQLite database is detected.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database?.close();
    throw new Error(`Cannot open the SQLite state store at ${file} (DATABASE_URL): ${messageOf(error)}`, {
      cause: error,
    });
  }
  // SQLite's built-in lower() folds ASCII only; the log's display-name search should find "Özil"
  // when asked for "özil", as PostgreSQL's lower() does under a UTF-8 locale.
  database.function('lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return new KyselyStateStore(db, { dialect: 'sqlite' });
}

async function openPostgres(url: string): Promise<StateStore> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client's error (server restart, network drop) is emitted on the pool; unhandled it
  // would crash the process. The pool discards that client and the next query connects afresh.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(
      `Cannot connect to the PostgreSQL state store at ${redactUrl(url)} (DATABASE_URL): ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyStateStore(db, { dialect: 'postgres' });
}

/** The URL with any password replaced, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(messageOf).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
