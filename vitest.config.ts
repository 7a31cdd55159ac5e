import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The lab suites share one set of network namespaces; run files one at a time there.
    fileParallelism: true,
    pool: 'forks',
  },
});
