/**
 * The freeze step: an HTTPS body read that stalled after 16–20 KB had crossed the connection,
 * while the control read the same resource whole. Russia's TSPU boxes freeze flows to many
 * foreign hosts that way since 2024–25 (net4people/bbs #490, #662; since 9 June 2025 flows to
 * Cloudflare, Hetzner, OVH and DigitalOcean stall after 10–14 packets: hyperion-cs/dpi-checkers).
 */
import type { HttpRequest, Measurement } from '../model/index.js';
import { NO_CONTROL, type Standing } from './control.js';
import { FREEZE_BAND } from './throughput.js';
import type { AnalysisInput, StepResult } from './types.js';

/** The last request of a measurement, when its read stalled: in the body, or before a head it never got. */
function stalledRead(m: Measurement): HttpRequest | null {
  const last = m.requests[m.requests.length - 1];
  return last?.response?.stalled || last?.stalled ? last : null;
}

/**
 * The control read the same resource whole (no failure), or its read stalled too. A control
 * read that failed otherwise (cut by its deadline while moving, reset) says nothing either way:
 * a slow control is never evidence of an outage.
 */
function freezeControl(c: Measurement | null): Standing {
  if (!c || c.requests.length === 0) return NO_CONTROL;
  const last = c.requests[c.requests.length - 1];
  if (last.response && last.failure === null) return { standing: 'passed', source: 'control_vantage' };
  if (last.response?.stalled || last.stalled) return { standing: 'shared', source: 'control_vantage' };
  return NO_CONTROL;
}

/** Classifies a stalled body read; null when the last read did not stall. A stall outside the band is left to the HTTP step. */
export function classifyFreeze(input: AnalysisInput): StepResult | null {
  const req = stalledRead(input.measurement);
  if (!req) return null;
  // Wire bytes count the whole exchange: a freeze inside the record carrying the head leaves no response.
  const wire = req.response ? req.response.wire_bytes : req.wire_bytes;
  const inBand = wire !== undefined && wire >= FREEZE_BAND[0] && wire <= FREEZE_BAND[1];
  const evidence: Record<string, unknown> = {
    stalledAfterBodyBytes: req.response?.body_length ?? 0,
    wireBytes: wire ?? null,
    freezeBand: FREEZE_BAND,
    inFreezeBand: inBand,
  };
  if (!inBand) return { finding: null, evidence };
  const ctl = freezeControl(input.control);
  return {
    finding: {
      pattern: 'tls.freeze',
      step: 'freeze',
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason:
        ctl.standing === 'passed'
          ? `the read stalled after ${wire} bytes on the wire while the control read it whole`
          : ctl.standing === 'shared'
            ? 'the control read stalls too'
            : `the read stalled after ${wire} bytes on the wire`,
    },
    evidence,
  };
}
