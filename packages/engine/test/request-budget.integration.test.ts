/**
 * The request budget shared through the state store (state/request-budget.ts): two budget instances,
 * each on a store connection of its own (as two `provisio worker` processes would be), draw from one
 * account's budget on one database under an injected clock. In no 60-second window do they start
 * more requests together than the account's limit, and they still use most of it. Run on SQLite and
 * on PostgreSQL (PROVISIO_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test; skipped with
 * a warning when unreachable, a failure under CI).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../src/ports/state.js';
import { openStateStore } from '../src/state/open.js';
import { bucketFor, storeRequestBudget } from '../src/state/request-budget.js';
import { FakeClock } from './support/fake-clock.js';

const PG_URL = process.env['PROVISIO_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = (process.env['CI'] ?? '') !== '';

async function pgProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return null;
  } catch (error) {
    return String(error) || 'connection failed';
  } finally {
    await client.end().catch(() => {});
  }
}
const problem = await pgProblem();
const pgSkipped = problem !== null && !IN_CI;
if (pgSkipped)
  console.warn(
    `PostgreSQL not reachable at ${PG_URL} (${problem}): skipping the PostgreSQL request budget test. Under CI this is a failure.`,
  );

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function sqliteUrl(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'provisio-budget-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return `sqlite:${join(dir, 'state.db')}`;
}

async function postgresUrl(): Promise<string> {
  if (problem !== null) throw new Error(`PostgreSQL not reachable at ${PG_URL} (${problem}), and CI is set.`);
  const name = `provisio_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const backends = [
  { name: 'SQLite', skip: false, url: sqliteUrl },
  { name: 'PostgreSQL', skip: pgSkipped, url: postgresUrl },
];

describe('bucketFor', () => {
  it('never lets a full bucket plus a minute of refill pass the limit', () => {
    for (const limit of [2, 10, 200, 400, 700, 2500]) {
      const { capacity, perMs } = bucketFor(limit);
      expect(capacity).toBeGreaterThanOrEqual(1);
      expect(capacity + perMs * 60_000).toBeCloseTo(limit, 6);
    }
  });
});

describe.each(backends)('the shared request budget on $name', ({ name, skip, url }) => {
  it.skipIf(skip)(
    'keeps two processes together within the account limit in every 60-second window',
    async () => {
      const LIMIT = 60;
      const ACTORS_PER_PROCESS = 3;
      const MINUTES = 4;
      const database = await url();
      const stores: StateStore[] = [];
      for (let i = 0; i < 2; i++) {
        const store = await openStateStore(database);
        await store.migrate();
        stores.push(store);
        cleanups.push(() => store.close());
      }
      const clock = new FakeClock('2026-03-01T08:00:00.000Z');
      const start = clock.now().getTime();
      const grants: { at: number; process: number }[] = [];
      const stop = new AbortController();
      const actors = stores.flatMap((store, process) => {
        const budget = storeRequestBudget(store, clock);
        return Array.from({ length: ACTORS_PER_PROCESS }, async () => {
          while (!stop.signal.aborted) {
            await budget.acquire('https://acme.zendesk.com', LIMIT, stop.signal);
            if (stop.signal.aborted) return;
            grants.push({ at: clock.now().getTime(), process });
          }
        });
      });
      const actorCount = stores.length * ACTORS_PER_PROCESS;
      // Moves the clock only once every actor waits on it (its store calls done).
      const quiet = async () => {
        const until = Date.now() + 10_000;
        while (clock.pending < actorCount) {
          if (Date.now() > until) throw new Error(`${name}: actors did not settle`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      };
      for (let t = 0; t < MINUTES * 60_000; t += 250) {
        await quiet();
        await clock.advance(250);
      }
      await quiet();
      stop.abort();
      await Promise.all(actors);

      const times = grants.map((g) => g.at).sort((a, b) => a - b);
      for (let i = 0; i < times.length; i++) {
        const windowEnd = (times[i] as number) + 60_000;
        let n = 0;
        for (let j = i; j < times.length && (times[j] as number) < windowEnd; j++) n++;
        expect(
          n,
          `requests in the minute from ${new Date(times[i] as number).toISOString()}`,
        ).toBeLessThanOrEqual(LIMIT);
      }
      // Most of the budget is used (a limiter that starves is no budget), by both processes.
      expect(times.length).toBeGreaterThanOrEqual(LIMIT * MINUTES * 0.85);
      expect(times.length).toBeLessThanOrEqual(LIMIT * MINUTES + LIMIT / 10);
      expect(new Set(grants.map((g) => g.process)).size).toBe(2);
      expect(times[0]).toBe(start);
    },
    60_000,
  );
});
