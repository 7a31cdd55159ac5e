/**
 * The QUIC step: an Initial that draws no long-header answer, and SNI filtering of QUIC
 * (an Initial with an innocuous name to the same address is answered). Russia has dropped
 * QUIC to foreign hosts since March 2022 (net4people/bbs #108) and filtered it by the SNI in
 * the Initial since 2023 ("On Russia's Early Introduction of QUIC SNI Censorship", FOCI 2026).
 */
import type { DiagnosisStep, Measurement, QuicHandshake } from '../model/index.js';
import { canonicalAddress } from './bogon.js';
import { hostOfAddress, NO_CONTROL, stepIp, type Standing } from './control.js';
import type { AnalysisInput, StepResult } from './types.js';

/** The server answered with a valid long-header packet (Initial, Retry, Version Negotiation, Handshake). */
export function quicAnswered(h: QuicHandshake): boolean {
  return h.response !== null;
}

function quicControl(c: Measurement | null): Standing {
  const hs = c?.quic_handshakes;
  if (!hs || hs.length === 0) return NO_CONTROL;
  return hs.some(quicAnswered) ? { standing: 'passed', source: 'control_vantage' } : { standing: 'shared', source: 'control_vantage' };
}

function summary(h: QuicHandshake): Record<string, unknown> {
  return {
    address: h.address,
    server_name: h.server_name,
    sent: h.sent,
    received: h.received,
    response: h.response,
    server_hello: h.server_hello,
    ...(h.versions ? { versions: h.versions } : {}),
    failure: h.failure,
  };
}

/** Classifies the QUIC exchanges; null when the measurement has none. */
export function classifyQuic(input: AnalysisInput): StepResult | null {
  const hs = input.measurement.quic_handshakes;
  if (!hs || hs.length === 0) return null;
  const evidence: Record<string, unknown> = { handshakes: hs.map(summary) };
  if (hs.some(quicAnswered)) return { finding: null, evidence };
  const ctl = quicControl(input.control);
  const last = hs[hs.length - 1];
  // Only silence has a pattern: an ICMP refusal of UDP 443 is not what QUIC censors do.
  const timeout = last.failure === 'generic_timeout_error';
  const ip = canonicalAddress(hostOfAddress(last.address));
  const swaps = input.diagnosis.filter((s) => s.step === 'quic_sni_swap');
  const same = swaps.filter((s: DiagnosisStep) => stepIp(s) === ip);
  const swap = (same.length > 0 ? same : swaps).find((s) => s.outcome === 'success');
  if (timeout && swap) {
    return {
      finding: {
        pattern: 'quic.sni_filter',
        step: 'quic',
        control: ctl.standing,
        controlSource: ctl.source,
        strength: 'signature',
        reason: 'an Initial with the name draws no answer while one with an innocuous SNI to the same address does',
        diagnosis: 'quic_sni_swap',
      },
      evidence,
    };
  }
  // The innocuous Initial went unanswered right after the named one, to the same address: an
  // address-wide drop, or a residual block the first left behind (net4people/bbs#505) — not told apart.
  const tainted = timeout && same.some((s) => s.outcome === 'failure');
  return {
    finding: {
      pattern: timeout ? 'quic.timeout' : null,
      step: 'quic',
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason: ctl.standing === 'passed' ? 'no QUIC answer while the control gets one' : 'no QUIC answer',
      ...(tainted ? { diagnosis: 'inconclusive' as const } : {}),
    },
    evidence,
  };
}
