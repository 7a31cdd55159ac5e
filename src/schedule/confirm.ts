/**
 * Confirmation probes: a target that fails for the first time is probed again
 * at once, a few seconds apart, so a real block is confirmed within seconds and
 * a lost packet never is. The round runs them (Round.conclude) as more trials.
 */
import type { TargetStatus } from '../model/index.js';
import type { Concluded } from '../runner/round.js';

const BAD: ReadonlySet<TargetStatus> = new Set(['blocked', 'down', 'anomaly']);

/** Whether an observation needs confirming: bad now, and not bad in the previous round. */
export function needsConfirmation(o: Concluded, previous: TargetStatus | undefined): boolean {
  return BAD.has(o.verdict.status) && (previous === undefined || !BAD.has(previous));
}
