/**
 * Trials: one target probed several times in a round (schedule.trials, and the confirmation
 * re-probes after a first failure), combined into the round's verdict. Pure.
 *
 * A block seen in every judged trial is a block. A block seen in some trials and not in
 * others is intermittent: the verdict is `anomaly` with the blocked trials' pattern (it looks
 * like blocking, but not consistently), so it never pages on its own; the share of blocked
 * trials over a window (blockwatch_target_blocked_ratio) is what tells a sustained
 * intermittent block from a lost packet.
 */
import type { TargetVerdict } from '../model/index.js';

/** What the evidence keeps of each trial: enough to see which failed how, not the whole verdict. */
export interface TrialSummary {
  status: TargetVerdict['status'];
  pattern: TargetVerdict['pattern'];
  failure: TargetVerdict['failure'];
  operation: TargetVerdict['operation'];
  /** Seconds the probe took. */
  total: number;
}

function summary(v: TargetVerdict): TrialSummary {
  return { status: v.status, pattern: v.pattern, failure: v.failure, operation: v.operation, total: v.timings.total };
}

/** The trials that count: a trial that could not be judged (unknown) says nothing either way. */
function judged(verdicts: TargetVerdict[]): TargetVerdict[] {
  return verdicts.filter((v) => v.status !== 'unknown');
}

/** Whether some judged trials were blocked and others not. */
export function isIntermittent(verdicts: TargetVerdict[]): boolean {
  const j = judged(verdicts);
  const blocked = j.filter((v) => v.status === 'blocked').length;
  return blocked > 0 && blocked < j.length;
}

/**
 * The round's verdict from its trials, in the order they ran (at least one). `trials.run`
 * counts every trial, `trials.blocked` those blocked; the evidence lists each trial when
 * there was more than one.
 */
export function combineTrials(verdicts: TargetVerdict[]): TargetVerdict {
  if (verdicts.length === 0) throw new Error('combineTrials needs at least one verdict');
  const run = verdicts.reduce((n, v) => n + v.trials.run, 0);
  const blocked = verdicts.reduce((n, v) => n + v.trials.blocked, 0);
  const trials = { run, blocked };
  if (verdicts.length === 1) return { ...verdicts[0], trials };

  const j = judged(verdicts);
  const blockedOnes = j.filter((v) => v.status === 'blocked');
  const each = verdicts.map(summary);
  let chosen: TargetVerdict;
  let intermittent = false;
  if (j.length === 0) chosen = verdicts[verdicts.length - 1];
  else if (blockedOnes.length === j.length) chosen = blockedOnes[0];
  else if (blockedOnes.length > 0) {
    intermittent = true;
    chosen = blockedOnes[0];
  } else chosen = j.find((v) => v.status === 'ok') ?? j[0];

  const evidence: Record<string, unknown> = { ...chosen.evidence, trials: each };
  if (!intermittent) return { ...chosen, trials, evidence };
  evidence.intermittent = { blocked: blockedOnes.length, judged: j.length };
  return { ...chosen, status: 'anomaly', trials, evidence };
}
