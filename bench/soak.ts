/**
 * `npm run bench -- soak`: the soak test's rounds (loopback targets that work, fail and misbehave)
 * run for minutes instead of seconds; the curves of RSS, heap, file descriptors and active handles
 * go to bench/results/soak.{json,md}.
 */
import { runSoak, type SoakResult, type SoakSample } from '../test/support/soak.js';
import { machine, writeBoth, type Machine } from './report.js';

export interface SoakOptions {
  minutes: number;
  parallel: number;
  sampleEvery: number;
  timeout: string;
  log(s: string): void;
}

export interface SoakBench extends Omit<SoakResult, 'samples'> {
  schema: 'blockwatch.soak/v1';
  startedAt: string;
  machine: Machine;
  options: Omit<SoakOptions, 'log'>;
  samples: SoakSample[];
}

export async function soak(o: SoakOptions): Promise<SoakBench> {
  const startedAt = new Date().toISOString();
  const until = performance.now() + o.minutes * 60_000;
  const MB = 1024 * 1024;
  const r = await runSoak({
    rounds: Number.MAX_SAFE_INTEGER,
    parallel: o.parallel,
    sampleEvery: o.sampleEvery,
    timeout: o.timeout,
    stop: () => performance.now() > until,
    onSample: (s) => o.log(`  round ${s.round}, ${s.seconds.toFixed(0)} s: rss ${(s.rssBytes / MB).toFixed(0)} MB, heap ${(s.heapUsedBytes / MB).toFixed(1)} MB, fds ${s.fds}, handles ${s.resourcesTotal}`),
  });
  const { log: _log, ...options } = o;
  return { schema: 'blockwatch.soak/v1', startedAt, machine: machine(), options, ...r };
}

const BARS = '▁▂▃▄▅▆▇█';

/** A one-line curve of `values`, scaled between their min and max. */
export function sparkline(values: number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => BARS[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

/** At most `n` samples, evenly spread, first and last included. */
function spread<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]);
}

export function soakMarkdown(r: SoakBench): string {
  const m = r.machine;
  const MB = (b: number) => (b / 1e6).toFixed(1);
  const after = r.samples.filter((s) => s.round >= r.rounds / 5);
  const first = after[0] ?? r.samples[0];
  const last = r.samples[r.samples.length - 1];
  const curve = spread(r.samples, 60);
  const kinds = ['TCPSocketWrap', 'UDPWrap', 'Timeout', 'TLSWrap'];
  const lines = [
    '# blockwatch soak',
    '',
    `${r.startedAt}, ${(r.seconds / 60).toFixed(1)} min: ${r.rounds} rounds (${r.options.parallel} at a time, probe timeout ${r.options.timeout}), ${r.probes} probes.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}; Node ${m.node}; blockwatch ${m.blockwatch}.`,
    '',
    `Verdicts: ${Object.entries(r.statuses)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}. Evidence lines written ${r.evidenceWritten}, lost ${r.evidenceDropped}. Alerts delivered ${r.alertsDelivered}, dropped ${r.alertsDropped} (a receiver failing every other time, a queue of 50).`,
    '',
    '## Curves (each from its minimum to its maximum)',
    '',
    '| figure | curve | min | max | after warm-up (20%) → end |',
    '|---|---|---|---|---|',
    `| RSS (MB) | ${sparkline(curve.map((s) => s.rssBytes))} | ${MB(Math.min(...r.samples.map((s) => s.rssBytes)))} | ${MB(Math.max(...r.samples.map((s) => s.rssBytes)))} | ${MB(first.rssBytes)} → ${MB(last.rssBytes)} |`,
    `| heap after GC (MB) | ${sparkline(curve.map((s) => s.heapUsedBytes))} | ${MB(Math.min(...r.samples.map((s) => s.heapUsedBytes)))} | ${MB(Math.max(...r.samples.map((s) => s.heapUsedBytes)))} | ${MB(first.heapUsedBytes)} → ${MB(last.heapUsedBytes)} |`,
    `| file descriptors | ${sparkline(curve.map((s) => s.fds))} | ${Math.min(...r.samples.map((s) => s.fds))} | ${Math.max(...r.samples.map((s) => s.fds))} | ${first.fds} → ${last.fds} |`,
    `| active handles | ${sparkline(curve.map((s) => s.resourcesTotal))} | ${Math.min(...r.samples.map((s) => s.resourcesTotal))} | ${Math.max(...r.samples.map((s) => s.resourcesTotal))} | ${first.resourcesTotal} → ${last.resourcesTotal} |`,
    '',
    '## Samples',
    '',
    `| round | min | RSS MB | heap MB | fds | handles | ${kinds.join(' | ')} |`,
    `|---|---|---|---|---|---|${kinds.map(() => '---|').join('')}`,
    ...spread(r.samples, 25).map(
      (s) =>
        `| ${s.round} | ${(s.seconds / 60).toFixed(1)} | ${MB(s.rssBytes)} | ${MB(s.heapUsedBytes)} | ${s.fds} | ${s.resourcesTotal} | ${kinds.map((k) => s.resources[k] ?? 0).join(' | ')} |`,
    ),
    '',
    'Every sample is in soak.json. The loopback peers run in the same process, so their sockets are counted too.',
  ];
  return lines.join('\n');
}

export const writeSoak = (dir: string, r: SoakBench): string[] => writeBoth(dir, 'soak', r, soakMarkdown);
