/** The bench's results: the machine and versions, then JSON and a markdown table in bench/results/. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { AccuracyResult } from './accuracy.js';
import type { AlertResult } from './alert-latency.js';
import type { CompareResult } from './compare.js';
import { SCRAPE_SECONDS, type DaemonPair, type DaemonResult } from './daemon.js';
import type { PartsResult } from './parts.js';
import type { CpuProfileResult } from './cpu-profile.js';
import type { DaemonProfileResult } from './daemon-profile.js';
import type { WholeCheckResult } from './whole-check.js';
import type { MetricsResult } from './metrics-render.js';
import { BLACKBOX_BIN } from './processes.js';
import { median } from './proc.js';
import type { ScaleResult } from './scale.js';
import { VERSION } from '../src/version.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  blockwatch: string;
  /** The commit measured, and whether the work tree had changes on top of it. */
  commit: string;
  blackboxExporter: string;
}

export interface BenchResults {
  schema: 'blockwatch.bench/v1';
  profile: string;
  startedAt: string;
  finishedAt?: string;
  machine: Machine;
  sections: {
    check?: WholeCheckResult;
    daemon?: DaemonResult;
    daemonProfile?: DaemonProfileResult;
    parts?: PartsResult;
    profile?: CpuProfileResult;
    compare?: CompareResult;
    accuracy?: AccuracyResult;
    scale?: ScaleResult;
    metrics?: MetricsResult;
    alerts?: AlertResult;
  };
}

