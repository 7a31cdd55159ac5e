/**
 * The daemon, warm, side by side with blackbox_exporter: `blockwatch run` with N loopback HTTPS
 * targets on a schedule (a round spread over half the interval, as the daemon spreads any round
 * with more targets than its concurrency); once a first round is done, each pair measures one of its rounds (CPU of
 * the whole process from the last round's end to this one's, from /proc) and then blackbox_exporter's
 * CPU in the gap before the next round.
 *
 * blackbox_exporter is driven at the daemon's own pace: the daemon spreads a round of more
 * targets than its concurrency evenly over half the interval, and Prometheus likewise spreads
 * its scrapes of many targets over the interval. A probe at that pace costs either prober more
 * CPU than one of a burst (fewer probes share each wake-up, caches are cold), so the ratio
 * compares like with like: half of N probes over half of the window, at the same probes per
 * second, in the gap before the next round. The burst (N at the concurrency, as fast as it
 * answers) is measured beside, and its ratio reported too.
 *
 * The daemon is scraped as a Prometheus would scrape it, every SCRAPE_SECONDS, and that CPU
 * counts. Round ends are read from its log ('round done' lines), which costs the daemon nothing:
 * a /metrics poll every second to see them cost it a render of every series 30 times a round.
 */
import { spawn } from 'node:child_process';
import { nodeFlags } from './scale.js';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBlackbox } from './blackbox-driver.js';
import { freePort, httpGet, stopper, waitHttp, type BlackboxProcess } from './processes.js';
import { daemonYaml, metricSum } from './scale.js';
import { writeHttpsCatalogues } from './whole-check.js';
import { cpuSeconds, median, peakRss } from './proc.js';
import { roundSpreadMs } from '../src/schedule/scheduler.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
/** Prometheus' scrape interval in the bench: the 15 s that Prometheus' own example configuration sets. */
export const SCRAPE_SECONDS = 15;

