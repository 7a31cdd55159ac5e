/**
 * Where the CPU of the warm daemon goes: `blockwatch run` over N loopback HTTPS targets (the
 * daemon section's config) under `node --cpu-prof`, scraped as a Prometheus would scrape it. A
 * first round warms it up; then `rounds` more run, and the daemon is stopped. Samples from
 * before the bench saw the first round done (start-up, the first round) are left out; the rest
 * are summed as the check's profile is (cpu-profile.ts), by part and by function.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readProfiles, summarise, type CpuProfileResult } from './cpu-profile.js';
import { startBenchDaemon, writeDaemonConfig } from './daemon.js';
import { freePort } from './processes.js';

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
  const started = performance.now();
  const daemon = await startBenchDaemon({ config, listen, logFile: join(dir, 'daemon-profile.log'), nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`], intervalSeconds: o.intervalSeconds });
  let warmupMs: number;
  let probes: number;
  let notOk: number;
  try {
    await daemon.until(o.n);
    // The profile starts with the process, a little after `started`: this leaves out at least start-up and the first round.
    warmupMs = performance.now() - started;
    const first = daemon.probesDone();
    await daemon.until(first + o.n * o.rounds);
    probes = daemon.probesDone() - first;
    notOk = await daemon.notOk();
  } finally {
    // SIGTERM: the daemon drains and exits, and node writes the profile as it does.
    await daemon.stop();
  }
  const summary = summarise(readProfiles(profDir), 15, warmupMs);
  o.log(`  ${probes} probes profiled (${notOk} not ok); ${summary.totalMs.toFixed(0)} ms; ${summary.parts.slice(0, 4).map((p) => `${p.part} ${(p.share * 100).toFixed(1)}%`).join(', ')}`);
  return { n: o.n, concurrency: o.concurrency, intervalSeconds: o.intervalSeconds, rounds: o.rounds, warmupMs, probes, notOk, ...summary };
}
