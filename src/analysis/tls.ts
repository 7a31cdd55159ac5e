/** The TLS step: reset, close or stall after ClientHello, SNI filtering (by SNI swap), and certificates that do not validate. */
import { handshakeReached, type DiagnosisStep, type FailureString, type Pattern } from '../model/index.js';
import { canonicalAddress } from './bogon.js';
import { hostOfAddress, stepIp, tlsControl } from './control.js';
import { CERT_FAILURES } from './failures.js';
import { handshakeSummary } from './evidence.js';
import type { AnalysisInput, StepResult } from './types.js';

/** The pattern of a handshake that did not complete. */
export function handshakePattern(failure: FailureString | null): Pattern | null {
  switch (failure) {
    case 'connection_reset':
    case 'connection_aborted':
    // A forged alert or garbage in place of ServerHello interrupts like a reset does.
    case 'ssl_failed_handshake':
      return 'tls.reset';
    case 'eof_error':
      return 'tls.eof';
    case 'generic_timeout_error':
      return 'tls.timeout';
    default:
      return null;
  }
}

/** An SNI swap that completed a handshake; a certificate not matching the innocuous name still counts. */
function swapCompleted(s: DiagnosisStep): boolean {
  return s.outcome === 'success' || (s.failure !== null && CERT_FAILURES.has(s.failure));
}

/** Classifies the TLS step; null when the measurement has none. */
export function classifyTls(input: AnalysisInput): StepResult | null {
  const hs = input.measurement.tls_handshakes;
  if (hs.length === 0) return null;
  const evidence: Record<string, unknown> = { handshakes: hs.map(handshakeSummary) };
  if (hs.some(handshakeReached)) return { finding: null, evidence };

  const last = hs[hs.length - 1];
  const ctl = tlsControl(input.control);
  const completed = last.failure === null || CERT_FAILURES.has(last.failure);
  if (completed) {
    return {
      finding: {
        pattern: 'tls.mitm',
        step: 'tls',
        control: ctl.standing,
        controlSource: ctl.source,
        strength: 'none',
        reason: 'certificate does not validate for the name',
      },
      evidence,
    };
  }

  const pattern = handshakePattern(last.failure);
  const ip = canonicalAddress(hostOfAddress(last.address));
  const repeated = input.diagnosis.find((s) => s.step === 'sni_repeat' && stepIp(s) === ip && swapCompleted(s));
  if (pattern !== null && repeated) {
    // Reached with the same name on a second try: the failure was transient, not a filter.
    return {
      finding: { pattern: null, step: 'tls', control: 'none', controlSource: null, strength: 'none', reason: `the handshake failed once (${pattern}) and completed when repeated: a transient failure`, diagnosis: 'sni_repeat' },
      evidence,
    };
  }
  const onAddress = (step: DiagnosisStep['step']) => input.diagnosis.filter((s) => s.step === step && stepIp(s) === ip);
  // ECH first: the probe's own hello without its ECH extension is the narrowest change.
  const echPassed = onAddress('ech_swap').find(swapCompleted);
  if (pattern !== null && last.ech && echPassed) {
    return {
      finding: {
        pattern: 'tls.ech_blocked',
        step: 'tls',
        control: ctl.standing,
        controlSource: ctl.source,
        strength: 'signature',
        reason: `the ${last.hello ?? 'node'} hello with ECH fails (${pattern}) while the same hello without it reaches a ServerHello`,
        diagnosis: 'ech_swap',
      },
      evidence,
    };
  }
  // Then the client: the same name from other clients' hellos.
  const helloSwaps = onAddress('hello_swap');
  const passedHellos = helloSwaps.filter(swapCompleted).map((s) => String(s.detail?.hello));
  if (pattern !== null && passedHellos.length > 0) {
    const failedHellos = [last.hello ?? 'node', ...helloSwaps.filter((s) => !swapCompleted(s)).map((s) => String(s.detail?.hello))];
    evidence.helloSwap = { passed: passedHellos, failed: failedHellos };
    return {
      finding: {
        pattern: 'tls.fingerprint',
        step: 'tls',
        control: ctl.standing,
        controlSource: ctl.source,
        strength: 'signature',
        reason: `the ${last.hello ?? 'node'} hello fails (${pattern}) and fails again, while ${passedHellos.join(', ')} reach a ServerHello with the same name on the same address`,
        diagnosis: 'hello_swap',
      },
      evidence,
    };
  }
  const swaps = input.diagnosis.filter((s) => s.step === 'sni_swap');
  // Prefer swaps to the same address; one to another address of the target still shows the name is the key.
  const same = swaps.filter((s) => stepIp(s) === ip);
  const swap = (same.length > 0 ? same : swaps).find(swapCompleted);
  if (pattern !== null && swap) {
    return {
      finding: {
        pattern: 'tls.sni_filter',
        step: 'tls',
        control: ctl.standing,
        controlSource: ctl.source,
        strength: 'signature',
        reason: `handshake with the name fails (${pattern}) while an innocuous SNI completes`,
        diagnosis: 'sni_swap',
      },
      evidence,
    };
  }
  // The innocuous name failed too, right after the named one and on the same address: every
  // hello to the address is refused, or the first left a residual block behind (the GFW holds
  // one 90–180 s) — the name cannot be shown to be the key, so no follow-up decides.
  const tainted = pattern !== null && same.some((s) => !swapCompleted(s) && handshakePattern(s.failure) !== null);
  return {
    finding: {
      pattern,
      step: 'tls',
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason: tainted
        ? `handshake fails (${pattern}), and an innocuous SNI right after it on the same address fails too: an address-wide block or a residual one`
        : ctl.standing === 'passed' ? 'handshake fails while the control completes it' : 'handshake fails',
      ...(tainted ? { diagnosis: 'inconclusive' as const } : {}),
    },
    evidence,
  };
}
