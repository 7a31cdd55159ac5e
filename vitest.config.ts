import { defineConfig } from 'vitest/config';

/** Suites that build the censorship lab (network namespaces) or drive it. */
const LAB = [
  'test/lab/topology.test.ts',
  'test/lab/udp-wire.test.ts',
  'test/lab/lab.test.ts',
  'test/lab/incidents.test.ts',
  'test/lab/daemon.test.ts',
  'test/lab/walled-daemon.test.ts',
  'test/e2e/prometheus-lab.test.ts',
  'test/lab/page-browser.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        // Loopback suites: in parallel.
        // Projects do not inherit the root's timeouts: a CLI process started on a busy machine needs more than vitest's 5 s default.
        test: { name: 'loopback', include: ['test/**/*.test.ts'], exclude: LAB, testTimeout: 30_000, hookTimeout: 120_000, sequence: { groupOrder: 0 } },
      },
      {
        // Lab suites: one at a time, after the others, so that probe timings and
        // throughput checks do not compete for this machine's cores.
        test: {
          name: 'lab',
          include: LAB,
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
