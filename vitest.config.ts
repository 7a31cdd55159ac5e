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
  'test/lab/mass-block-daemon.test.ts',
];

// Projects do not inherit the root's timeouts or setup: each sets its own. These only end a test
// that hangs: what a test asserts about time is in the test. A CLI process or a daemon started on
// a loaded machine may take tens of seconds, and a lab minutes, to come up.
const timeouts = { testTimeout: 120_000, hookTimeout: 300_000 };
// Every process a test starts ends with it, also when it fails or times out (test/support/children.ts).
const setupFiles = ['test/support/vitest-each-file.ts'];

export default defineConfig({
  test: {
    ...timeouts,
    // The run's folder and test PKI (test/support/run-pki.ts); what test files leave running is killed after the last (test-run.ts).
    globalSetup: ['test/support/vitest-global.ts'],
    pool: 'forks',
    // Two files at once: loopback suites side by side, then the two lab lanes side by side.
    maxWorkers: 2,
    projects: [
      {
        test: { name: 'loopback', include: ['test/**/*.test.ts'], exclude: [...LANES, ...LAB_SUITES], ...timeouts, setupFiles, sequence: { groupOrder: 0 } },
      },
      {
        test: { name: 'lab', include: LANES, ...timeouts, setupFiles, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
