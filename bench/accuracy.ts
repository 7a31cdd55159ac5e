/**
 * Timing accuracy: probes of a target that holds its ServerHello and its response head
 * for a known D ms each; the error of each prober's tls and ttfb phases against D, at
 * several concurrencies (p50, p99), beside the injector's own error (the delay it really held).
 * Probe starts are spaced like a scheduled round's; a saturated level shows queueing instead.
 */
import { runBlackbox } from './blackbox-driver.js';
import { httpGet, type BlackboxProcess, type ProberProcess, type TargetProcess } from './processes.js';
import { quantile } from './proc.js';
import type { ProbeSample, RunRequest } from './protocol.js';

export interface ErrorStats {
  samples: number;
  /** Milliseconds measured minus injected. */
  p50Ms: number;
  p99Ms: number;
}

export interface AccuracyLevel {
  concurrency: number;
  n: number;
  /** Delay held before the ServerHello and before the response head, each. */
  delayMs: number;
  /** Why this level: steady load within the machine's capacity, or saturation. */
  note: string;
}

export interface AccuracyRow extends AccuracyLevel {
  /** Probes started per second at steady state (concurrency ÷ probe duration). */
  offeredPerSecond: number;
  blockwatch: { tls: ErrorStats; ttfb: ErrorStats; ok: number };
  blackbox: { tls: ErrorStats; ttfb: ErrorStats; ok: number };
  /** What the target really held, minus D, over both runs. */
  injector: { tls: ErrorStats; ttfb: ErrorStats };
}

export interface AccuracyResult {
  /** Each prober's own phase times (p50, ms) with no delay, one probe at a time: the handshake and exchange themselves. */
  baseline: { blockwatch: { tlsMs: number; ttfbMs: number }; blackbox: { tlsMs: number; ttfbMs: number } };
  rows: AccuracyRow[];
}

function stats(errorsMs: number[]): ErrorStats {
  return { samples: errorsMs.length, p50Ms: quantile(errorsMs, 0.5), p99Ms: quantile(errorsMs, 0.99) };
}

function phaseErrors(samples: ProbeSample[], phase: 'tls' | 'ttfb', delayMs: number): ErrorStats {
  return stats(samples.filter((s) => s.ok && s[phase] !== null).map((s) => s[phase]! * 1000 - delayMs));
}

async function holds(target: TargetProcess): Promise<{ tls: number[]; ttfb: number[] }> {
  return JSON.parse((await httpGet(`http://127.0.0.1:${target.controlPort}/_holds`)).body) as { tls: number[]; ttfb: number[] };
}

export async function accuracy(
  prober: ProberProcess,
  blackbox: BlackboxProcess,
  startDelayed: (delayMs: number) => Promise<TargetProcess>,
  base: Omit<RunRequest, 'n' | 'concurrency' | 'url'>,
  opts: { levels: AccuracyLevel[]; log?: (s: string) => void },
): Promise<AccuracyResult> {
  const rows: AccuracyRow[] = [];
  const plain = await startDelayed(0);
  const breq: RunRequest = { ...base, url: `https://127.0.0.1:${plain.port}/`, n: 40, concurrency: 1 };
  await prober.run({ ...breq, n: 10 });
  const p50 = (samples: ProbeSample[], phase: 'tls' | 'ttfb') => quantile(samples.filter((s) => s.ok && s[phase] !== null).map((s) => s[phase]! * 1000), 0.5);
  const bwBase = (await prober.run(breq)).samples;
  const bbBase = (await runBlackbox(blackbox.port, blackbox.module, breq)).samples;
  await plain.stop();
  const baseline = {
    blockwatch: { tlsMs: p50(bwBase, 'tls'), ttfbMs: p50(bwBase, 'ttfb') },
    blackbox: { tlsMs: p50(bbBase, 'tls'), ttfbMs: p50(bbBase, 'ttfb') },
  };
  opts.log?.(`  baseline (no delay, c=1) p50: blockwatch tls ${baseline.blockwatch.tlsMs.toFixed(2)} ttfb ${baseline.blockwatch.ttfbMs.toFixed(2)} ms; blackbox tls ${baseline.blackbox.tlsMs.toFixed(2)} ttfb ${baseline.blackbox.ttfbMs.toFixed(2)} ms`);
  for (const level of opts.levels) {
    const { concurrency, n, delayMs } = level;
    const target = await startDelayed(delayMs);
    const url = `https://127.0.0.1:${target.port}/`;
    // Starts spaced over one probe's duration, as the scheduler spreads a round.
    const req: RunRequest = { ...base, url, n, concurrency, spacingMs: (2 * delayMs) / concurrency };
    await prober.run({ ...req, n: Math.min(n, 20) });
    await runBlackbox(blackbox.port, blackbox.module, { ...req, n: Math.min(n, 20) });
    await holds(target);
    const bw = await prober.run(req);
    const bb = await runBlackbox(blackbox.port, blackbox.module, req);
    const h = await holds(target);
    await target.stop();
    const row: AccuracyRow = {
      ...level,
      offeredPerSecond: concurrency / ((2 * delayMs) / 1000),
      blockwatch: { tls: phaseErrors(bw.samples, 'tls', delayMs), ttfb: phaseErrors(bw.samples, 'ttfb', delayMs), ok: bw.samples.filter((s) => s.ok).length },
      blackbox: { tls: phaseErrors(bb.samples, 'tls', delayMs), ttfb: phaseErrors(bb.samples, 'ttfb', delayMs), ok: bb.samples.filter((s) => s.ok).length },
      injector: { tls: stats(h.tls.map((x) => x - delayMs)), ttfb: stats(h.ttfb.map((x) => x - delayMs)) },
    };
    rows.push(row);
    const f = (e: ErrorStats) => `p50 ${e.p50Ms.toFixed(2)} p99 ${e.p99Ms.toFixed(2)} ms`;
    opts.log?.(
      `  c=${concurrency}, D=${delayMs} ms: blockwatch tls ${f(row.blockwatch.tls)}, ttfb ${f(row.blockwatch.ttfb)}; ` +
        `blackbox tls ${f(row.blackbox.tls)}, ttfb ${f(row.blackbox.ttfb)}; injector tls ${f(row.injector.tls)}, ttfb ${f(row.injector.ttfb)}`,
    );
  }
  return { baseline, rows };
}
