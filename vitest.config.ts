import { defineConfig } from 'vitest/config';

// Tests are named for what they need: `*.test.ts` is pure and in-process, `*.integration.test.ts`
// starts real servers (emulators over loopback sockets, subprocesses) or needs a database.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['packages/*/test/**/*.integration.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.integration.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
