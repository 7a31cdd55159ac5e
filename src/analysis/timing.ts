/**
 * Throttling by timing: a handshake (or first byte) with the target's name several times slower
 * than with an innocuous name on the same address, over several samples, while the control
 * vantage sees no such ratio. Pure.
 *
 * Thresholds, chosen from what was reported and from the lab: throttled handshakes took 8–12×
 * as long as unthrottled ones to the same address in Türkiye (ntc.party/t/3471, 2022: 0.9 s
 * against 7.8–11 s; OONI's 2025 report: twitter.com far slower than 19 other names on the same
 * prefixes), and Russia's 2021–22 Twitter throttle stretched a 0.2 s handshake past 4.6 s
 * (ntc.party/t/1724). A ratio of 3 with at least half a second between the medians catches those
 * with room to spare, and a merely slow server never reaches it: it slows the innocuous name as
 * much as the real one (ratio ≈ 1), and a server slow for that one name is slow for the control
 * too (the same ratio there), which is not throttling.
 *
 * Every named sample must be slow: the fastest named handshake is what is compared with the
 * innocuous median. Random loss slows some handshakes and not others (one lost SYN or SYN-ACK
 * costs a second: about one handshake in five at 10% loss), and the probe's own handshake is a
 * named sample picked for being slow; a median of it and one follow-up read one lost SYN as a
 * 3× throttle. A throttle keyed on the name slows each named flow, so the fastest one shows it
 * too. Likewise an address slow whatever the name is slow in every innocuous sample.
 */
import type { DiagnosisStep, Measurement, ThrottleBasis } from '../model/index.js';
import type { AnalysisInput, Finding, StepResult } from './types.js';

/** A handshake or first byte this slow (seconds) is worth timing against an innocuous name. */
export const SLOW_PHASE = 1;
/** Named over innocuous, medians: at or above this, the name is what makes it slow. */
export const TIMING_RATIO = 3;
/** And at least this many seconds apart: a 3× of 20 ms is noise. */
export const TIMING_MIN_GAP = 0.5;

