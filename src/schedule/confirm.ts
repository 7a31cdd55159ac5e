/**
 * Confirmation probes: a target that fails for the first time is probed again
 * at once, a few seconds apart, so a real block is confirmed within seconds and
 * a lost packet never is. The round runs them (Round.conclude) as more trials.
 */
import type { TargetStatus } from '../model/index.js';
import type { Concluded } from '../runner/round.js';

const BAD: ReadonlySet<TargetStatus> = new Set(['blocked', 'down', 'anomaly']);

/** The statuses that page (BlockwatchAppBlocked, BlockwatchAppDown). */
const PAGING: ReadonlySet<TargetStatus> = new Set(['blocked', 'down']);

/**
 * Whether an observation needs confirming: bad now, and not bad in the previous round; or
 * blocked or down now after a round that was bad another way. A lost packet that a
 * confirmation passed leaves its round `anomaly` (intermittent); the next lost packet would
 * otherwise be a block on one probe, and page.
 */
export function needsConfirmation(o: Concluded, previous: TargetStatus | undefined): boolean {
  const now = o.verdict.status;
  if (!BAD.has(now)) return false;
  if (previous === undefined || !BAD.has(previous)) return true;
  return PAGING.has(now) && previous !== now;
}
