/**
 * Where the CPU of the whole `blockwatch check` goes: the real CLI over N loopback HTTPS targets
 * under V8's sampling profiler (`node --cpu-prof`, every thread), its samples summed by self
 * time into the parts of the process that hold them (OpenSSL and the rest of Node's native code,
 * Node's TLS, net and stream modules, the garbage collector, each package, each folder of
 * blockwatch's own code), and the functions with the most self time.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from '../test/support/children.js';
import { okTargets, writeCheckConfig } from './whole-check.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');

/** The part of a process a sample's frame belongs to. */
export interface ProfilePart {
  part: string;
  /** Milliseconds of self time over every thread's samples (idle excluded). */
  ms: number;
  share: number;
}

export interface CpuProfileResult {
  n: number;
  concurrency: number;
  /** Profiled milliseconds, idle excluded, over every thread. */
  totalMs: number;
  ok: number;
  parts: ProfilePart[];
  functions: Array<{ name: string; where: string; ms: number; share: number }>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The part of the process a frame is in. Native work a JS function starts (a handshake step
 * the TLS module asks for) counts under that function's module; native work no JS frame is on
 * the stack for (OpenSSL reading records as data arrives, libuv) is "(program)".
 */
export function partOf(frame: ProfileNode['callFrame']): string {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)') return 'native code outside JS: OpenSSL on arrival, libuv, V8 (program)';
  if (fn === '(root)' || fn === '(idle)') return fn;
  // Node's bindings (a TLS step, a socket write, a hash) and V8's builtins: no script.
  if (url === '') return 'native functions called from JS (OpenSSL steps, socket writes, builtins)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  const own = /\/dist\/(src|bench|test)\/([^/]+)(\/|\.js)/.exec(url);
  if (own) return own[1] === 'src' ? `blockwatch ${own[2].replace(/\.js$/, '')}` : `harness (${own[1]})`;
  if (url.startsWith('node:')) {
    const m = url.slice(5);
    if (/^(_tls|tls|internal\/tls)/.test(m)) return 'Node tls (JS)';
    if (/^(net|internal\/net|internal\/stream_base)/.test(m)) return 'Node net (JS)';
    if (/^(internal\/streams|stream)/.test(m)) return 'Node streams (JS)';
    if (/^(internal\/crypto|crypto)/.test(m)) return 'Node crypto (JS)';
    if (/^(internal\/timers|timers)/.test(m)) return 'Node timers (JS)';
    if (/^(internal\/(process|async_hooks)|events|internal\/event_target|internal\/abort_controller)/.test(m)) return 'Node events, tasks and abort signals (JS)';
    if (/^internal\/(modules|bootstrap|main)/.test(m)) return 'Node module loading (JS)';
    return 'Node, other (JS)';
  }
  return 'other';
}

/** Self time per node id over one profile (the time delta after a sample is that sample's), leaving out the samples of its first `fromMs`. */
function selfTimes(p: CpuProfile, fromMs = 0): Map<number, number> {
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] / 1000;
    if (at < fromMs) continue;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  return self;
}

/** Reads every profile `node --cpu-prof` wrote into `dir`. */
export function readProfiles(dir: string): CpuProfile[] {
  return readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
}

/** Sums the profiles' self time by part and by function (from `fromMs` after each profile's start). */
export function summarise(profiles: CpuProfile[], top = 15, fromMs = 0): Pick<CpuProfileResult, 'totalMs' | 'parts' | 'functions'> {
  const parts = new Map<string, number>();
  const fns = new Map<string, { name: string; where: string; ms: number }>();
  let total = 0;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (const [id, ms] of selfTimes(p, fromMs)) {
      const node = byId.get(id);
      if (!node) continue;
      const part = partOf(node.callFrame);
      if (part === '(idle)' || part === '(root)') continue;
      total += ms;
      parts.set(part, (parts.get(part) ?? 0) + ms);
      const where = node.callFrame.url ? `${node.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${node.callFrame.lineNumber + 1}` : '';
      const key = `${node.callFrame.functionName} ${where}`;
      const f = fns.get(key) ?? { name: node.callFrame.functionName || '(anonymous)', where, ms: 0 };
      f.ms += ms;
      fns.set(key, f);
    }
  }
  const share = (ms: number) => (total > 0 ? ms / total : 0);
  return {
    totalMs: total,
    parts: [...parts].map(([part, ms]) => ({ part, ms, share: share(ms) })).sort((a, b) => b.ms - a.ms),
    functions: [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((f) => ({ ...f, share: share(f.ms) })),
  };
}

/** Profiles one `check --format json` over n targets at `concurrency`, in the main thread (workers: 0) so one profile holds it all. */
export async function cpuProfile(dir: string, o: { n: number; concurrency: number; url: string; caFile: string; log: (s: string) => void }): Promise<CpuProfileResult> {
  const profDir = join(dir, 'cpu-profile');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const config = writeCheckConfig(dir, 'profile', { n: o.n, concurrency: o.concurrency, url: o.url, caFile: o.caFile, workers: 0 });
  const r = await runChild(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, CLI, 'check', '--config', config, '--format', 'json'], {});
  const ok = okTargets(r.stdout);
  const summary = summarise(readProfiles(profDir));
  o.log(`  ${ok}/${o.n} ok; ${summary.totalMs.toFixed(0)} ms profiled; ${summary.parts.slice(0, 4).map((p) => `${p.part} ${(p.share * 100).toFixed(1)}%`).join(', ')}`);
  return { n: o.n, concurrency: o.concurrency, ok, ...summary };
}
