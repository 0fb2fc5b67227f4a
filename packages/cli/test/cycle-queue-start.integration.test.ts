/**
 * The queue of cycles opened by several processes at once on a new database, as `serve --workers
 * external` and its workers start together (docs/operations.md#workers): pg-boss's queue creation
 * can deadlock between them; every one must still open the queue, and one queue serves them all.
 * Each opening has a pg-boss of its own (its own pool), as a process would.
 */
import { openPgBossCycleQueue } from '@provisio/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, pgSkip, type TestDatabase } from './support/postgres.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

describe.skipIf(pgSkip !== null)('the queue of cycles, opened by several processes at once', () => {
  it('opens in every one of them, on a new database, with one queue shared by all', async () => {
    // A few rounds on fresh databases: the race is at the first creation only.
    for (let round = 0; round < 3; round += 1) {
      db = await createTestDatabase();
      const url = db.url;
      const errors: Error[] = [];
      const queues = await Promise.all(
        Array.from({ length: 6 }, () =>
          openPgBossCycleQueue({ databaseUrl: url, poolSize: 2, onError: (e) => errors.push(e) }),
        ),
      );
      try {
        const id = await queues[0]?.enqueue({ jobId: 'job-1', reason: 'runNow' }, { expireInSeconds: 60 });
        expect(id).toEqual(expect.any(String));
        // Any other opening takes it: the same queue.
        const taken = await queues[5]?.take();
        expect(taken).toMatchObject({ id, request: { jobId: 'job-1', reason: 'runNow' } });
        expect(await queues[3]?.take()).toBeNull();
      } finally {
        await Promise.all(queues.map((queue) => queue.close()));
      }
      expect(errors).toEqual([]);
      await db.drop();
      db = undefined;
    }
  }, 120_000);
});
