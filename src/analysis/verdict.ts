/** A target's verdict: the first failing step decides the pattern, diagnosis refines it, the control sets the status. */
import { isVantageFailure, targetInput, type Measurement, type Operation, type Pattern, type Target, type TargetStatus, type TargetVerdict } from '../model/index.js';
import { controlResolveFailed, genericControl } from './control.js';
import { classifyDns, dnsFailurePattern } from './dns.js';
import { diagnosisSummary } from './evidence.js';
import { CERT_FAILURES } from './failures.js';
import { classifyHttpFailure, classifyHttpSignature, requestPattern } from './http.js';
import { classifyTcp, connectPattern } from './tcp.js';
import { classifyFreeze } from './freeze.js';
import { classifyQuic } from './quic.js';
import { classifyThroughput } from './throughput.js';
import { classifyTiming } from './timing.js';
import { classifyUdp } from './udp.js';
import { appPattern, classifyApp } from './app.js';
import { classifyTls, handshakePattern } from './tls.js';
import type { AnalysisInput, Finding, StepResult } from './types.js';

type Classifier = (input: AnalysisInput) => StepResult | null;

/**
 * In the order a probe walks. A blockpage or 451 is read before throughput
 * (the page is the answer), and a freeze or a stalled transfer before a read
 * timeout (the stall is the signal, the timeout only its end).
 */
const STEPS: ReadonlyArray<readonly [string, Classifier]> = [
  ['dns', classifyDns],
  ['tcp', classifyTcp],
  ['udp', classifyUdp],
  ['quic', classifyQuic],
  ['app', classifyApp],
  ['tls', classifyTls],
  ['http', classifyHttpSignature],
  ['freeze', classifyFreeze],
  ['throughput', classifyThroughput],
  ['timing', classifyTiming],
  ['http', classifyHttpFailure],
];

/** The status a finding earns: the control decides, unless the signature speaks for itself. */
export function statusOf(f: Finding): TargetStatus {
  // Without a named technique there is nothing to call blocking.
  if (f.pattern === null) return f.control === 'shared' ? 'down' : 'anomaly';
  if (f.strength === 'definitive') return 'blocked';
  if (f.control === 'passed') return 'blocked';
  if (f.control === 'shared') return 'down';
  return f.strength === 'signature' ? 'blocked' : 'anomaly';
}

/** The step a failed operation belongs to, for a failure no step classifier placed. */
const STEP_OF_OPERATION: Record<Operation, Finding['step']> = {
  resolve: 'dns',
  connect: 'tcp',
  tls_handshake: 'tls',
  quic_handshake: 'quic',
  mtproto_handshake: 'app',
  http_round_trip: 'http',
  read: 'http',
  write: 'http',
};

/** A pattern for a failure no step classifier placed (e.g. the engine recorded no step detail). */
function patternOfFailure(m: Measurement): Pattern | null {
  const op: Operation | null = m.operation;
  const failure = m.failure;
  if (op === 'resolve') return dnsFailurePattern(failure);
  if (op === 'connect') return connectPattern(failure);
  if (op === 'tls_handshake') return failure && CERT_FAILURES.has(failure) ? 'tls.mitm' : handshakePattern(failure);
  if (op === 'quic_handshake') return failure === 'generic_timeout_error' ? 'quic.timeout' : null;
  // No HTTP pattern names an app protocol's failure: without an app pattern there is none.
  if (op === 'mtproto_handshake') return appPattern(failure);
  return requestPattern(failure);
}

function verdictBase(target: Target, m: Measurement | null): Omit<TargetVerdict, 'status' | 'pattern' | 'evidence'> {
  return {
    id: target.id,
    kind: target.kind,
    input: targetInput(target),
    failure: m?.failure ?? null,
    operation: m?.operation ?? null,
    timings: m?.timings ?? { total: 0 },
    diagnosis: null,
    basis: null,
    trials: { run: 1, blocked: 0 },
  };
}

