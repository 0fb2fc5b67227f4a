/**
 * A PostgreSQL database of its own for a test: created on the server at PROVISIO_TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/test) and dropped afterwards. When no server answers,
 * `pgSkip` says so (the test is skipped with that message), except under CI, where the test fails.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env['PROVISIO_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = (process.env['CI'] ?? '') !== '';

async function unreachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return null;
  } catch (error) {
    const detail = error instanceof AggregateError ? error.errors.map(String).join('; ') : String(error);
    return detail === '' ? 'connection failed' : detail;
  } finally {
    await client.end().catch(() => {});
  }
}

const problem = await unreachable(PG_URL);

/** Why the PostgreSQL tests are skipped here, or null when they run. */
export const pgSkip: string | null =
  problem !== null && !IN_CI
    ? `PostgreSQL not reachable at ${PG_URL} (${problem}): skipped. Set PROVISIO_TEST_DATABASE_URL to point at a server; under CI this is a failure.`
    : null;
if (pgSkip !== null) console.warn(pgSkip);

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (problem !== null)
    throw new Error(`PostgreSQL not reachable at ${PG_URL} (${problem}), and CI is set: this test must run.`);
  const name = `provisio_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
