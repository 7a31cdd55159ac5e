/**
 * Probe workers (worker_threads): each owns transports and sockets for a share of the
 * probes, so a round uses every core while the coordinator keeps the schedule, the
 * controls, analysis and the outputs. Jobs go to the worker with the fewest in flight.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../package-root.js';
import type { Executor } from './executor.js';
import type { Job, JobResult, ProbeSetup } from './jobs.js';
import type { FromWorker, ToWorker } from './worker.js';

/** The worker's script: compiled JavaScript, also when the coordinator runs from TypeScript sources (tests). */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? join(PACKAGE_ROOT, 'dist', 'src', 'runner', 'worker.js') : join(here, '..', 'worker.js');
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  worker: Slot;
  parent: AbortSignal;
}

interface Slot {
  /** Null while the slot waits to start its next worker. */
  worker: Worker | null;
  inflight: number;
  /** Workers of this slot that died in a row without having run a while; sets the wait before the next. */
  failures: number;
  startedAt: number;
  ready: boolean;
  respawn: NodeJS.Timeout | null;
  /** Why the last worker died, for the jobs that arrive while none runs. */
  lastError: Error | null;
}

/** What the pool tells of a worker that died, and when the next one starts. */
export interface WorkerExit {
  error: Error;
  /** It died before it had set itself up (a bad install, a setup it cannot take). */
  failedOnStart: boolean;
  restartInMs: number;
}

export interface PoolOptions {
  /** Told of every worker that dies while the pool is open (the daemon logs it). */
  onWorkerExit?: (e: WorkerExit) => void;
  /** Wait before restarting after the first death in a row, and the longest; default 500 ms and 30 s. */
  backoff?: { firstMs: number; maxMs: number };
}

/** A worker that ran this long is sound again: its death restarts the count of deaths in a row. */
const STABLE_MS = 60_000;

export class WorkerPool implements Executor {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  /** Jobs in flight by the signal that aborts them: one listener per signal (for its life), not one per job. */
  private readonly byParent = new WeakMap<AbortSignal, Set<number>>();
  /** Jobs that came while no worker was running: they go to the next one that starts. */
  private readonly waiting = new Set<{ go: () => void; stop: (e: Error) => void }>();
  private readonly backoff: { firstMs: number; maxMs: number };
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly setup: ProbeSetup,
    readonly size: number,
    private readonly opts: PoolOptions = {},
  ) {
    this.backoff = opts.backoff ?? { firstMs: 500, maxMs: 30_000 };
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: null, inflight: 0, failures: 0, startedAt: 0, ready: false, respawn: null, lastError: null };
      this.slots.push(slot);
      this.start(slot);
    }
  }

  private start(slot: Slot): void {
    slot.respawn = null;
    const worker = new Worker(workerScript(), { workerData: this.setup });
    Object.assign(slot, { worker, startedAt: Date.now(), ready: false });
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.settle(msg.id, p);
      if (msg.type === 'done') p.resolve(msg.value);
      else p.reject(Object.assign(new Error(msg.error.message), { stack: msg.error.stack }));
    });
    // A worker that dies takes its jobs with it: they could not run. Another takes its place,
    // after a wait that doubles while workers keep dying (one that fails on start would spin).
    let gone = false;
    const fail = (err: Error): void => {
      if (gone) return;
      gone = true;
      for (const [id, p] of this.pending) {
        if (p.worker !== slot) continue;
        this.settle(id, p);
        p.reject(err);
      }
      slot.worker = null;
      slot.inflight = 0;
      slot.lastError = err;
      if (this.closed) return;
      const failedOnStart = !slot.ready;
      slot.failures = slot.ready && Date.now() - slot.startedAt >= STABLE_MS ? 1 : slot.failures + 1;
      const restartInMs = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** (slot.failures - 1));
      slot.respawn = setTimeout(() => {
        this.start(slot);
        for (const w of [...this.waiting]) w.go();
      }, restartInMs).unref();
      this.opts.onWorkerExit?.({ error: err, failedOnStart, restartInMs });
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`probe worker exited with code ${code}`));
    });
    // Idle workers never keep the process alive; jobs in flight do (their promises are awaited).
    worker.unref();
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    this.byParent.get(p.parent)?.delete(id);
    p.worker.inflight--;
    if (p.worker.inflight === 0) p.worker.worker?.unref();
  }

  run<J extends Job>(job: J, parent: AbortSignal): Promise<JobResult[J['kind']]> {
    if (this.closed) return Promise.reject(new Error('the probe workers are closed'));
    const live = this.slots.filter((s) => s.worker !== null);
    if (live.length === 0) return this.afterRestart(parent).then(() => this.run(job, parent));
    const slot = live.reduce((a, b) => (b.inflight < a.inflight ? b : a));
    const worker = slot.worker!;
    const id = this.nextId++;
    return new Promise<JobResult[J['kind']]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker: slot, parent });
      if (slot.inflight++ === 0) worker.ref();
      worker.postMessage({ type: 'job', id, job } satisfies ToWorker);
      if (parent.aborted) return worker.postMessage({ type: 'abort', id } satisfies ToWorker);
      let ids = this.byParent.get(parent);
      if (!ids) {
        const mine = new Set<number>();
        ids = mine;
        this.byParent.set(parent, mine);
        parent.addEventListener('abort', () => this.abortAll(parent), { once: true });
      }
      ids.add(id);
    });
  }

  /** The parent aborted: every job under it is told, each in its worker. */
  private abortAll(parent: AbortSignal): void {
    for (const id of this.byParent.get(parent) ?? []) {
      const p = this.pending.get(id);
      if (p) p.worker.worker?.postMessage({ type: 'abort', id } satisfies ToWorker);
    }
  }

  /** Resolves when the next worker starts; rejects when the round is aborted or the pool closes first. */
  private afterRestart(parent: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = {
        go: () => {
          done();
          resolve();
        },
        stop: (e: Error) => {
          done();
          reject(e);
        },
      };
      const onAbort = (): void => entry.stop(new Error('aborted while no probe worker was running'));
      const done = (): void => {
        this.waiting.delete(entry);
        parent.removeEventListener('abort', onAbort);
      };
      if (parent.aborted) return onAbort();
      parent.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(entry);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiting]) w.stop(new Error('the probe workers closed'));
    for (const s of this.slots) {
      if (s.respawn) clearTimeout(s.respawn);
      s.worker?.postMessage({ type: 'close' } satisfies ToWorker);
    }
    // Jobs in flight end as interrupted and are answered before the worker closes its port.
    await Promise.all(
      this.slots.map(({ worker }) =>
        worker === null
          ? undefined
          : new Promise<void>((resolve) => {
              const timer = setTimeout(() => void worker.terminate(), 5000);
              worker.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
            }),
      ),
    );
    for (const [id, p] of this.pending) {
      this.settle(id, p);
      p.reject(new Error('the probe workers closed'));
    }
  }
}
