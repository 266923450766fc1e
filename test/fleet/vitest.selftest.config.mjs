// Runs only the testbed's self-test: npx vitest run --config test/fleet/vitest.selftest.config.mjs
export default {
  test: {
    include: ['test/fleet/fleet.selftest.ts'],
    testTimeout: 60_000,
    fileParallelism: false,
  },
};
