/**
 * The network work of a round as jobs: a probe, the trusted resolver's answers for a name,
 * and a target's follow-up probes. The same code runs them in the coordinating thread or in
 * a probe worker (runner/worker.ts): a job names its vantage by id, so it can cross threads.
 */
import { runDiagnosis } from '../diagnosis/run.js';
import { probe } from '../engines/registry.js';
import type { ProbeContext } from '../engines/types.js';
import type { DiagnosisRequest } from '../analysis/index.js';
import type { Config, DiagnosisStep, DnsQuery, Measurement, Target } from '../model/index.js';
import { deadline, type Deadline } from '../net/deadline.js';
import { repliesSettled } from '../net/resolvers/udp.js';
import type { Transports, VantageTransport } from './transports.js';

export type Job =
  | { kind: 'probe'; vantage: string; app: string; target: Target }
  | { kind: 'control_dns'; hostname: string }
  | { kind: 'diagnose'; vantage: string; control: string | null; app: string; requests: DiagnosisRequest[]; ordered?: boolean };

/** What each job kind gives back. */
export interface JobResult {
  probe: Measurement;
  control_dns: DnsQuery[];
  diagnose: DiagnosisStep[];
}

/** What a thread needs to run jobs: the config's transport settings, and the probe deadline. */
export type ProbeSetup = Pick<Config, 'vantages' | 'control' | 'tls' | 'limits'> & { timeoutMs: number };

export function probeSetup(config: Config): ProbeSetup {
  return { vantages: config.vantages, control: config.control, tls: config.tls, limits: config.limits, timeoutMs: config.schedule.timeoutMs };
}

/** A probe context for a vantage under the given signal (a deadline from `withDeadline`). */
export function probeContext(setup: ProbeSetup, t: VantageTransport, app: string, signal: AbortSignal): ProbeContext {
  return {
    app,
    vantage: t.vantage,
    resolver: t.resolver,
    connector: t.connector,
    datagrams: t.datagrams,
    // The engines add a target's own `ca` themselves.
    extraCA: setup.tls.extraCA,
    signal,
    limits: setup.limits,
  };
}

function vantageOf(transports: Transports, id: string): VantageTransport {
  const t = transports.vantages.get(id);
  if (!t) throw new Error(`no vantage ${id} in this configuration`);
  return t;
}

/**
 * Runs one job under its own deadline (and the parent's abort). Throws only when the job
 * could not run; a probe that saw a block returns its measurement. The throughput step of
 * diagnosis reads the control's measurement and stays with the coordinator.
 */
export async function runJob<J extends Job>(
  job: J,
  setup: ProbeSetup,
  transports: Transports,
  parent: AbortSignal,
  /** Given the job's deadline as it starts, so one job can be interrupted on its own. */
  hold?: (d: Deadline) => void,
): Promise<JobResult[J['kind']]> {
  // The parent's clock (net/deadline.ts) times every job under it with one timer.
  const d = deadline(setup.timeoutMs, parent);
  hold?.(d);
  try {
    return await runUnder(job, setup, transports, d.signal);
  } finally {
    d.dispose();
  }
}

async function runUnder<J extends Job>(job: J, setup: ProbeSetup, transports: Transports, signal: AbortSignal): Promise<JobResult[J['kind']]> {
  switch (job.kind) {
    case 'probe': {
      const t = vantageOf(transports, job.vantage);
      return (await probe(job.target, probeContext(setup, t, job.app, signal))) as unknown as JobResult[J['kind']];
    }
    case 'control_dns': {
      const resolver = transports.control;
      const origin = performance.now();
      const qs = await Promise.all([resolver.query(job.hostname, 'A', { signal, origin }), resolver.query(job.hostname, 'AAAA', { signal, origin })]);
      await Promise.all(qs.map(repliesSettled));
      return qs as unknown as JobResult[J['kind']];
    }
    case 'diagnose': {
      const t = vantageOf(transports, job.vantage);
      const c = job.control ? vantageOf(transports, job.control) : null;
      const steps = await runDiagnosis(job.requests, {
        vantage: probeContext(setup, t, job.app, signal),
        control: c ? probeContext(setup, c, job.app, signal) : null,
        controlResolver: transports.control,
        controlMeasurement: async () => null,
        budgetMs: setup.timeoutMs,
        ordered: job.ordered,
      });
      return steps as unknown as JobResult[J['kind']];
    }
  }
}
