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
function probesInLog(log: string): number {
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

/** `blockwatch run` as the bench runs it: its log in a file, its /metrics scraped as by a Prometheus. */
export interface BenchDaemon {
  pid: number;
  base: string;
  /** Probes of the rounds its log says are done. */
  probesDone(): number;
  /** Waits until the log says `count` probes are done, reading it once a second. */
  until(count: number): Promise<void>;
  /** Probes not ok so far (every bench target is up), from its /metrics. */
  notOk(): Promise<number>;
  /** SIGTERM (it drains for up to 3 s; SIGKILL after 8), the scrapes stopped. */
  stop(): Promise<void>;
}

/**
 * Starts `blockwatch run --config config` (node flags first) at info level (its 'round done'
 * lines, one a round, are how rounds are counted) and resolves once it serves /healthz on
 * `listen`; from then on /metrics is scraped every SCRAPE_SECONDS, and that CPU counts.
 */
export async function startBenchDaemon(o: { config: string; listen: number; logFile: string; nodeArgs: string[]; intervalSeconds: number }): Promise<BenchDaemon> {
  const out = openSync(o.logFile, 'w');
  const daemon = spawn(process.execPath, [...o.nodeArgs, CLI, 'run', '--config', o.config], { stdio: ['ignore', out, out], env: { ...process.env, BLOCKWATCH_LOG_LEVEL: 'info' } });
  closeSync(out);
  const base = `http://127.0.0.1:${o.listen}`;
  const log = (): string => readFileSync(o.logFile, 'utf8');
  const probesDone = (): number => probesInLog(log());
  let scraper: NodeJS.Timeout | undefined;
  const stop = async (): Promise<void> => {
    clearInterval(scraper);
    await stopper(daemon, 8000)();
  };
  try {
    await waitHttp(`${base}/healthz`, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  scraper = setInterval(() => void httpGet(`${base}/metrics`, 30_000).catch(() => undefined), SCRAPE_SECONDS * 1000);
  return {
    pid: daemon.pid!,
    base,
    probesDone,
    async until(count) {
      const deadline = performance.now() + (o.intervalSeconds * 4 + 60) * 1000;
      while (probesDone() < count) {
        if (performance.now() > deadline) throw new Error(`the daemon did not reach ${count} probes; log:\n${log().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    async notOk() {
      const last = (await httpGet(`${base}/metrics`, 30_000)).body;
      return metricSum(last, 'blockwatch_probes_total') - metricSum(last, 'blockwatch_probes_total', 'status="ok"');
    },
    stop,
  };
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
  const daemon = await startBenchDaemon({ config, listen, logFile: join(dir, 'daemon-bench.log'), nodeArgs: nodeFlags(), intervalSeconds: o.intervalSeconds });
  const { pid, until, probesDone } = daemon;
  try {
    // Warm: the first round (JIT, the trust store, first connections) is not counted.
    await waitHttp(`${daemon.base}/readyz`, 150_000);
    await until(o.n);
    const pairs: DaemonPair[] = [];
    let done = probesDone();
    for (let i = 0; i < o.pairs; i++) {
      const c0 = cpuSeconds(pid);
      const p0 = done;
      await until(p0 + o.n);
      done = probesDone();
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
      done = probesDone();
    }
    return {
      n: o.n,
      concurrency: o.concurrency,
      intervalSeconds: o.intervalSeconds,
      pairs,
      peakRssBytes: peakRss(pid),
      spreadSeconds: spreadMs / 1000,
      ratio: median(pairs.map((p) => p.blockwatch.cpuPerProbe / p.blackbox.cpuPerProbe)),
      ratioBurst: median(pairs.map((p) => p.blockwatch.cpuPerProbe / p.blackboxBurst.cpuPerProbe)),
      notOk: await daemon.notOk(),
    };
  } finally {
    await daemon.stop();
  }
}
