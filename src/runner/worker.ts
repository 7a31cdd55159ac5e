/**
 * A probe worker: owns the transports (resolvers, connectors, sockets) of one share of the
 * probes, runs the jobs the coordinator sends (runner/jobs.ts) and posts back what they
 * measured. Started by runner/pool.ts with the config's probe settings as workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Job, ProbeSetup } from './jobs.js';
import { runJob } from './jobs.js';
import type { Deadline } from '../net/deadline.js';
import { closeTransports, makeTransports } from './transports.js';

export type ToWorker = { type: 'job'; id: number; job: Job } | { type: 'abort'; id: number } | { type: 'close' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'fail'; id: number; error: { message: string; stack?: string } };

const setup = workerData as ProbeSetup;
const transports = makeTransports(setup, { workers: 0 });
const inflight = new Map<number, { deadline?: Deadline; done: Promise<void> }>();
const port = parentPort!;
/** Every job's deadline hangs off this one signal, so the worker's jobs share one clock (net/deadline.ts). */
const closing = new AbortController();

// Set up: from here on a death is no failure to start (the pool's back-off tells them apart).
port.postMessage({ type: 'ready' } satisfies FromWorker);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'abort') {
    inflight.get(msg.id)?.deadline?.interrupt();
    return;
  }
  if (msg.type === 'close') {
    // Jobs in flight end as interrupted and are answered before the transports and the port close.
    closing.abort(new Error('shutdown'));
    void Promise.all([...inflight.values()].map((j) => j.done))
      .then(() => closeTransports(transports))
      .finally(() => port.close());
    return;
  }
  const entry: { deadline?: Deadline; done: Promise<void> } = { done: Promise.resolve() };
  inflight.set(msg.id, entry);
  entry.done = runJob(msg.job, setup, transports, closing.signal, (d) => (entry.deadline = d))
    .then(
      (value) => port.postMessage({ type: 'done', id: msg.id, value } satisfies FromWorker),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        port.postMessage({ type: 'fail', id: msg.id, error: { message: e.message, stack: e.stack } } satisfies FromWorker);
      },
    )
    .finally(() => inflight.delete(msg.id));
});
