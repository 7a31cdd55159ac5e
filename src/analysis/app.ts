/**
 * The app protocol's step (mtproto): TCP connects, then the first exchange goes unanswered
 * (app.timeout) or is cut (app.reset), while the control gets an answer; the plain transport
 * failing where obfuscated2 passes on the same address is a censor that reads the protocol
 * (app.dpi, by the transport swap).
 */
import type { AppExchange, DiagnosisStep, FailureString, Measurement, Pattern } from '../model/index.js';
import { canonicalAddress } from './bogon.js';
import { hostOfAddress, NO_CONTROL, stepIp, type Standing } from './control.js';
import type { AnalysisInput, StepResult } from './types.js';

/** The pattern of an exchange that got no answer of ours: silence, or a connection cut after the first bytes. */
export function appPattern(failure: FailureString | null): Pattern | null {
  switch (failure) {
    case 'generic_timeout_error':
      return 'app.timeout';
    case 'connection_reset':
    case 'connection_aborted':
    // A close right after the first bytes cuts the exchange as a reset does (a FIN in place of the answer).
    case 'eof_error':
      return 'app.reset';
    default:
      return null;
  }
}

const answered = (x: AppExchange): boolean => x.response === 'res_pq';

function appControl(c: Measurement | null): Standing {
  const xs = c?.app_exchanges;
  if (!xs || xs.length === 0) return NO_CONTROL;
  return xs.some(answered) ? { standing: 'passed', source: 'control_vantage' } : { standing: 'shared', source: 'control_vantage' };
}

function summary(x: AppExchange): Record<string, unknown> {
  return { address: x.address, protocol: x.protocol, transport: x.transport, sent: x.sent, received: x.received, response: x.response, failure: x.failure, ...(x.detail ? { detail: x.detail } : {}) };
}

const passed = (s: DiagnosisStep): boolean => s.outcome === 'success';

/** Classifies the app exchanges; null when the measurement has none. A target answers when any address does. */
export function classifyApp(input: AnalysisInput): StepResult | null {
  const xs = input.measurement.app_exchanges;
  if (!xs || xs.length === 0) return null;
  const evidence: Record<string, unknown> = { exchanges: xs.map(summary) };
  if (xs.some(answered)) return { finding: null, evidence };
  const last = xs[xs.length - 1];
  const pattern = appPattern(last.failure);
  const ctl = appControl(input.control);
  const ip = canonicalAddress(hostOfAddress(last.address));
  const onAddress = (step: DiagnosisStep['step']) => input.diagnosis.filter((s) => s.step === step && stepIp(s) === ip);
  if (pattern !== null && onAddress('transport_repeat').some(passed)) {
    return {
      finding: { pattern: null, step: 'app', control: 'none', controlSource: null, strength: 'none', reason: `the exchange failed once (${pattern}) and was answered when repeated: a transient failure`, diagnosis: 'transport_repeat' },
      evidence,
    };
  }
  const swap = onAddress('transport_swap').find(passed);
  if (pattern !== null && swap) {
    return {
      finding: {
        pattern: 'app.dpi',
        step: 'app',
        control: ctl.standing,
        controlSource: ctl.source,
        strength: 'signature',
        reason: `${last.transport} fails (${pattern}) while ${String(swap.detail?.transport ?? 'obfuscated2')} is answered on the same address: the censor reads the protocol`,
        diagnosis: 'transport_swap',
      },
      evidence,
    };
  }
  return {
    finding: {
      pattern,
      step: 'app',
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason: ctl.standing === 'passed' ? `the ${last.protocol} exchange fails (${last.failure}) while the control is answered` : `the ${last.protocol} exchange fails (${last.failure})`,
    },
    evidence,
  };
}
