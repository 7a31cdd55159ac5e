/**
 * /metrics at scale, in process: a Metrics instance configured for enough vantages × apps ×
 * targets to reach the wanted number of series, every series given a value, then render()
 * timed over repetitions (median, max) and its size.
 */
import { Metrics } from '../src/metrics/index.js';
import type { App, AppVerdict, Config, Target, Vantage } from '../src/model/index.js';
import { median } from './proc.js';

export interface MetricsResult {
  series: number;
  wantedSeries: number;
  vantages: number;
  apps: number;
  targetsPerApp: number;
  repetitions: number;
  medianMs: number;
  maxMs: number;
  bytes: number;
}

const VANTAGES = 10;
const TARGETS = 10;
const TIMINGS = { dns: 0.004, connect: 0.012, tls: 0.031, ttfb: 0.048, total: 0.09 };

function syntheticConfig(apps: number): Config {
  const vantages: Vantage[] = Array.from({ length: VANTAGES }, (_, i) => ({
    id: `v${i}`,
    resolver: { type: 'system' },
    labels: { country: 'XX', asn: String(64_500 + i) },
    control: i === 0,
  }));
  const appList: App[] = Array.from({ length: apps }, (_, a) => ({
    id: `app${a}`,
    name: `App ${a}`,
    sources: ['synthetic'],
    file: `app${a}.yaml`,
    groups: {},
    targets: Array.from({ length: TARGETS }, (_, t): Target => ({ id: `t${t}`, kind: 'https', url: `https://app${a}.example/` })),
  }));
  return {
    file: '/synthetic.yaml',
    probesDir: '/synthetic',
    apps: appList,
    schedule: { cron: '* * * * *', jitterMs: 0, concurrency: 64, timeoutMs: 10_000 },
    vantages,
    control: { resolver: { type: 'system' } },
    canaries: [],
    tls: { extraCA: [] },
    server: { host: '127.0.0.1', port: 0, enableReload: false },
    alerts: { confirm: { attempts: 2, spacingMs: 3000 }, resolveAfter: 2, repeatMs: 4 * 3_600_000, resendMs: 60_000, receivers: [], externalUrl: '' },
    evidence: null,
    fingerprints: { dns: [], http: [] },
    fingerprintSources: [],
    limits: { bodyBytes: 64_000, dnsReplyWindowMs: 300, stallMs: 5000 },
  };
}

/** Sample lines (not # HELP/# TYPE) in an exposition. */
function countSeries(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line && line[0] !== '#') n++;
  return n;
}

function fill(metrics: Metrics, config: Config): void {
  for (const v of config.vantages) {
    metrics.recordVantage({ id: v.id, online: true, state: 'online', reason: null, control: v.control, labels: v.labels });
    metrics.roundDone(v.id, new Date());
    for (const app of config.apps) {
      for (const t of app.targets) metrics.recordProbe(v.id, app.id, t.kind, 'ok', TIMINGS);
      const verdict: AppVerdict = {
        app: app.id,
        vantage: v.id,
        status: 'reachable',
        patterns: [],
        targets: app.targets.map((t) => ({ id: t.id, kind: t.kind, input: '', status: 'ok', pattern: null, failure: null, operation: null, timings: TIMINGS, evidence: {}, diagnosis: null, basis: null, trials: { run: 1, blocked: 0 } })),
      };
      metrics.recordApp(verdict);
    }
  }
}

export async function renderBench(opts: { series: number; repetitions: number; log?: (s: string) => void }): Promise<MetricsResult> {
  // Series per (vantage, app) measured on a one-app config, then scaled to the wanted count.
  const probe = new Metrics({ version: 'bench', defaultMetrics: false });
  const one = syntheticConfig(1);
  probe.configure(one);
  fill(probe, one);
  const perApp = countSeries(await probe.render()) / VANTAGES;
  const apps = Math.max(1, Math.ceil(opts.series / (perApp * VANTAGES)));

  const config = syntheticConfig(apps);
  const metrics = new Metrics({ version: 'bench' });
  metrics.configure(config);
  fill(metrics, config);
  const first = await metrics.render();
  const times: number[] = [];
  for (let i = 0; i < opts.repetitions; i++) {
    const t0 = performance.now();
    await metrics.render();
    times.push(performance.now() - t0);
  }
  const result: MetricsResult = {
    series: countSeries(first),
    wantedSeries: opts.series,
    vantages: VANTAGES,
    apps,
    targetsPerApp: TARGETS,
    repetitions: opts.repetitions,
    medianMs: median(times),
    maxMs: Math.max(...times),
    bytes: Buffer.byteLength(first),
  };
  opts.log?.(`  ${result.series} series, ${(result.bytes / 1e6).toFixed(1)} MB: median ${result.medianMs.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms`);
  return result;
}
