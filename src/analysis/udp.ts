/** The UDP step: STUN Binding requests to a call relay that get no answer, or ICMP port unreachable, judged against the control. */
import type { FailureString, Measurement, Pattern, UdpExchange } from '../model/index.js';
import { NO_CONTROL, type Standing } from './control.js';
import type { AnalysisInput, StepResult } from './types.js';

/** An exchange the server answered: any STUN response to our transaction, success or error, proves the path. */
export function udpAnswered(e: UdpExchange): boolean {
  return e.replies.some((r) => r.kind !== 'other');
}

export function udpPattern(failure: FailureString | null): Pattern | null {
  switch (failure) {
    case 'generic_timeout_error':
      return 'udp.timeout';
    case 'connection_refused':
      return 'udp.refused';
    default:
      return null;
  }
}

function udpControl(c: Measurement | null): Standing {
  const xs = c?.udp_exchanges;
  if (!xs || xs.length === 0) return NO_CONTROL;
  return xs.some(udpAnswered) ? { standing: 'passed', source: 'control_vantage' } : { standing: 'shared', source: 'control_vantage' };
}

function summary(e: UdpExchange): Record<string, unknown> {
  return {
    address: e.address,
    sent: e.sent,
    replies: e.replies.length,
    ...(e.replies_dropped ? { replies_dropped: e.replies_dropped } : {}),
    answered: udpAnswered(e),
    mapped_address: e.mapped_address,
    rtt: e.rtt,
    failure: e.failure,
  };
}

/** Classifies the STUN exchanges; null when the measurement has none. A target answers when any address does. */
export function classifyUdp(input: AnalysisInput): StepResult | null {
  const xs = input.measurement.udp_exchanges;
  if (!xs || xs.length === 0) return null;
  const evidence: Record<string, unknown> = { exchanges: xs.map(summary) };
  if (xs.some(udpAnswered)) return { finding: null, evidence };
  const ctl = udpControl(input.control);
  return {
    finding: {
      pattern: udpPattern(xs[0].failure),
      step: 'udp',
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason: ctl.standing === 'passed' ? 'no STUN answer on any address while the control gets one' : 'no STUN answer on any address',
    },
    evidence,
  };
}
