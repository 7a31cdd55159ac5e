/**
 * Confirmation probes: a target that fails for the first time is probed again
 * at once, a few seconds apart, so a real block is confirmed within seconds and
 * a lost packet never is.
 */
import type { TargetStatus } from '../model/index.js';
import type { Concluded, Observation, Round } from '../runner/round.js';
import { sleep } from './sleep.js';

const BAD: ReadonlySet<TargetStatus> = new Set(['blocked', 'down', 'anomaly']);

export interface ConfirmOptions {
  attempts: number;
  spacingMs: number;
  signal: AbortSignal;
  /** Each re-probe's observation, as the round hands on its own. */
  onObservation?: (o: Observation) => void;
}

/** Whether an observation needs confirming: bad now, and not bad in the previous round. */
export function needsConfirmation(o: Concluded, previous: TargetStatus | undefined): boolean {
  return BAD.has(o.verdict.status) && (previous === undefined || !BAD.has(previous));
}

/**
 * Re-probes a failed observation up to `attempts` times. Returns the first
 * re-probe that is ok (the failure was transient), else the last one (confirmed).
 */
export async function confirm(makeRound: () => Round, o: Concluded, opts: ConfirmOptions): Promise<{ observation: Concluded; confirmed: boolean; attempts: number }> {
  let last: Concluded = o;
  for (let i = 1; i <= opts.attempts; i++) {
    await sleep(opts.spacingMs, opts.signal);
    if (opts.signal.aborted) break;
    const round = makeRound();
    const t = round.transports.vantages.get(o.vantage);
    const app = round.config.apps.find((a) => a.id === o.app);
    const target = app?.targets.find((x) => x.id === o.target.id);
    if (!t || !app || !target) break;
    // Only observations of online vantages are confirmed.
    const seen = await round.assess(app, target, t, true);
    opts.onObservation?.(seen);
    last = opts.onObservation ? { app: seen.app, vantage: seen.vantage, target: seen.target, verdict: seen.verdict } : seen;
    if (!BAD.has(last.verdict.status)) return { observation: last, confirmed: false, attempts: i };
  }
  return { observation: last, confirmed: true, attempts: opts.attempts };
}
