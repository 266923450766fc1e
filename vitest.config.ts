import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // Tests that run real local shells (the built commands under sh/dash/bash, quote fuzzing):
      // seconds, not milliseconds, so kept out of the fast unit suite.
      { test: { name: 'shell', include: ['test/shell/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'transport', include: ['test/transport/**/*.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'fleet',
          include: ['test/fleet/**/*.test.ts'],
          globalSetup: ['test/fleet/global-setup.ts'],
          // One fleet, one rollout at a time: every file in one fork, one after another.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          sequence: { concurrent: false },
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