/** Probes of the rounds the daemon's log says are done. */
export function probesInLog(log: string): number {
  let total = 0;
  for (const line of log.split('\n')) {
    if (!line.includes('"round done"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; probes?: number };
      if (entry.msg === 'round done' && typeof entry.probes === 'number') total += entry.probes;
    } catch {
      // A line being written: read again on the next poll.
    }
  }
  return total;
}

interface BlackboxSide {
  cpuSeconds: number;
  probes: number;
  cpuPerProbe: number;
  ok: number;
}

export interface DaemonPair {
  blockwatch: { cpuSeconds: number; probes: number; cpuPerProbe: number };
  /** At the daemon's pace: probes spread evenly, as many per second as the daemon's round. */
  blackbox: BlackboxSide;
  /** In a burst: N probes at the concurrency, as fast as it answers. */
  blackboxBurst: BlackboxSide;
}

export interface DaemonResult {
  n: number;
  concurrency: number;
  intervalSeconds: number;
  pairs: DaemonPair[];
  peakRssBytes: number;
  /** The window the daemon spreads a round over, and blackbox_exporter's paced run spreads n/2 probes over half of. */
  spreadSeconds: number;
  /** Median over pairs of blockwatch's CPU per probe / blackbox_exporter's at the same pace. */
  ratio: number;
  /** The same against blackbox_exporter's burst. */
  ratioBurst: number;
  notOk: number;
}

export function writeDaemonConfig(dir: string, o: { n: number; concurrency: number; url: string; caFile: string; intervalSeconds: number; listen: number }): string {
  const probes = writeHttpsCatalogues(join(dir, 'daemon-probes'), o.n, o.url);
  const file = join(dir, 'daemon.yaml');
  writeFileSync(file, daemonYaml({ ...o, probes }));
  return file;
}

export async function daemonBench(
  blackbox: BlackboxProcess,
  dir: string,
  o: { n: number; concurrency: number; pairs: number; intervalSeconds: number; url: string; ca: string; caFile: string; log?: (s: string) => void },
): Promise<DaemonResult> {
  const listen = await freePort();
  // The window the daemon spreads each of its rounds over.
  const spreadMs = roundSpreadMs(o.n, o.concurrency, o.intervalSeconds * 1000);
  const config = writeDaemonConfig(dir, { ...o, listen });
  const logFile = join(dir, 'daemon-bench.log');
  const out = openSync(logFile, 'w');
  // Info: the 'round done' lines, one a round.
  const daemon = spawn(process.execPath, [...nodeFlags(), CLI, 'run', '--config', config], { stdio: ['ignore', out, out], env: { ...process.env, BLOCKWATCH_LOG_LEVEL: 'info' } });
  closeSync(out);
  const pid = daemon.pid!;
  const base = `http://127.0.0.1:${listen}`;
  const probesDone = async (): Promise<number> => probesInLog(readFileSync(logFile, 'utf8'));
  /** Waits until the log says `count` probes are done, reading it once a second. */
  const until = async (count: number): Promise<void> => {
    const deadline = performance.now() + (o.intervalSeconds * 4 + 60) * 1000;
    while ((await probesDone()) < count) {
      if (performance.now() > deadline) throw new Error(`the daemon did not reach ${count} probes; log:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  let scraper: NodeJS.Timeout | undefined;
  try {
    await waitHttp(`${base}/healthz`, 30_000);
    scraper = setInterval(() => void httpGet(`${base}/metrics`, 30_000).catch(() => undefined), SCRAPE_SECONDS * 1000);
    // Warm: the first round (JIT, the trust store, first connections) is not counted.
    await waitHttp(`${base}/readyz`, 150_000);
    await until(o.n);
    const pairs: DaemonPair[] = [];
    let done = await probesDone();
    for (let i = 0; i < o.pairs; i++) {
      const c0 = cpuSeconds(pid);
      const p0 = done;
      await until(p0 + o.n);
      done = await probesDone();
      const cpu = cpuSeconds(pid) - c0;
      const side = async (n: number, spreadMs?: number): Promise<BlackboxSide> => {
        const b0 = cpuSeconds(blackbox.pid);
        const r = await runBlackbox(blackbox.port, blackbox.module, { n, concurrency: o.concurrency, url: o.url, ca: o.ca, timeoutMs: 10_000, ...(spreadMs ? { spreadMs } : {}) });
        const bcpu = cpuSeconds(blackbox.pid) - b0;
        return { cpuSeconds: bcpu, probes: n, cpuPerProbe: bcpu / n, ok: r.samples.filter((s) => s.ok).length };
      };
      const paced = await side(Math.ceil(o.n / 2), spreadMs / 2);
      const burst = await side(o.n);
      const pair: DaemonPair = { blockwatch: { cpuSeconds: cpu, probes: done - p0, cpuPerProbe: cpu / (done - p0) }, blackbox: paced, blackboxBurst: burst };
      pairs.push(pair);
      const f = (s: BlackboxSide) => `${(s.cpuPerProbe * 1e3).toFixed(3)} ms (${s.ok}/${s.probes} ok)`;
      o.log?.(`  pair ${i + 1}: daemon ${(pair.blockwatch.cpuPerProbe * 1e3).toFixed(3)} ms CPU/probe over ${pair.blockwatch.probes} probes; blackbox paced ${f(paced)}, burst ${f(burst)}`);
      // Blackbox's run must not overlap the next round: if it did, that round is skipped for the next pair.
      done = await probesDone();
    }
    const last = (await httpGet(`${base}/metrics`, 30_000)).body;
    return {
      n: o.n,
      concurrency: o.concurrency,
      intervalSeconds: o.intervalSeconds,
      pairs,
      peakRssBytes: peakRss(pid),
      spreadSeconds: spreadMs / 1000,
      ratio: median(pairs.map((p) => p.blockwatch.cpuPerProbe / p.blackbox.cpuPerProbe)),
      ratioBurst: median(pairs.map((p) => p.blockwatch.cpuPerProbe / p.blackboxBurst.cpuPerProbe)),
      notOk: metricSum(last, 'blockwatch_probes_total') - metricSum(last, 'blockwatch_probes_total', 'status="ok"'),
    };
  } finally {
    clearInterval(scraper);
    // The daemon drains for up to 3 s on SIGTERM: it gets 8 before SIGKILL.
    await stopper(daemon, 8000)();
  }
}