/** The verdict for a target that could not be judged: the vantage is offline, or the probe could not run. */
export function unknownVerdict(target: Target, reason: string, m: Measurement | null = null): TargetVerdict {
  return { ...verdictBase(target, m), status: 'unknown', pattern: null, evidence: { reason } };
}

/**
 * The controls this verdict had to do without, and why: the trusted resolver that never
 * answered, a control vantage that could not look the name up or whose path (its proxy)
 * failed, and what the round says is missing (a control vantage offline).
 */
function controlsMissing(given: AnalysisInput): string[] {
  const out = [...(given.controlsMissing ?? [])];
  const qs = given.controlQueries;
  if (qs && qs.length > 0 && qs.every((q) => q.rcode === null && q.answers.length === 0)) {
    out.push(`control resolver: no reply (${[...new Set(qs.map((q) => q.failure ?? 'no answer'))].join(', ')})`);
  }
  const c = given.control;
  if (c && isVantageFailure(c.failure)) out.push(`control vantage ${c.vantage}: its path failed (${c.failure})`);
  else if (controlResolveFailed(c)) out.push(`control vantage ${c!.vantage}: its resolver did not answer (${c!.failure})`);
  return out;
}

/** Classifies one measurement of one target, with its controls and diagnosis. Pure. */
export function classifyTarget(given: AnalysisInput): TargetVerdict {
  const m = given.measurement;
  if (!given.vantageOnline) return unknownVerdict(m.target, 'vantage_offline', m);
  if (m.failure === 'interrupted') return unknownVerdict(m.target, 'probe_interrupted', m);
  if (isVantageFailure(m.failure)) return unknownVerdict(m.target, 'probe_could_not_run', m);
  // A control whose own path refused to carry the probe says nothing about the target.
  const input: AnalysisInput = {
    ...given,
    control: isVantageFailure(given.control?.failure) ? null : given.control,
    diagnosis: given.diagnosis.filter((s) => !isVantageFailure(s.failure)),
  };

  const evidence: Record<string, unknown> = {};
  let decisive: Finding | null = null;
  for (const [key, classify] of STEPS) {
    const r = classify(input);
    if (!r) continue;
    evidence[key] = { ...((evidence[key] as Record<string, unknown>) ?? {}), ...r.evidence };
    if (r.finding && !decisive) decisive = r.finding;
  }
  if (!decisive && m.failure !== null) {
    const ctl = genericControl(m, input.control);
    decisive = {
      pattern: patternOfFailure(m),
      step: STEP_OF_OPERATION[m.operation ?? 'http_round_trip'],
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason: `probe failed at ${m.operation ?? 'an unknown operation'}`,
    };
  }
  if (input.diagnosis.length > 0) evidence.diagnosis = input.diagnosis.map(diagnosisSummary);
  const missing = controlsMissing(given);
  // Only what the verdict leaned on matters: a target that is fine needs no control.
  if (missing.length > 0 && decisive) evidence.controlMissing = missing;
  if (input.control) evidence.controlVantage = { vantage: input.control.vantage, failure: input.control.failure, operation: input.control.operation };

  if (!decisive) return { ...verdictBase(m.target, m), status: 'ok', pattern: null, evidence };
  const status = statusOf(decisive);
  evidence.basis = {
    step: decisive.step,
    observed: decisive.pattern,
    control: decisive.control,
    controlSource: decisive.controlSource,
    strength: decisive.strength,
    reason: decisive.reason,
  };
  const pattern = status === 'blocked' || status === 'anomaly' ? decisive.pattern : null;
  return {
    ...verdictBase(m.target, m),
    status,
    pattern,
    evidence,
    diagnosis: decisive.diagnosis ?? null,
    basis: pattern === 'throttled' ? (decisive.basis ?? 'throughput') : null,
    trials: { run: 1, blocked: status === 'blocked' ? 1 : 0 },
  };
}
