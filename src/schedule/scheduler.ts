/**
 * Rounds on the cron schedule: jitter, no overlap (a late round is skipped and
 * counted, never stacked), targets spread over the interval when there are
 * many, and confirmation probes for first failures.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Config, TargetStatus } from '../model/index.js';
import { runRound, type Concluded, type Observation, type RoundResult } from '../runner/round.js';
import { closeTransports, type Transports } from '../runner/transports.js';
import { needsConfirmation } from './confirm.js';
import { sleep } from './sleep.js';

export interface SchedulerHooks {
  /**
   * Each probe's observation as soon as it is concluded — confirmation re-probes too — for
   * metrics, evidence and logs; rounds keep only verdicts afterwards.
   */
  onObservation?(o: Observation, round: string): void;
  /** A target probed more than once in the round: its verdict over every trial. */
  onConcluded?(o: Concluded, round: string): void;
  /** A round finished (confirmations included). */
  onRound(result: RoundResult, confirmations: number): void | Promise<void>;
  onSkipped(): void;
  onError(err: unknown): void;
}

/** Milliseconds between two runs of a cron expression (the round interval). */
export function cronInterval(expression: string): number {
  const task = cron.createTask(expression, () => {});
  try {
    const [a, b] = task.getNextRuns(2);
    return a && b ? b.getTime() - a.getTime() : 60_000;
  } finally {
    void task.destroy();
  }
}

/** The window a round's starts are spread over: half the interval once there is more work than can run at once. */
export function roundSpreadMs(targets: number, concurrency: number, intervalMs: number): number {
  return targets > concurrency ? intervalMs / 2 : 0;
}

export class Scheduler {
  private task: ScheduledTask | null = null;
  /** The schedule's interval, worked out once per (re)configuration. */
  private intervalMs = 60_000;
  private running: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  /** Last status per vantage/app/target, to tell a first failure from a known one. */
  private readonly previous = new Map<string, TargetStatus>();
  private rounds = 0;

  constructor(
    private config: Config,
    private transports: Transports,
    private readonly hooks: SchedulerHooks,
  ) {}

  /** Starts the schedule and runs a first round at once. */
  start(): void {
    this.schedule();
    this.trigger(false);
  }

  /** Swaps in a new config at the next round; the one in flight finishes on the old. */
  reconfigure(config: Config, transports: Transports): void {
    const old = this.transports;
    this.config = config;
    this.transports = transports;
    // The old transports serve the round in flight, if any, then are released.
    void (this.running ?? Promise.resolve()).then(() => closeTransports(old));
    this.task?.destroy();
    this.schedule();
  }

  get roundCount(): number {
    return this.rounds;
  }

  /** When the next round is due (its jitter comes on top); null when stopped. */
  nextRound(): Date | null {
    return this.task?.getNextRun() ?? null;
  }

  /** Stops scheduling; aborts the round in flight after `graceMs`, and waits for it. */
  async stop(graceMs: number): Promise<void> {
    await this.task?.destroy();
    this.task = null;
    if (this.running) {
      const timer = setTimeout(() => this.stopping.abort(new Error('shutdown')), graceMs);
      await this.running;
      clearTimeout(timer);
    }
    await closeTransports(this.transports);
  }

  private schedule(): void {
    this.intervalMs = cronInterval(this.config.schedule.cron);
    this.task = cron.schedule(this.config.schedule.cron, () => this.trigger(true), { name: 'blockwatch-round' });
  }

  private trigger(withJitter: boolean): void {
    if (this.running) {
      this.hooks.onSkipped();
      return;
    }
    this.running = this.round(withJitter)
      .catch((err) => this.hooks.onError(err))
      .finally(() => {
        this.running = null;
      });
  }

  private async round(withJitter: boolean): Promise<void> {
    const { config, transports } = this;
    const signal = this.stopping.signal;
    if (withJitter && config.schedule.jitterMs > 0) await sleep(Math.random() * config.schedule.jitterMs, signal);
    if (signal.aborted) return;
    const targets = config.apps.reduce((n, a) => n + a.targets.length, 0) * config.vantages.length;
    const spreadMs = roundSpreadMs(targets, config.schedule.concurrency, this.intervalMs);
    const startedAt = new Date().toISOString();
    const hand = this.hooks.onObservation;
    const onObservation = hand ? (o: Observation) => hand(o, startedAt) : undefined;
    const key = (o: Concluded) => `${o.vantage}\u0000${o.app}\u0000${o.target.id}`;
    // A first failure is probed again inside the round: the same concurrency bound, the same
    // canary and control results, and each re-probe one more trial of the target.
    const confirm = { ...config.alerts.confirm, needed: (o: Concluded) => needsConfirmation(o, this.previous.get(key(o))) };
    const concluded = this.hooks.onConcluded;
    const onConcluded = concluded ? (o: Concluded) => concluded(o, startedAt) : undefined;
    const result = await runRound(config, transports, { signal, spreadMs, onObservation, onConcluded, startedAt, confirm });
    const online = new Map(result.states.map((s) => [s.id, s.online]));
    for (const o of result.observations) if (online.get(o.vantage)) this.previous.set(key(o), o.verdict.status);
    this.rounds++;
    await this.hooks.onRound(result, result.confirmations);
  }
}
