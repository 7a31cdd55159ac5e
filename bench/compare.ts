/**
 * The side-by-side run: the same N full HTTPS probes at the same concurrency through
 * blockwatch's engine (its own process) and blackbox_exporter, pair by pair, with each
 * prober's own CPU (utime+stime) and peak RSS read from /proc.
 */
import { runBlackbox } from './blackbox-driver.js';
import type { BlackboxProcess, ProberProcess } from './processes.js';
import { cpuSeconds, median, peakRss } from './proc.js';
import type { RunRequest, RunResult, SideRun } from './protocol.js';

export interface PairRun {
  blockwatch: SideRun;
  blackbox: SideRun;
  /** blockwatch / blackbox, this pair. */
  ratios: { cpuPerProbe: number; probesPerSecond: number; peakRss: number };
}

export interface CompareResult {
  n: number;
  concurrency: number;
  repetitions: number;
  pairs: PairRun[];
  /** Medians over pairs of the pair-by-pair ratios. */
  ratios: { cpuPerProbe: number; probesPerSecond: number; peakRss: number };
  medians: { blockwatch: Omit<SideRun, 'n' | 'concurrency'>; blackbox: Omit<SideRun, 'n' | 'concurrency'> };
}

async function measured(pid: number, req: RunRequest, go: () => Promise<RunResult>): Promise<SideRun> {
  const cpu0 = cpuSeconds(pid);
  const r = await go();
  const cpu = cpuSeconds(pid) - cpu0;
  const ok = r.samples.filter((s) => s.ok).length;
  return {
    n: req.n,
    concurrency: req.concurrency,
    ok,
    wallSeconds: r.wallSeconds,
    cpuSeconds: cpu,
    probesPerSecond: req.n / r.wallSeconds,
    cpuPerProbe: cpu / req.n,
    peakRssBytes: peakRss(pid),
  };
}

function medianSide(runs: SideRun[]): Omit<SideRun, 'n' | 'concurrency'> {
  const m = (f: (r: SideRun) => number) => median(runs.map(f));
  return {
    ok: m((r) => r.ok),
    wallSeconds: m((r) => r.wallSeconds),
    cpuSeconds: m((r) => r.cpuSeconds),
    probesPerSecond: m((r) => r.probesPerSecond),
    cpuPerProbe: m((r) => r.cpuPerProbe),
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
  };
}

export async function compare(
  prober: ProberProcess,
  blackbox: BlackboxProcess,
  base: Omit<RunRequest, 'n' | 'concurrency'>,
  opts: { n: number; concurrency: number; repetitions: number; log?: (s: string) => void },
): Promise<CompareResult> {
  const req: RunRequest = { ...base, n: opts.n, concurrency: opts.concurrency };
  // Warm both up (JIT, page cache, first allocations) before anything is counted.
  const warm = { ...req, n: Math.min(req.n, Math.max(20, req.concurrency * 2)) };
  await prober.run(warm);
  await runBlackbox(blackbox.port, blackbox.module, warm);
  const pairs: PairRun[] = [];
  for (let i = 0; i < opts.repetitions; i++) {
    // Alternate which side goes first, so drift on a shared machine does not favour one.
    const bwFirst = i % 2 === 0;
    const runBw = () => measured(prober.pid, req, () => prober.run(req));
    const runBb = () => measured(blackbox.pid, req, () => runBlackbox(blackbox.port, blackbox.module, req));
    const a = bwFirst ? await runBw() : await runBb();
    const b = bwFirst ? await runBb() : await runBw();
    const [bw, bb] = bwFirst ? [a, b] : [b, a];
    const pair: PairRun = {
      blockwatch: bw,
      blackbox: bb,
      ratios: {
        cpuPerProbe: bw.cpuPerProbe / bb.cpuPerProbe,
        probesPerSecond: bw.probesPerSecond / bb.probesPerSecond,
        peakRss: bw.peakRssBytes / bb.peakRssBytes,
      },
    };
    pairs.push(pair);
    opts.log?.(
      `  pair ${i + 1}: blockwatch ${bw.probesPerSecond.toFixed(0)}/s ${(bw.cpuPerProbe * 1e3).toFixed(3)} ms CPU/probe (${bw.ok}/${bw.n} ok); ` +
        `blackbox ${bb.probesPerSecond.toFixed(0)}/s ${(bb.cpuPerProbe * 1e3).toFixed(3)} ms CPU/probe (${bb.ok}/${bb.n} ok)`,
    );
  }
  return {
    n: opts.n,
    concurrency: opts.concurrency,
    repetitions: opts.repetitions,
    pairs,
    ratios: {
      cpuPerProbe: median(pairs.map((p) => p.ratios.cpuPerProbe)),
      probesPerSecond: median(pairs.map((p) => p.ratios.probesPerSecond)),
      peakRss: median(pairs.map((p) => p.ratios.peakRss)),
    },
    medians: { blockwatch: medianSide(pairs.map((p) => p.blockwatch)), blackbox: medianSide(pairs.map((p) => p.blackbox)) },
  };
}