interface Sample {
  handshake: number;
  ttfb?: number;
  failure: string | null;
}
interface Side {
  named: Sample[];
  innocuous: Sample[];
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Whether a measurement is slow enough to be timed against an innocuous name. */
export function slowPhase(m: Measurement): ThrottleBasis | null {
  if (m.failure !== null || (m.target.kind !== 'tls' && m.target.kind !== 'https')) return null;
  if ((m.timings.tls ?? 0) >= SLOW_PHASE) return 'handshake';
  if (m.target.kind === 'https' && (m.timings.ttfb ?? 0) >= SLOW_PHASE) return 'ttfb';
  return null;
}

function side(x: unknown): Side | null {
  if (!x || typeof x !== 'object') return null;
  const s = x as Partial<Side>;
  return Array.isArray(s.named) && Array.isArray(s.innocuous) ? (s as Side) : null;
}

interface Ratio {
  /** The fastest named sample: every one took this long or longer. */
  named: number;
  /** The innocuous samples' median. */
  innocuous: number;
  ratio: number;
  throttled: boolean;
}

const fastest = (xs: number[]): number | null => (xs.length === 0 ? null : Math.min(...xs));

function ratioOf(named: number[], innocuous: number[]): Ratio | null {
  const n = fastest(named);
  const i = median(innocuous);
  if (n === null || i === null) return null;
  const ratio = i > 0 ? n / i : Number.POSITIVE_INFINITY;
  return { named: n, innocuous: i, ratio, throttled: ratio >= TIMING_RATIO && n - i >= TIMING_MIN_GAP };
}

const handshakes = (xs: Sample[]) => xs.map((s) => s.handshake);
const ttfbs = (xs: Sample[]) => xs.filter((s) => typeof s.ttfb === 'number').map((s) => s.ttfb as number);

/** Classifies the timing follow-up; null when none ran. */
export function classifyTiming(input: AnalysisInput): StepResult | null {
  const step: DiagnosisStep | undefined = input.diagnosis.find((s) => s.step === 'handshake_timing');
  const m = input.measurement;
  const vantage = side(step?.detail?.vantage);
  if (!step || !vantage) return null;
  const control = side(step.detail?.control);
  // The probe's own handshake and first byte are named samples too.
  const namedH = [...(m.timings.tls !== undefined ? [m.timings.tls] : []), ...handshakes(vantage.named)];
  const namedT = [...(m.timings.ttfb !== undefined ? [m.timings.ttfb] : []), ...ttfbs(vantage.named)];
  const byBasis: Record<'handshake' | 'ttfb', { vantage: Ratio | null; control: Ratio | null }> = {
    handshake: { vantage: ratioOf(namedH, handshakes(vantage.innocuous)), control: control ? ratioOf(handshakes(control.named), handshakes(control.innocuous)) : null },
    ttfb: { vantage: ratioOf(namedT, ttfbs(vantage.innocuous)), control: control ? ratioOf(ttfbs(control.named), ttfbs(control.innocuous)) : null },
  };
  const evidence: Record<string, unknown> = {
    samples: { vantage: { named: namedH, innocuous: handshakes(vantage.innocuous), namedTtfb: namedT, innocuousTtfb: ttfbs(vantage.innocuous) }, control },
    handshake: byBasis.handshake,
    ttfb: byBasis.ttfb,
    thresholds: { ratio: TIMING_RATIO, minGapSeconds: TIMING_MIN_GAP, slowSeconds: SLOW_PHASE, named: 'fastest', innocuous: 'median' },
  };
  const find = (basis: ThrottleBasis, standing: Finding['control'], reason: string, diagnosis: Finding['diagnosis'] = 'handshake_timing'): StepResult => ({
    finding: { pattern: 'throttled', step: basis === 'ttfb' ? 'http' : 'tls', control: standing, controlSource: control ? 'diagnosis:handshake_timing' : null, strength: 'none', reason, basis, diagnosis },
    evidence,
  });

  for (const basis of ['handshake', 'ttfb'] as const) {
    const r = byBasis[basis];
    if (!r.vantage?.throttled) continue;
    const what = basis === 'handshake' ? 'handshakes' : 'first bytes';
    const ratio = r.vantage.ratio.toFixed(1);
    if (!control || !r.control) return find(basis, 'none', `every one of the ${what} with the name is ${ratio}× slower or more than with an innocuous name on the same address; no control timed them`);
    // The control sees the same ratio: the server is slow for that name, for everyone.
    if (r.control.throttled) return { finding: null, evidence: { ...evidence, note: `${what} with the name are as much slower from the control: the server, not the path` } };
    return find(basis, 'passed', `every one of the ${what} with the name is ${ratio}× slower or more than with an innocuous name on the same address; the control sees ${r.control.ratio.toFixed(1)}×`);
  }

  // Not the name: is the address slow from here whatever the name, and fast from the control?
  // A residual slowdown (a censor that throttles the address after seeing the name: ntc.party/t/3471)
  // looks like this, and so does an address-wide throttle: slowed, but the name cannot be shown to be the key.
  const h = byBasis.handshake;
  const innocuousFastest = fastest(handshakes(vantage.innocuous));
  if (h.vantage && innocuousFastest !== null && innocuousFastest >= SLOW_PHASE && h.control && h.control.named < SLOW_PHASE / TIMING_RATIO && h.control.innocuous < SLOW_PHASE / TIMING_RATIO) {
    return find('handshake', 'passed', `handshakes to the address are slow from here whatever the name (every innocuous handshake ${innocuousFastest.toFixed(2)} s or more) and fast from the control: a residual or address-wide slowdown`, 'inconclusive');
  }
  return { finding: null, evidence };
}
