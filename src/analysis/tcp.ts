/** The TCP step: every address unanswered, refused or unreachable, judged against the control's connects. */
import type { FailureString, Pattern } from '../model/index.js';
import { tcpControl } from './control.js';
import { connectSummary } from './evidence.js';
import type { AnalysisInput, StepResult } from './types.js';

/** The pattern of one failed connect. Russia's TSPU answers SYN with RST/ACK, which reads as refused. */
export function connectPattern(failure: FailureString | null): Pattern | null {
  switch (failure) {
    case 'generic_timeout_error':
      return 'tcp.timeout';
    case 'connection_refused':
    case 'connection_reset':
    case 'connection_aborted':
      return 'tcp.refused';
    case 'host_unreachable':
    case 'network_unreachable':
      return 'tcp.unreachable';
    default:
      return null;
  }
}

/** The commonest pattern among the failures; ties go to the earliest. */
function dominant(patterns: (Pattern | null)[]): Pattern | null {
  let best: Pattern | null = null;
  let bestCount = 0;
  for (const p of patterns) {
    if (p === null) continue;
    const n = patterns.filter((q) => q === p).length;
    if (n > bestCount) [best, bestCount] = [p, n];
  }
  return best;
}

/** Classifies the connect step; null when the measurement has none. A target connects when any address does. */
export function classifyTcp(input: AnalysisInput): StepResult | null {
  const connects = input.measurement.tcp_connect;
  if (connects.length === 0) return null;
  const evidence: Record<string, unknown> = { connects: connects.map(connectSummary) };
  const failed = connects.filter((c) => !c.status.success);
  if (failed.length < connects.length) {
    // Blocking that spares some addresses is worth recording, though the target works.
    if (failed.length > 0) evidence.partial = failed.map(connectSummary);
    return { finding: null, evidence };
  }
  const ctl = tcpControl(input);
  const pattern = dominant(failed.map((c) => connectPattern(c.status.failure)));
  return {
    finding: {
      pattern,
      step: 'tcp',
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason: ctl.standing === 'passed' ? 'every address fails while the control connects' : 'every address fails',
    },
    evidence,
  };
}
