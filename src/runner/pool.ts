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
  worker: Worker;
  inflight: number;
}

export class WorkerPool implements Executor {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Jobs in flight by the signal that aborts them: one listener per signal (for its life), not one per job. */
  private readonly byParent = new WeakMap<AbortSignal, Set<number>>();

  constructor(
    private readonly setup: ProbeSetup,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(workerScript(), { workerData: this.setup }), inflight: 0 };
    slot.worker.on('message', (msg: FromWorker) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.settle(msg.id, p);
      if (msg.type === 'done') p.resolve(msg.value);
      else p.reject(Object.assign(new Error(msg.error.message), { stack: msg.error.stack }));
    });
    // A worker that dies takes its jobs with it: they could not run. Another takes its place.
    const fail = (err: Error): void => {
      for (const [id, p] of this.pending) {
        if (p.worker !== slot) continue;
        this.settle(id, p);
        p.reject(err);
      }
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`probe worker exited with code ${code}`));
    });
    // Idle workers never keep the process alive; jobs in flight do (their promises are awaited).
    slot.worker.unref();
    return slot;
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    this.byParent.get(p.parent)?.delete(id);
    p.worker.inflight--;
    if (p.worker.inflight === 0) p.worker.worker.unref();
  }

  run<J extends Job>(job: J, parent: AbortSignal): Promise<JobResult[J['kind']]> {
    if (this.closed) return Promise.reject(new Error('the probe workers are closed'));
    const slot = this.slots.reduce((a, b) => (b.inflight < a.inflight ? b : a));
    const id = this.nextId++;
    return new Promise<JobResult[J['kind']]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker: slot, parent });
      if (slot.inflight++ === 0) slot.worker.ref();
      slot.worker.postMessage({ type: 'job', id, job } satisfies ToWorker);
      if (parent.aborted) return slot.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
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
      if (p) p.worker.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) s.worker.postMessage({ type: 'close' } satisfies ToWorker);
    // Jobs in flight end as interrupted and are answered before the worker closes its port.
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void s.worker.terminate(), 5000);
            s.worker.once('exit', () => {
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
