/**
 * Where the CPU of the warm daemon goes: `blockwatch run` over N loopback HTTPS targets (the
 * daemon section's config) under `node --cpu-prof`, scraped as a Prometheus would scrape it. A
 * first round warms it up; then `rounds` more run, and the daemon is stopped. Samples from
 * before the bench saw the first round done (start-up, the first round) are left out; the rest
 * are summed as the check's profile is (cpu-profile.ts), by part and by function.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readProfiles, summarise, type CpuProfileResult } from './cpu-profile.js';
import { probesInLog, SCRAPE_SECONDS, writeDaemonConfig } from './daemon.js';
import { freePort, httpGet, stopper, waitHttp } from './processes.js';
import { metricSum } from './scale.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');

export interface DaemonProfileResult extends Omit<CpuProfileResult, 'ok'> {
  intervalSeconds: number;
  /** Rounds profiled after the warm-up round. */
  rounds: number;
  /** Milliseconds at the start of the profile left out: start-up and the first round. */
  warmupMs: number;
  /** Probes in the profiled rounds, and those not ok (all targets are up). */
  probes: number;
  notOk: number;
}

export async function daemonProfile(
  dir: string,
  o: { n: number; concurrency: number; intervalSeconds: number; rounds: number; url: string; caFile: string; log: (s: string) => void },
): Promise<DaemonProfileResult> {
  const profDir = join(dir, 'daemon-cpu-profile');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const listen = await freePort();
  const config = writeDaemonConfig(dir, { ...o, listen });
  const logFile = join(dir, 'daemon-profile.log');
  const out = openSync(logFile, 'w');
  const started = performance.now();
  const daemon = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, CLI, 'run', '--config', config], {
    stdio: ['ignore', out, out],
    env: { ...process.env, BLOCKWATCH_LOG_LEVEL: 'info' },
  });
  closeSync(out);
  const base = `http://127.0.0.1:${listen}`;
  const probesDone = (): number => probesInLog(readFileSync(logFile, 'utf8'));
  const until = async (count: number): Promise<void> => {
    const deadline = performance.now() + (o.intervalSeconds * 4 + 60) * 1000;
    while (probesDone() < count) {
      if (performance.now() > deadline) throw new Error(`the profiled daemon did not reach ${count} probes; log:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const stop = stopper(daemon, 8000);
  let scraper: NodeJS.Timeout | undefined;
  let warmupMs: number;
  let probes: number;
  let notOk: number;
  try {
    await waitHttp(`${base}/healthz`, 30_000);
    scraper = setInterval(() => void httpGet(`${base}/metrics`, 30_000).catch(() => undefined), SCRAPE_SECONDS * 1000);
    await until(o.n);
    // The profile starts with the process, a little after `started`: this leaves out at least start-up and the first round.
    warmupMs = performance.now() - started;
    const first = probesDone();
    await until(first + o.n * o.rounds);
    probes = probesDone() - first;
    const last = (await httpGet(`${base}/metrics`, 30_000)).body;
    notOk = metricSum(last, 'blockwatch_probes_total') - metricSum(last, 'blockwatch_probes_total', 'status="ok"');
  } finally {
    clearInterval(scraper);
    // SIGTERM: the daemon drains and exits, and node writes the profile as it does.
    await stop();
  }
  const summary = summarise(readProfiles(profDir), 15, warmupMs);
  o.log(`  ${probes} probes profiled (${notOk} not ok); ${summary.totalMs.toFixed(0)} ms; ${summary.parts.slice(0, 4).map((p) => `${p.part} ${(p.share * 100).toFixed(1)}%`).join(', ')}`);
  return { n: o.n, concurrency: o.concurrency, intervalSeconds: o.intervalSeconds, rounds: o.rounds, warmupMs, probes, notOk, ...summary };
}
