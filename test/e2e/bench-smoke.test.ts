// The benchmark harness still runs end to end: a tiny `npm run bench -- --smoke` (a few probes
// through blockwatch and blackbox_exporter, a small /metrics render, a small daemon run) writes
// its JSON and markdown. Figures are never asserted: only that each part ran and probed successfully.
// The run is a process group of its own (the bench's target, prober, daemon and blackbox_exporter
// with it), ended with everything in it when the test fails or times out; its temporary files
// go under the test's folder, removed after.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { BenchResults } from '../../bench/report.js';
import { runChild } from '../support/children.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RUN = join(ROOT, 'dist/bench/run.js');
const HAVE_BLACKBOX = spawnSync('sh', ['-c', 'command -v prometheus-blackbox-exporter']).status === 0;
const CI = Boolean(process.env.CI);
if (!HAVE_BLACKBOX && !CI) console.warn('skipping the bench smoke run: prometheus-blackbox-exporter is not on PATH (Debian package prometheus-blackbox-exporter); CI is unset');

describe.skipIf(!HAVE_BLACKBOX && !CI)('npm run bench -- --smoke', () => {
  const out = mkdtempSync(join(tmpdir(), 'bw-bench-smoke-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let results: BenchResults;

  test('runs and writes latest.json and latest.md', async ({ signal }) => {
    expect(existsSync(RUN), `${RUN} is missing: run npm run build first`).toBe(true);
    const tmp = join(out, 'tmp');
    mkdirSync(tmp);
    const r = await runChild(process.execPath, [RUN, '--smoke', '--out', out], { cwd: ROOT, signal, env: { ...process.env, TMPDIR: tmp } });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as BenchResults;
    expect(results.schema).toBe('blockwatch.bench/v1');
    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(md).toContain('## The whole `blockwatch check` against blackbox_exporter');
    expect(md).toContain('## The engine alone, side by side with blackbox_exporter');
    expect(md).toContain('## Timing accuracy');
    expect(md).toContain('## /metrics render');
    expect(md).toContain('## Scale');
    expect(md).toContain('## The daemon, warm, against blackbox_exporter');
    expect(md).toContain('## The parts of a probe');
    expect(md).toContain('## Where the CPU of a check goes');
    expect(md).toContain('## Where the CPU of the warm daemon goes');
  }, 300_000);

  test('the whole check probed every target, and its start-up was measured beside', () => {
    const w = results.sections.check!;
    expect(w.startup.cpuSeconds).toBeGreaterThan(0);
    for (const pair of w.pairs) {
      expect(pair.blockwatch.ok).toBe(w.n);
      expect(pair.blackbox.ok).toBe(w.n);
      expect(pair.blockwatch.cpuSeconds).toBeGreaterThan(pair.blockwatchNoStartup.cpuSeconds);
    }
  });

  test('the profiled check probed every target, and its samples were summed into parts that add up to the whole', () => {
    const p = results.sections.profile!;
    expect(p.ok).toBe(p.n);
    expect(p.totalMs).toBeGreaterThan(0);
    expect(p.parts.reduce((s, x) => s + x.ms, 0)).toBeCloseTo(p.totalMs, 3);
    expect(p.parts.some((x) => x.part.startsWith('blockwatch '))).toBe(true);
  });

  test('the profiled daemon ran its rounds after a warm-up left out, all ok, and its samples add up to the whole', () => {
    const p = results.sections.daemonProfile!;
    expect(p.probes).toBeGreaterThanOrEqual(p.n * p.rounds);
    expect(p.notOk).toBe(0);
    expect(p.warmupMs).toBeGreaterThan(0);
    expect(p.totalMs).toBeGreaterThan(0);
    expect(p.parts.reduce((s, x) => s + x.ms, 0)).toBeCloseTo(p.totalMs, 3);
    expect(p.parts.some((x) => x.part.startsWith('blockwatch '))).toBe(true);
  });

  test('every side-by-side probe succeeded through both blockwatch and blackbox_exporter', () => {
    const c = results.sections.compare!;
    for (const pair of c.pairs) {
      expect(pair.blockwatch.ok).toBe(c.n);
      expect(pair.blackbox.ok).toBe(c.n);
      expect(pair.blockwatch.cpuSeconds).toBeGreaterThanOrEqual(0);
      expect(pair.blackbox.peakRssBytes).toBeGreaterThan(0);
    }
  });

  test('the delayed target was probed at each level and its delays were recorded', () => {
    const a = results.sections.accuracy!;
    for (const row of a.rows) {
      expect(row.blockwatch.ok).toBe(row.n);
      expect(row.blackbox.ok).toBe(row.n);
      expect(row.blockwatch.tls.samples).toBe(row.n);
      expect(row.blackbox.ttfb.samples).toBe(row.n);
      // Each probe crossed the injector once for the ServerHello and once for the response head.
      expect(row.injector.tls.samples).toBe(2 * row.n);
      expect(row.injector.ttfb.samples).toBe(2 * row.n);
    }
  });

  test('the /metrics render reached the wanted number of series', () => {
    const m = results.sections.metrics!;
    expect(m.series).toBeGreaterThanOrEqual(m.wantedSeries);
    expect(m.bytes).toBeGreaterThan(0);
  });

  test('the daemon probed every scaled target successfully', () => {
    const s = results.sections.scale!;
    expect(s.rounds).toBeGreaterThanOrEqual(1);
    expect(s.notOk).toBe(0);
    expect(s.peakRssBytes).toBeGreaterThan(0);
  });

  test('the warm daemon probed every target of its counted rounds, and blackbox_exporter half of them at its pace and all in a burst', () => {
    const d = results.sections.daemon!;
    expect(d.pairs.length).toBeGreaterThanOrEqual(1);
    for (const p of d.pairs) {
      expect(p.blockwatch.probes).toBeGreaterThanOrEqual(d.n);
      expect(p.blackbox.probes).toBe(Math.ceil(d.n / 2));
      expect(p.blackbox.ok).toBe(p.blackbox.probes);
      expect(p.blackboxBurst.ok).toBe(d.n);
    }
    expect(d.notOk).toBe(0);
  });

  test('every part of a probe was timed', () => {
    const p = results.sections.parts!;
    for (const v of Object.values(p.ms)) expect(v).toBeGreaterThan(0);
  });
});
