/**
 * Where a round's network work runs: in this thread (InlineExecutor), or spread over probe
 * workers that own their sockets (WorkerPool, runner/pool.ts). The round, its controls and
 * its analysis stay with the coordinator either way.
 */
import type { Job, JobResult, ProbeSetup } from './jobs.js';
import { runJob } from './jobs.js';
import type { Transports } from './transports.js';

export interface Executor {
  /** Runs a job under a fresh probe deadline; `parent` aborts it (shutdown). */
  run<J extends Job>(job: J, parent: AbortSignal): Promise<JobResult[J['kind']]>;
  /** Ends the workers, if any. Jobs in flight are aborted. */
  close(): Promise<void>;
}

/** Runs every job in this thread with these transports. */
export class InlineExecutor implements Executor {
  constructor(
    private readonly setup: ProbeSetup,
    private readonly transports: Omit<Transports, 'executor'>,
  ) {}

  run<J extends Job>(job: J, parent: AbortSignal): Promise<JobResult[J['kind']]> {
    return runJob(job, this.setup, this.transports as Transports, parent);
  }

  async close(): Promise<void> {}
}
