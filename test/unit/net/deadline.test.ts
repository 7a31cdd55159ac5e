import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { deadline, withDeadline } from '../../../src/net/deadline.js';
import { toFailure } from '../../../src/net/errors.js';

describe('probe deadlines', () => {
  it('abort with a TimeoutError reason that maps to generic_timeout_error', async () => {
    const d = deadline(20);
    await new Promise((r) => d.signal.addEventListener('abort', r, { once: true }));
    expect(toFailure(d.signal.reason, 'connect').failure).toBe('generic_timeout_error');
  });

  it('follow a shutdown of the parent, which maps to interrupted', async () => {
    const parent = new AbortController();
    const d = deadline(60_000, parent.signal);
    const waiting = sleep(60_000, undefined, { signal: d.signal }).catch((err: unknown) => err);
    parent.abort(new Error('shutdown'));
    expect(toFailure(await waiting, 'connect').failure).toBe('interrupted');
    d.dispose();
  });

  it('abort work waiting on them as a deadline', async () => {
    const err = await withDeadline(20, new AbortController().signal, (signal) => sleep(60_000, undefined, { signal }).catch((e: unknown) => e));
    expect(toFailure(err, 'connect').failure).toBe('generic_timeout_error');
  });

  it('do not fire once disposed', async () => {
    const result = await withDeadline(30, undefined, async (signal) => signal);
    await new Promise((r) => setTimeout(r, 60));
    expect(result.aborted).toBe(false);
  });

  it('still fire after a garbage collection, unlike AbortSignal.any over AbortSignal.timeout', () => {
    const module = resolve(import.meta.dirname, '../../../dist/src/net/deadline.js');
    const script = `
      const { deadline } = await import(${JSON.stringify(module)});
      const ours = deadline(200, new AbortController().signal).signal;
      const theirs = AbortSignal.any([AbortSignal.timeout(200), new AbortController().signal]);
      const fired = { ours: false, theirs: false };
      ours.addEventListener('abort', () => (fired.ours = true));
      theirs.addEventListener('abort', () => (fired.theirs = true));
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 400));
      console.log(JSON.stringify(fired));`;
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out).ours).toBe(true);
  });
});

describe('a parent signal with many probes in flight', () => {
  it('raises no MaxListenersExceededWarning: hundreds of children is its normal state', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const parent = new AbortController();
    const children = Array.from({ length: 50 }, () => deadline(10_000, parent.signal));
    await new Promise((r) => setTimeout(r, 10));
    for (const d of children) d.dispose();
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
  });
});

describe('a probe whose parent aborts', () => {
  it('reads as interrupted whatever the parent gave as its reason, and as a timeout only for a parent deadline', () => {
    const shutdown = new AbortController();
    const child = deadline(10_000, shutdown.signal);
    shutdown.abort(new Error('shutdown'));
    expect((child.signal.reason as DOMException).name).toBe('AbortError');
    child.dispose();
    const outer = new AbortController();
    outer.abort(new DOMException('The probe deadline passed', 'TimeoutError'));
    const inner = deadline(10_000, outer.signal);
    expect((inner.signal.reason as DOMException).name).toBe('TimeoutError');
    inner.dispose();
  });
});

describe('one clock per parent signal', () => {
  it('holds one abort listener on the parent however many deadlines and waits hang off it', async () => {
    const { getEventListeners } = await import('node:events');
    const { sleep: wait } = await import('../../../src/schedule/sleep.js');
    const parent = new AbortController();
    const ds = Array.from({ length: 100 }, () => deadline(60_000, parent.signal));
    const waits = Array.from({ length: 100 }, (_, i) => wait(60_000 + i, parent.signal));
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    parent.abort(new Error('shutdown'));
    // Every wait ends at once, and every probe reads as interrupted.
    await Promise.all(waits);
    expect(ds.map((d) => toFailure(d.signal.reason, 'connect').failure)).toEqual(Array(100).fill('interrupted'));
  });

  it('fires deadlines of different lengths in order of their time, and none that was disposed of', async () => {
    const fired: number[] = [];
    const lengths = [60, 20, 40, 30, 10];
    const ds = lengths.map((ms) => {
      const d = deadline(ms);
      d.signal.addEventListener('abort', () => fired.push(ms));
      return d;
    });
    ds[2].dispose();
    await sleep(150);
    expect(fired).toEqual([10, 20, 30, 60]);
  });

  it('interrupts one job on its own', () => {
    const parent = new AbortController();
    const a = deadline(60_000, parent.signal);
    const b = deadline(60_000, parent.signal);
    a.interrupt();
    expect(toFailure(a.signal.reason, 'connect').failure).toBe('interrupted');
    expect(b.signal.aborted).toBe(false);
    b.dispose();
  });
});
