/** How much work each kind of run does: full (`npm run bench`), quick (`--quick`), smoke (the test). */
import type { AccuracyLevel } from './accuracy.js';

export interface Profile {
  name: 'full' | 'quick' | 'smoke';
  sections: Array<'check' | 'daemon' | 'daemon-profile' | 'parts' | 'profile' | 'compare' | 'accuracy' | 'scale' | 'metrics' | 'alerts' | 'soak'>;
  /** The whole `check` process against blackbox_exporter. */
  check: { n: number; concurrency: number; repetitions: number };
  /** The daemon, warm: `pairs` of its rounds over n targets, each followed by blackbox_exporter's n probes. */
  daemon: { n: number; concurrency: number; pairs: number; intervalSeconds: number };
  /** The daemon's rounds over n targets under node --cpu-prof: a warm-up round, then `rounds` profiled. */
  daemonProfile: { n: number; concurrency: number; rounds: number; intervalSeconds: number };
  /** The parts of a probe in one process: n operations per block at the concurrency. */
  parts: { n: number; concurrency: number; blocks: number };
  /** One profiled check over n targets. */
  profile: { n: number; concurrency: number };
  compare: { n: number; concurrency: number; repetitions: number };
  accuracy: { levels: AccuracyLevel[] };
  /** settleSeconds: how long the first round runs before counting starts. */
  scale: { targets: number; apps: number; observeSeconds: number; settleSeconds: number; concurrency: number; intervalSeconds: number; rounds: number };
  metrics: { series: number; repetitions: number };
  alerts: { trials: number; intervalSeconds: number; lossPercent: number; lossMinutes: number };
  /**
   * Only with `-- soak`: rounds for `minutes`, `parallel` at a time, a sample every `sampleEvery`
   * rounds. Few enough at a time that probes finish rather than time out on a busy event loop, so
   * the mix of verdicts is the one the targets call for (the soak test trades that for speed).
   */
  soak: { minutes: number; parallel: number; sampleEvery: number; timeout: string };
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    sections: ['check', 'daemon', 'daemon-profile', 'parts', 'profile', 'compare', 'accuracy', 'scale', 'metrics', 'alerts'],
    check: { n: 2000, concurrency: 50, repetitions: 5 },
    daemon: { n: 2000, concurrency: 50, pairs: 5, intervalSeconds: 30 },
    daemonProfile: { n: 2000, concurrency: 50, rounds: 2, intervalSeconds: 30 },
    parts: { n: 300, concurrency: 10, blocks: 7 },
    profile: { n: 2000, concurrency: 50 },
    compare: { n: 2000, concurrency: 50, repetitions: 5 },
    accuracy: {
      levels: [
        { concurrency: 1, n: 150, delayMs: 50, note: 'one probe at a time' },
        { concurrency: 200, n: 2000, delayMs: 500, note: '200 in flight, ~200 probes/s offered: within capacity' },
        { concurrency: 200, n: 1000, delayMs: 50, note: '200 in flight, ~2000 probes/s offered: saturated, errors are queueing' },
      ],
    },
    scale: { targets: 10_000, apps: 100, observeSeconds: 60, settleSeconds: 0, concurrency: 256, intervalSeconds: 30, rounds: 3 },
    metrics: { series: 50_000, repetitions: 15 },
    alerts: { trials: 20, intervalSeconds: 30, lossPercent: 10, lossMinutes: 3 },
    soak: { minutes: 30, parallel: 8, sampleEvery: 200, timeout: '500ms' },
  },
  quick: {
    name: 'quick',
    sections: ['check', 'daemon', 'daemon-profile', 'parts', 'profile', 'compare', 'accuracy', 'scale', 'metrics'],
    check: { n: 2000, concurrency: 50, repetitions: 3 },
    daemon: { n: 2000, concurrency: 50, pairs: 3, intervalSeconds: 30 },
    daemonProfile: { n: 2000, concurrency: 50, rounds: 2, intervalSeconds: 30 },
    parts: { n: 300, concurrency: 10, blocks: 5 },
    profile: { n: 2000, concurrency: 50 },
    compare: { n: 1000, concurrency: 50, repetitions: 3 },
    accuracy: {
      levels: [
        { concurrency: 1, n: 50, delayMs: 50, note: 'one probe at a time' },
        { concurrency: 200, n: 1000, delayMs: 500, note: '200 in flight, ~200 probes/s offered: within capacity' },
      ],
    },
    scale: { targets: 10_000, apps: 100, observeSeconds: 60, settleSeconds: 0, concurrency: 256, intervalSeconds: 30, rounds: 3 },
    metrics: { series: 50_000, repetitions: 5 },
    alerts: { trials: 3, intervalSeconds: 30, lossPercent: 10, lossMinutes: 1 },
    soak: { minutes: 5, parallel: 8, sampleEvery: 100, timeout: '500ms' },
  },
  smoke: {
    name: 'smoke',
    sections: ['check', 'daemon', 'daemon-profile', 'parts', 'profile', 'compare', 'accuracy', 'metrics', 'scale'],
    check: { n: 6, concurrency: 2, repetitions: 1 },
    daemon: { n: 6, concurrency: 2, pairs: 1, intervalSeconds: 5 },
    daemonProfile: { n: 6, concurrency: 2, rounds: 1, intervalSeconds: 5 },
    parts: { n: 4, concurrency: 2, blocks: 1 },
    profile: { n: 6, concurrency: 2 },
    compare: { n: 6, concurrency: 2, repetitions: 1 },
    accuracy: {
      levels: [
        { concurrency: 1, n: 3, delayMs: 20, note: 'smoke' },
        { concurrency: 3, n: 6, delayMs: 20, note: 'smoke' },
      ],
    },
    scale: { targets: 20, apps: 2, observeSeconds: 1, settleSeconds: 0, concurrency: 32, intervalSeconds: 10, rounds: 1 },
    metrics: { series: 2_000, repetitions: 1 },
    alerts: { trials: 1, intervalSeconds: 30, lossPercent: 10, lossMinutes: 1 },
    soak: { minutes: 0.2, parallel: 8, sampleEvery: 20, timeout: '200ms' },
  },
};
