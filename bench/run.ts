/**
 * `npm run bench`: blockwatch side by side with blackbox_exporter on loopback, then the
 * scale, /metrics and alert-latency figures; writes bench/results/latest.{json,md}.
 * `-- --quick` for a short run, `-- --only compare,accuracy` to pick sections,
 * `-- --out DIR` to write elsewhere, `-- --loss-minutes M` for a longer run under loss.
 * `-- soak` (or `--only soak`) runs only the soak, `--soak-minutes M` long, and writes
 * bench/results/soak.{json,md}; it is in no profile's default sections. `-- --workers N` runs the
 * check and scale sections with N probe workers instead of the default for this machine.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeCA } from '../test/support/pki.js';
import { accuracy } from './accuracy.js';
import { alertLatency } from './alert-latency.js';
import { compare } from './compare.js';
import { daemonBench } from './daemon.js';
import { parts } from './parts.js';
import { wholeCheck } from './whole-check.js';
import { renderBench } from './metrics-render.js';
import { startBlackbox, startProber, startTarget, type Child } from './processes.js';
import { machine, writeResults, type BenchResults } from './report.js';
import { scale } from './scale.js';
import { cpuProfile } from './cpu-profile.js';
import { daemonProfile } from './daemon-profile.js';
import { soak, writeSoak } from './soak.js';
import { PROFILES, type Profile } from './profiles.js';

const SECTIONS = ['check', 'daemon', 'daemon-profile', 'parts', 'profile', 'compare', 'accuracy', 'scale', 'metrics', 'alerts', 'soak'] as const;
type Section = (typeof SECTIONS)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    'loss-minutes': { type: 'string' },
    'soak-minutes': { type: 'string' },
    /** Probe workers for the check and scale sections (default: the daemon's own default on this machine). */
    workers: { type: 'string' },
  },
});
const profile: Profile = PROFILES[values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'];
const picked = [...(values.only?.split(',') ?? []), ...positionals] as Section[];
const only = new Set<Section>(picked.length ? picked : profile.sections);
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; expected ${SECTIONS.join(', ')}`);
if (values['loss-minutes']) profile.alerts.lossMinutes = Number(values['loss-minutes']);
if (values['soak-minutes']) profile.soak.minutes = Number(values['soak-minutes']);
const workers = values.workers === undefined ? {} : { workers: Number(values.workers) };
const outDir = values.out ?? join(process.cwd(), 'bench', 'results');
const log = (s: string) => process.stdout.write(`${s}\n`);

const dir = mkdtempSync(join(tmpdir(), 'bw-bench-'));
const children: Child[] = [];
const results: BenchResults = { schema: 'blockwatch.bench/v1', profile: profile.name, startedAt: new Date().toISOString(), machine: machine(), sections: {} };

try {
  const ca = makeCA('blockwatch bench CA', dir);
  const leaf = ca.issue(['bench.test'], { ips: ['127.0.0.1'] });
  const base = { ca: ca.cert, timeoutMs: 10_000 };

  if (only.has('check')) {
    const blackbox = await startBlackbox(dir, ca.certFile);
    children.push(blackbox);
    const target = await startTarget(leaf.certFile, leaf.keyFile);
    children.push(target);
    log(`check: the whole blockwatch check over ${profile.check.n} HTTPS targets at concurrency ${profile.check.concurrency}, ${profile.check.repetitions} pairs`);
    results.sections.check = await wholeCheck(blackbox, dir, { ...profile.check, ...workers, url: `https://127.0.0.1:${target.port}/`, ca: ca.cert, caFile: ca.certFile, log });
    await target.stop();
    await blackbox.stop();
  }
  if (only.has('daemon')) {
    const blackbox = await startBlackbox(dir, ca.certFile);
    children.push(blackbox);
    const target = await startTarget(leaf.certFile, leaf.keyFile);
    children.push(target);
    log(`daemon: blockwatch run, warm, over ${profile.daemon.n} HTTPS targets at concurrency ${profile.daemon.concurrency}, ${profile.daemon.pairs} rounds each paired with blackbox_exporter`);
    results.sections.daemon = await daemonBench(blackbox, dir, { ...profile.daemon, url: `https://127.0.0.1:${target.port}/`, ca: ca.cert, caFile: ca.certFile, log });
    await target.stop();
    await blackbox.stop();
  }
  if (only.has('daemon-profile')) {
    const target = await startTarget(leaf.certFile, leaf.keyFile);
    children.push(target);
    const dp = profile.daemonProfile;
    log(`daemon-profile: where the CPU of the warm daemon goes, ${dp.rounds} round${dp.rounds === 1 ? '' : 's'} over ${dp.n} HTTPS targets after a warm-up round (node --cpu-prof)`);
    results.sections.daemonProfile = await daemonProfile(dir, { ...dp, url: `https://127.0.0.1:${target.port}/`, caFile: ca.certFile, log });
    await target.stop();
  }
  if (only.has('parts')) {
    const target = await startTarget(leaf.certFile, leaf.keyFile);
    children.push(target);
    log(`parts: a handshake and a GET, ${profile.parts.blocks} blocks of ${profile.parts.n} each way`);
    results.sections.parts = await parts({ ...profile.parts, port: target.port, ca: ca.cert, log });
    await target.stop();
  }
  if (only.has('profile')) {
    const target = await startTarget(leaf.certFile, leaf.keyFile);
    children.push(target);
    log(`profile: where the CPU of one check over ${profile.profile.n} HTTPS targets goes (node --cpu-prof)`);
    results.sections.profile = await cpuProfile(dir, { ...profile.profile, url: `https://127.0.0.1:${target.port}/`, caFile: ca.certFile, log });
    await target.stop();
  }
  if (only.has('compare') || only.has('accuracy')) {
    const prober = await startProber();
    children.push(prober);
    const blackbox = await startBlackbox(dir, ca.certFile);
    children.push(blackbox);
    if (only.has('compare')) {
      const target = await startTarget(leaf.certFile, leaf.keyFile);
      children.push(target);
      log(`compare: ${profile.compare.n} probes at concurrency ${profile.compare.concurrency}, ${profile.compare.repetitions} pairs`);
      results.sections.compare = await compare(prober, blackbox, { ...base, url: `https://127.0.0.1:${target.port}/` }, { ...profile.compare, log });
      await target.stop();
    }
    if (only.has('accuracy')) {
      log('accuracy: ServerHello and first byte each held D ms');
      const startDelayed = async (delayMs: number) => {
        const t = await startTarget(leaf.certFile, leaf.keyFile, delayMs);
        children.push(t);
        return t;
      };
      results.sections.accuracy = await accuracy(prober, blackbox, startDelayed, base, { ...profile.accuracy, log });
    }
  }
  if (only.has('metrics')) {
    log(`metrics: render at ${profile.metrics.series} series`);
    results.sections.metrics = await renderBench({ ...profile.metrics, log });
  }
  if (only.has('scale')) {
    log(`scale: blockwatch run with ${profile.scale.targets} targets`);
    results.sections.scale = await scale(dir, leaf, ca.certFile, { ...profile.scale, ...workers, log });
  }
  if (only.has('alerts')) {
    log(`alerts: ${profile.alerts.trials} trials in the lab`);
    results.sections.alerts = await alertLatency({ ...profile.alerts, log });
  }
  if (only.has('soak')) {
    log(`soak: ${profile.soak.minutes} min of rounds, ${profile.soak.parallel} at a time`);
    const r = await soak({ ...profile.soak, log });
    mkdirSync(outDir, { recursive: true });
    log(`wrote ${writeSoak(outDir, r).join(', ')}`);
  }
} finally {
  for (const c of children.reverse()) await c.stop();
  rmSync(dir, { recursive: true, force: true });
}
results.finishedAt = new Date().toISOString();
// The soak has files of its own: a soak-only run leaves latest.{json,md} as they were.
if ([...only].some((s) => s !== 'soak')) {
  mkdirSync(outDir, { recursive: true });
  const files = writeResults(outDir, results);
  log(`wrote ${files.join(', ')}`);
}
