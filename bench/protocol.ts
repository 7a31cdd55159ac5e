/** Shapes shared by the bench's processes: a run request, one probe's phases, a run's result. */

export interface RunRequest {
  n: number;
  concurrency: number;
  url: string;
  /** PEM of the CA that issued the target's certificate. */
  ca: string;
  timeoutMs: number;
  /** Spacing between the starts of the first `concurrency` probes, so they do not move in lock-step waves. */
  spacingMs?: number;
  /**
   * Probe i starts no earlier than spreadMs × i / n after the run's start: the n probes spread
   * evenly over the window, the way the daemon spreads a round's targets (and Prometheus its scrapes).
   */
  spreadMs?: number;
}

export interface ProbeSample {
  ok: boolean;
  failure: string | null;
  /** Seconds, when the phase was reached. */
  tls: number | null;
  ttfb: number | null;
  total: number;
}

export interface RunResult {
  wallSeconds: number;
  samples: ProbeSample[];
}

/** One side's figures for one repetition. */
export interface SideRun {
  n: number;
  concurrency: number;
  ok: number;
  wallSeconds: number;
  cpuSeconds: number;
  probesPerSecond: number;
  cpuPerProbe: number;
  peakRssBytes: number;
}
