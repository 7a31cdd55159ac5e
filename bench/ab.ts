/**
 * Before/after for a hot-path change: two builds' https engines (each a `dist` folder, e.g.
 * this checkout's and a patched copy's) probe the same loopback target in turn, and their CPU
 * per probe and probes per second are compared pair by pair.
 *   node dist/bench/ab.js --a /path/to/before/dist --b /path/to/after/dist [--n 2000] [--concurrency 50] [--pairs 6]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeCA } from '../test/support/pki.js';
import type { ProberProcess } from './processes.js';
import { startTarget } from './processes.js';
import { cpuSeconds, median } from './proc.js';
import type { RunRequest } from './protocol.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    pairs: { type: 'string', default: '6' },
  },
});
if (!values.a || !values.b) throw new Error('usage: ab.js --a BEFORE_DIST --b AFTER_DIST');

const dir = mkdtempSync(join(tmpdir(), 'bw-ab-'));
const ca = makeCA('blockwatch bench CA', dir);
const leaf = ca.issue(['bench.test'], { ips: ['127.0.0.1'] });
const target = await startTarget(leaf.certFile, leaf.keyFile);
const start = async (dist: string): Promise<ProberProcess> =>
  ((await import(join(dist, 'bench', 'processes.js'))) as typeof import('./processes.js')).startProber();
const probers = { a: await start(values.a), b: await start(values.b) };
const req: RunRequest = { url: `https://127.0.0.1:${target.port}/`, ca: ca.cert, timeoutMs: 10_000, n: Number(values.n), concurrency: Number(values.concurrency) };
const figures = { a: { cpu: [] as number[], rate: [] as number[] }, b: { cpu: [] as number[], rate: [] as number[] } };
try {
  for (const p of Object.values(probers)) await p.run({ ...req, n: Math.min(req.n, 300) });
  for (let i = 0; i < Number(values.pairs); i++) {
    for (const side of i % 2 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      const p = probers[side];
      const c0 = cpuSeconds(p.pid);
      const r = await p.run(req);
      figures[side].cpu.push(((cpuSeconds(p.pid) - c0) / req.n) * 1000);
      figures[side].rate.push(req.n / r.wallSeconds);
    }
  }
  for (const side of ['a', 'b'] as const) {
    const f = figures[side];
    process.stdout.write(`${side}: CPU/probe ${f.cpu.map((x) => x.toFixed(2)).join(' ')} ms (median ${median(f.cpu).toFixed(3)}), probes/s median ${median(f.rate).toFixed(0)}\n`);
  }
  process.stdout.write(`b/a: CPU per probe ${(median(figures.b.cpu) / median(figures.a.cpu)).toFixed(3)}×, probes/s ${(median(figures.b.rate) / median(figures.a.rate)).toFixed(3)}×\n`);
} finally {
  await probers.a.stop();
  await probers.b.stop();
  await target.stop();
  rmSync(dir, { recursive: true, force: true });
}
