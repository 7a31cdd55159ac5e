/** The throughput step: a transfer far slower than the control's (or the target's floor), or one that froze part-way. */
import type { ThroughputSample } from '../model/index.js';
import { transferSummary } from './evidence.js';
import type { AnalysisInput, ControlStanding, StepResult } from './types.js';

/**
 * Throttled when the vantage's rate is below a third of the control's. Two
 * unthrottled paths on different networks routinely differ by up to about 2×,
 * so a stricter ratio would flag ordinary variation; real throttling sits far
 * lower (Russia's 2021 Twitter throttling held flows near 130–150 kbit/s
 * against multi-Mbit/s baselines: "Throttling Twitter: An Emerging
 * Censorship Technique in Russia", IMC 2021).
 */
export const THROTTLE_RATIO = 1 / 3;

/**
 * Since 2024–25 connections to many foreign addresses in Russia freeze after
 * 16–20 KB (net4people/bbs #490, #662). Evidence says whether a stall falls in
 * that band (with room for headers and record framing); the verdict does not depend on it.
 */
export const FREEZE_BAND: readonly [number, number] = [12 * 1024, 24 * 1024];

interface Baseline {
  sample: ThroughputSample;
  source: string;
}

function baselineOf(input: AnalysisInput): Baseline | null {
  const c = input.control?.transfer;
  if (c) return { sample: c, source: 'control_vantage' };
  for (const s of input.diagnosis) {
    const d = s.detail;
    if (s.step !== 'throughput' || !d || typeof d.bitsPerSecond !== 'number' || typeof d.complete !== 'boolean') continue;
    const sample: ThroughputSample = {
      bytes: typeof d.bytes === 'number' ? d.bytes : 0,
      seconds: typeof d.seconds === 'number' ? d.seconds : 0,
      bitsPerSecond: d.bitsPerSecond,
      complete: d.complete,
      ...(d.stalled === true ? { stalled: true } : {}),
    };
    return { sample, source: 'diagnosis:throughput' };
  }
  return null;
}

function floorOf(input: AnalysisInput): number | null {
  const t = input.measurement.target;
  return t.kind === 'https' && t.transfer?.floor !== undefined ? t.transfer.floor : null;
}

/** Classifies the transfer; null when the measurement has none, or it moved no byte (the HTTP step speaks then). */
export function classifyThroughput(input: AnalysisInput): StepResult | null {
  const t = input.measurement.transfer;
  if (!t || (!t.complete && t.bytes === 0)) return null;
  const base = baselineOf(input);
  const floor = floorOf(input);
  const evidence: Record<string, unknown> = { vantage: transferSummary(t), ratioThreshold: THROTTLE_RATIO };
  if (base) evidence.control = { ...transferSummary(base.sample), source: base.source };
  if (floor !== null) evidence.floorBitsPerSecond = floor;
  const throttled = (control: ControlStanding, reason: string): StepResult => ({
    finding: {
      pattern: 'throttled', step: 'throughput', control, controlSource: base?.source ?? null, strength: 'none', reason, basis: 'throughput',
      ...(base?.source === 'diagnosis:throughput' ? { diagnosis: 'throughput' as const } : {}),
    },
    evidence,
  });
  // Only the object itself is a sample: an error page, or a body that ended cleanly short of
  // the wanted size (a smaller object than the catalogue says), measures nothing.
  const res = input.measurement.requests[input.measurement.requests.length - 1];
  const code = res?.response?.code;
  if (code !== undefined && (code < 200 || code > 299)) {
    evidence.notASample = `status ${code}: not the object`;
    return { finding: null, evidence };
  }
  if (!t.complete && !t.stalled && res?.failure === null && res.response && !res.response.body_is_truncated) {
    evidence.notASample = `the body ended after ${t.bytes} bytes, short of the ${input.measurement.target.kind === 'https' ? input.measurement.target.transfer?.bytes : '?'} wanted: a smaller object, not a slow one`;
    return { finding: null, evidence };
  }

  if (!t.complete) {
    evidence.stalledAfterBytes = t.bytes;
    evidence.inFreezeBand = t.bytes >= FREEZE_BAND[0] && t.bytes <= FREEZE_BAND[1];
    if (!base) return throttled('none', `transfer stalled after ${t.bytes} bytes`);
    if (base.sample.complete) return throttled('passed', `transfer stalled after ${t.bytes} bytes while the control completes`);
    // Only a control that stalled too shares the failure: one the deadline cut while it was
    // still moving is merely slow (a loaded machine, a long path), never evidence of an outage.
    if (base.sample.stalled) return throttled('shared', 'the control transfer stalls too');
    const ratio = base.sample.bitsPerSecond > 0 ? t.bitsPerSecond / base.sample.bitsPerSecond : null;
    if (ratio !== null) evidence.ratio = ratio;
    if (ratio !== null && ratio < THROTTLE_RATIO) return throttled('passed', 'rate below a third of the control, whose transfer the deadline cut while still moving');
    return throttled('none', 'the control transfer was still moving when the deadline cut it: no conclusion');
  }

  if (base && base.sample.complete && base.sample.bitsPerSecond > 0) {
    const ratio = t.bitsPerSecond / base.sample.bitsPerSecond;
    evidence.ratio = ratio;
    return ratio < THROTTLE_RATIO ? throttled('passed', 'rate below a third of the control') : { finding: null, evidence };
  }
  // Without a usable control the floor is the only yardstick, and a slow link looks the same: never more than an anomaly.
  if (floor !== null && t.bitsPerSecond < floor) return throttled('none', 'rate below the target floor');
  return { finding: null, evidence };
}
