import { defineConfig } from 'vitest/config';

/**
 * Suites that build the censorship lab (network namespaces) and run `check` over its
 * scenarios: probe timings and throughput are compared there, so they run one at a time.
 */
const LAB_SCENARIOS = ['test/lab/topology.test.ts', 'test/lab/udp-wire.test.ts', 'test/lab/lab.test.ts', 'test/lab/incidents.test.ts'];
/**
 * Lab suites that run the daemon and wait for its rounds and alerts: mostly waiting on its
 * schedule, so they run one at a time beside the scenario suites (each lab has namespaces of
 * its own), not after them.
 */
const LAB_DAEMONS = ['test/lab/daemon.test.ts', 'test/lab/walled-daemon.test.ts', 'test/e2e/prometheus-lab.test.ts', 'test/lab/page-browser.test.ts'];

// Projects do not inherit the root's timeouts: each sets its own (a CLI process started on a
// busy machine needs more than vitest's 5 s default).
const timeouts = { testTimeout: 30_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    ...timeouts,
    pool: 'forks',
    // Two files at once: loopback suites side by side, then the two lab lanes side by side.
    maxWorkers: 2,
    projects: [
      {
        test: { name: 'loopback', include: ['test/**/*.test.ts'], exclude: [...LAB_SCENARIOS, ...LAB_DAEMONS], ...timeouts, sequence: { groupOrder: 0 } },
      },
      {
        test: { name: 'lab', include: LAB_SCENARIOS, fileParallelism: false, ...timeouts, sequence: { groupOrder: 1 } },
      },
      {
        test: { name: 'lab-daemons', include: LAB_DAEMONS, fileParallelism: false, ...timeouts, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
