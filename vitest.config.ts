import { defineConfig } from 'vitest/config';

/**
 * The censorship lab's suites (network namespaces, root), in two lanes that run side by side
 * after the loopback suites: each lane is one file importing its suites, so they run one after
 * another within it. The scenario lane compares probe timings and throughput; the daemon lane
 * mostly waits on the daemon's schedule. Each lab has namespaces of its own.
 */
const LANES = ['test/lab/lane-scenarios.test.ts', 'test/lab/lane-daemons.test.ts'];
/** The suites the lanes import: never run on their own. */
const LAB_SUITES = [
  'test/lab/topology.test.ts',
  'test/lab/udp-wire.test.ts',
  'test/lab/client-wire.test.ts',
  'test/lab/degree-wire.test.ts',
  'test/lab/lab.test.ts',
  'test/lab/incidents.test.ts',
  'test/lab/daemon.test.ts',
  'test/lab/walled-daemon.test.ts',
  'test/e2e/prometheus-lab.test.ts',
  'test/lab/page-browser.test.ts',
];

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
        test: { name: 'loopback', include: ['test/**/*.test.ts'], exclude: [...LANES, ...LAB_SUITES], ...timeouts, sequence: { groupOrder: 0 } },
      },
      {
        test: { name: 'lab', include: LANES, ...timeouts, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