function blackboxVersion(): string {
  try {
    const out = execFileSync(BLACKBOX_BIN, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /version (\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch (err) {
    const e = err as { stderr?: string };
    return /version (\S+)/.exec(e.stderr ?? '')?.[1] ?? 'not found';
  }
}

function gitCommit(): string {
  try {
    const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--untracked-files=no']) ? ' (with local changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** A CPU profile's summary as two tables: self time by part of the process, and the functions with the most. */
function profileTables(p: Pick<CpuProfileResult, 'parts' | 'functions'>): string[] {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return [
    '| part | ms | share |',
    '|---|---|---|',
    ...p.parts.map((x) => `| ${x.part} | ${x.ms.toFixed(0)} | ${pct(x.share)} |`),
    '',
    '| function (most self time) | where | ms | share |',
    '|---|---|---|---|',
    ...p.functions.map((f) => `| ${f.name} | ${f.where} | ${f.ms.toFixed(0)} | ${pct(f.share)} |`),
    '',
  ];
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    node: process.version,
    blockwatch: VERSION,
    commit: gitCommit(),
    blackboxExporter: blackboxVersion(),
  };
}

const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const ms = (s: number) => `${(s * 1e3).toFixed(3)} ms`;
const x = (r: number) => `${r.toFixed(2)}×`;
const verdict = (met: boolean) => (met ? 'met' : '**not met**');

export function markdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [
    '# blockwatch benchmark results',
    '',
    `Profile \`${r.profile}\`, ${r.startedAt} – ${r.finishedAt ?? ''}.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}; Node ${m.node}; blockwatch ${m.blockwatch} (commit ${m.commit ?? 'unknown'}); blackbox_exporter ${m.blackboxExporter}.`,
    '',
  ];
  const w = r.sections.check;
  if (w) {
    const pairs = w.pairs;
    const med = (f: (p: (typeof pairs)[number]) => number) => median(pairs.map(f));
    out.push(
      `## The whole \`blockwatch check\` against blackbox_exporter (N = ${w.n} HTTPS targets, concurrency ${w.concurrency}, workers: ${w.workers}, ${w.repetitions} pairs, medians)`,
      '',
      `blockwatch's figures are its whole process (every thread, start-up, analysis, the report); blackbox_exporter's are its process while it answers N probe requests. Start-up (a check of one target): ${(w.startup.cpuSeconds * 1e3).toFixed(0)} ms CPU, ${(w.startup.wallSeconds * 1e3).toFixed(0)} ms wall, ${MB(w.startup.peakRssBytes)} peak RSS.`,
      '',
      '| figure | blockwatch check | without start-up | blackbox_exporter | ratio (whole) | ratio (without start-up) | target | |',
      '|---|---|---|---|---|---|---|---|',
      `| CPU per probe | ${ms(med((p) => p.blockwatch.cpuPerProbe))} | ${ms(med((p) => p.blockwatchNoStartup.cpuPerProbe))} | ${ms(med((p) => p.blackbox.cpuPerProbe))} | ${x(w.ratios.cpuPerProbe)} | ${x(w.ratios.cpuPerProbeNoStartup)} | ≤ 1.00× | ${verdict(w.ratios.cpuPerProbe <= 1)} |`,
      `| probes per second | ${med((p) => p.blockwatch.probesPerSecond).toFixed(0)} | ${med((p) => p.blockwatchNoStartup.probesPerSecond).toFixed(0)} | ${med((p) => p.blackbox.probesPerSecond).toFixed(0)} | ${x(w.ratios.probesPerSecond)} | ${x(w.ratios.probesPerSecondNoStartup)} | ≥ 1.00× | ${verdict(w.ratios.probesPerSecond >= 1)} |`,
      `| peak RSS | ${MB(Math.max(...w.pairs.map((p) => p.blockwatch.peakRssBytes)))} | | | | | — | |`,
      `| successful probes | ${med((p) => p.blockwatch.ok)}/${w.n} | | ${med((p) => p.blackbox.ok)}/${w.n} | | | | |`,
      '',
    );
  }
  const d = r.sections.daemon;
  if (d) {
    const med = (f: (p: DaemonPair) => number) => median(d.pairs.map(f));
    out.push(
      `## The daemon, warm, against blackbox_exporter (N = ${d.n} HTTPS targets every ${d.intervalSeconds} s, concurrency ${d.concurrency}, ${d.pairs.length} rounds, medians)`,
      '',
      `Each pair: the CPU of the whole \`blockwatch run\` process from the end of one round to the end of the next (its /metrics scraped every ${SCRAPE_SECONDS} s, as by a Prometheus with that scrape interval; round ends read from its log), then blackbox_exporter's CPU in the gap before the next round: at the daemon's pace (the daemon spreads a round over ${d.spreadSeconds} s, as Prometheus spreads its scrapes over the interval; blackbox_exporter answers ${Math.ceil(d.n / 2)} probes spread over ${d.spreadSeconds / 2} s, the same probes per second), and in a burst (N probes at the concurrency, as fast as it answers). The target is read against the same pace.`,
      '',
      '| figure | blockwatch run | blackbox_exporter at the same pace | ratio | blackbox_exporter in a burst | ratio | target | |',
      '|---|---|---|---|---|---|---|---|',
      `| CPU per probe | ${ms(med((p) => p.blockwatch.cpuPerProbe))} | ${ms(med((p) => p.blackbox.cpuPerProbe))} | ${x(d.ratio)} | ${ms(med((p) => p.blackboxBurst.cpuPerProbe))} | ${x(d.ratioBurst)} | ≤ 0.80× | ${verdict(d.ratio <= 0.8)} |`,
      `| peak RSS | ${MB(d.peakRssBytes)} | | | | | | |`,
      `| probes not ok (all targets are up) | ${d.notOk} | | | | | 0 | |`,
      '',
    );
  }
  const dp = r.sections.daemonProfile;
  if (dp) {
    out.push(
      `## Where the CPU of the warm daemon goes (\`node --cpu-prof\`, ${dp.rounds} round${dp.rounds === 1 ? '' : 's'} over N = ${dp.n} HTTPS targets every ${dp.intervalSeconds} s, concurrency ${dp.concurrency}; ${dp.probes} probes, ${dp.notOk} not ok)`,
      '',
      `The daemon section's config, its /metrics scraped every ${SCRAPE_SECONDS} s. The first ${(dp.warmupMs / 1000).toFixed(1)} s of the profile (start-up and a first round) are left out. Self time of ${dp.totalMs.toFixed(0)} ms of samples, idle excluded, by the part of the process that held it.`,
      '',
      ...profileTables(dp),
    );
  }
  const pt = r.sections.parts;
  if (pt) {
    const f = (v: number) => `${v.toFixed(3)} ms`;
    out.push(
      `## The parts of a probe (CPU of the prober's process per operation, ${pt.blocks} blocks of ${pt.n} at concurrency ${pt.concurrency}, medians)`,
      '',
      '| operation | as Node does it by default / with an undici Client | as blockwatch does it | saved |',
      '|---|---|---|---|',
      `| TLS handshake with chain and name validation | ${f(pt.ms.handshake_node_default)} | ${f(pt.ms.handshake_blockwatch)} | ${f(pt.ms.handshake_node_default - pt.ms.handshake_blockwatch)} |`,
      `| handshake, then GET and a 1 KiB body | ${f(pt.ms.get_undici_client)} | ${f(pt.ms.get_blockwatch)} | ${f(pt.ms.get_undici_client - pt.ms.get_blockwatch)} |`,
      '',
    );
  }
  const pr = r.sections.profile;
  if (pr) {
    out.push(
      `## Where the CPU of a check goes (\`node --cpu-prof\`, one check over N = ${pr.n} HTTPS targets, concurrency ${pr.concurrency}, in one thread; ${pr.ok}/${pr.n} ok)`,
      '',
      `Self time of ${pr.totalMs.toFixed(0)} ms of samples, idle excluded, by the part of the process that held it.`,
      '',
      ...profileTables(pr),
    );
  }
  const c = r.sections.compare;
  if (c) {
    const bw = c.medians.blockwatch;
    const bb = c.medians.blackbox;
    out.push(
      `## The engine alone, side by side with blackbox_exporter (N = ${c.n} full HTTPS probes, concurrency ${c.concurrency}, ${c.repetitions} pairs, medians)`,
      '',
      '| figure | blockwatch | blackbox_exporter | ratio (median of pairs) | target | |',
      '|---|---|---|---|---|---|',
      `| CPU per probe | ${ms(bw.cpuPerProbe)} | ${ms(bb.cpuPerProbe)} | ${x(c.ratios.cpuPerProbe)} | ≤ 0.80× | ${verdict(c.ratios.cpuPerProbe <= 0.8)} |`,
      `| probes per second | ${bw.probesPerSecond.toFixed(0)} | ${bb.probesPerSecond.toFixed(0)} | ${x(c.ratios.probesPerSecond)} | ≥ 1.20× | ${verdict(c.ratios.probesPerSecond >= 1.2)} |`,
      `| peak RSS | ${MB(bw.peakRssBytes)} | ${MB(bb.peakRssBytes)} | ${x(c.ratios.peakRss)} | — | |`,
      `| successful probes | ${bw.ok}/${c.n} | ${bb.ok}/${c.n} | | | |`,
      '',
    );
  }
  const a = r.sections.accuracy;
  if (a) {
    out.push(
      '## Timing accuracy (ServerHello and first byte each held D ms; error = measured − D, in ms)',
      '',
      `Each prober's own undelayed phase (p50, c=1, the handshake and exchange themselves): blockwatch tls ${a.baseline.blockwatch.tlsMs.toFixed(2)} ms, ttfb ${a.baseline.blockwatch.ttfbMs.toFixed(2)} ms; blackbox_exporter tls ${a.baseline.blackbox.tlsMs.toFixed(2)} ms, ttfb ${a.baseline.blackbox.ttfbMs.toFixed(2)} ms. Subtract these from the errors below to see what delay alone adds.`,
      '',
      '| concurrency | D | offered/s | prober | tls p50 | tls p99 | ttfb p50 | ttfb p99 | ok |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    const f = (v: number) => v.toFixed(2);
    for (const row of a.rows) {
      out.push(
        `| ${row.concurrency} | ${row.delayMs} | ${row.offeredPerSecond.toFixed(0)} | blockwatch | ${f(row.blockwatch.tls.p50Ms)} | ${f(row.blockwatch.tls.p99Ms)} | ${f(row.blockwatch.ttfb.p50Ms)} | ${f(row.blockwatch.ttfb.p99Ms)} | ${row.blockwatch.ok}/${row.n} |`,
        `| ${row.concurrency} | ${row.delayMs} | | blackbox_exporter | ${f(row.blackbox.tls.p50Ms)} | ${f(row.blackbox.tls.p99Ms)} | ${f(row.blackbox.ttfb.p50Ms)} | ${f(row.blackbox.ttfb.p99Ms)} | ${row.blackbox.ok}/${row.n} |`,
        `| ${row.concurrency} | ${row.delayMs} | | injector (held − D) | ${f(row.injector.tls.p50Ms)} | ${f(row.injector.tls.p99Ms)} | ${f(row.injector.ttfb.p50Ms)} | ${f(row.injector.ttfb.p99Ms)} | |`,
      );
    }
    const top = a.rows.find((r) => r.concurrency >= 200 && !r.note.includes('saturated')) ?? a.rows.at(-1);
    if (top) {
      const worst = Math.max(Math.abs(top.blockwatch.tls.p99Ms), Math.abs(top.blockwatch.ttfb.p99Ms));
      out.push('', `Target: p99 error < 2 ms at ${top.concurrency} concurrent (${top.note}): ${verdict(worst < 2)} (blockwatch worst p99 ${worst.toFixed(2)} ms).`);
      for (const row of a.rows) out.push(`- c=${row.concurrency}, D=${row.delayMs} ms: ${row.note}.`);
    }
    out.push('');
  }
  const s = r.sections.scale;
  if (s) {
    out.push(
      `## Scale: \`blockwatch run\` with ${s.targets} targets every ${s.intervalSeconds} s (concurrency ${s.concurrency})`,
      '',
      '| figure | value | target | |',
      '|---|---|---|---|',
      `| peak RSS (VmHWM) | ${MB(s.peakRssBytes)} | < 150 MB | ${verdict(s.peakRssBytes < 150e6)} |`,
      `| RSS once serving, before its first round is done (config and catalogues loaded) | ${MB(s.servingRssBytes)} | | |`,
      `| RSS at the end | ${MB(s.endRssBytes)} (V8 heap used ${MB(s.heapUsedBytes)} of ${MB(s.memory?.heapTotalBytes ?? NaN)} reserved, external ${MB(s.externalBytes)}) | | |`,
      `| RSS at the end by kind | anonymous ${MB(s.endRssParts.anonBytes)}; file-backed ${MB(s.endRssParts.fileBytes)} (the node binary's and libraries' pages) | | |`,
      `| RSS of a bare node process (\`node -e\` with a timer), for scale | ${MB(s.bareNodeRssBytes)} | | |`,
      `| V8 heap in use by space at the end | ${Object.entries(s.memory?.spacesUsedBytes ?? {}).map(([k, v]) => `${k} ${MB(v)}`).join(', ')} | | |`,
      `| CPU, steady state | ${(s.cpuFraction * 100).toFixed(1)}% of one core over ${s.observedSeconds.toFixed(0)} s | | |`,
      `| CPU per probe | ${ms(s.cpuPerProbe)} | | |`,
      `| probes done / rounds | ${s.probes} / ${s.rounds} | | |`,
      `| rounds skipped | ${s.roundsSkipped} | | |`,
      `| probes not ok (all targets are up) | ${s.notOk} | 0 | |`,
      '',
    );
  }
  const mt = r.sections.metrics;
  if (mt) {
    out.push(
      `## /metrics render (${mt.series} series, ${mt.repetitions} renders)`,
      '',
      '| figure | value | target | |',
      '|---|---|---|---|',
      `| render time, median | ${mt.medianMs.toFixed(1)} ms | < 100 ms | ${verdict(mt.medianMs < 100)} |`,
      `| render time, max | ${mt.maxMs.toFixed(1)} ms | | |`,
      `| size | ${MB(mt.bytes)} | | |`,
      '',
    );
  }
  const al = r.sections.alerts;
  if (al) {
    out.push(`## Alert latency in the lab (interval ${al.intervalSeconds} s)`, '');
    if (al.error) out.push(`Not measured: ${al.error}`, '');
    else {
      out.push(
        '| figure | value | target | |',
        '|---|---|---|---|',
        `| block onset → webhook, median (${al.latencies.length} trials) | ${al.medianSeconds.toFixed(1)} s | ≤ ${al.intervalSeconds + 15} s | ${verdict(al.maxSeconds <= al.intervalSeconds + 15)} |`,
        `| block onset → webhook, max | ${al.maxSeconds.toFixed(1)} s | | |`,
        `| false alerts at ${al.lossPercent}% loss over ${al.lossMinutes} min | ${al.falseAlerts ?? 'not run'}${(al.falseAlertLabels ?? []).map((l) => ` (${Object.entries(l).map(([k, v]) => `${k}=${v}`).join(', ')})`).join('')} | 0 | ${al.falseAlerts === null ? '' : verdict(al.falseAlerts === 0)} |`,
        '',
      );
    }
  }
  return out.join('\n');
}

/** Writes `NAME.json` (every figure) and `NAME.md` (the tables) into `dir`; returns both paths. */
export function writeBoth<T>(dir: string, name: string, r: T, toMarkdown: (r: T) => string): string[] {
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(md, `${toMarkdown(r)}\n`);
  return [json, md];
}

export const writeResults = (dir: string, r: BenchResults): string[] => writeBoth(dir, 'latest', r, markdown);
