/** Verdicts: what analysis concludes, and the report that carries them (the README's verdicts and report). */
import type { CanaryScope } from './canary.js';
import type { FailureString, Operation } from './failure.js';
import type { TargetKind } from './target.js';
import type { Timings } from './measurement.js';

export const TARGET_STATUSES = ['ok', 'anomaly', 'blocked', 'down', 'unknown'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

export const APP_STATUSES = ['reachable', 'degraded', 'anomaly', 'blocked', 'down', 'unknown'] as const;
export type AppStatus = (typeof APP_STATUSES)[number];

export const PATTERNS = [
  'dns.nxdomain',
  'dns.servfail',
  'dns.refused',
  'dns.no_answer',
  'dns.timeout',
  'dns.bogon',
  'dns.blockpage',
  'dns.injected',
  'dns.inconsistent',
  'tcp.timeout',
  'tcp.refused',
  'tcp.unreachable',
  'tls.reset',
  'tls.eof',
  'tls.timeout',
  'tls.sni_filter',
  'tls.mitm',
  'http.blockpage',
  'http.451',
  'http.reset',
  'http.timeout',
  'throttled',
  'tls.freeze',
  'udp.timeout',
  'udp.refused',
  'quic.timeout',
  'quic.sni_filter',
  'app.timeout',
  'app.reset',
  'app.dpi',
  'tls.fingerprint',
  'tls.ech_blocked',
] as const;
export type Pattern = (typeof PATTERNS)[number];

/** One follow-up probe and what it found. */
export interface DiagnosisStep {
  step:
    | 'control_resolve'
    | 'control_connect'
    | 'sni_swap'
    | 'sni_repeat'
    | 'quic_sni_swap'
    | 'answer_tls'
    | 'answer_http'
    | 'throughput'
    | 'control_vantage'
    | 'transport_swap'
    | 'transport_repeat'
    | 'handshake_timing'
    | 'hello_swap'
    | 'ech_swap';
  input: string;
  outcome: 'success' | 'failure';
  failure: FailureString | null;
  detail?: Record<string, unknown>;
}

/** What the `basis` of a `throttled` verdict is: a slow transfer, or a phase slow only with the target's name. */
export const THROTTLE_BASES = ['throughput', 'handshake', 'ttfb'] as const;
export type ThrottleBasis = (typeof THROTTLE_BASES)[number];

/** The follow-up that decided a verdict (DESIGN §13), or `inconclusive` when a residual block may have tainted it. */
export const DECIDING_DIAGNOSES = [
  'control_resolve',
  'control_connect',
  'sni_swap',
  'sni_repeat',
  'hello_swap',
  'ech_swap',
  'transport_swap',
  'transport_repeat',
  'quic_sni_swap',
  'answer_tls',
  'answer_http',
  'throughput',
  'handshake_timing',
  'inconclusive',
] as const;
export type DecidingDiagnosis = (typeof DECIDING_DIAGNOSES)[number];

/** How many trials of a target a round ran, and how many of them were blocked. */
export interface Trials {
  run: number;
  blocked: number;
}

export interface TargetVerdict {
  id: string;
  kind: TargetKind;
  input: string;
  status: TargetStatus;
  /** Null unless status is blocked or anomaly. */
  pattern: Pattern | null;
  failure: FailureString | null;
  operation: Operation | null;
  timings: Timings;
  evidence: Record<string, unknown>;
  /** The follow-up probe that decided, `inconclusive`, or null when none ran or none decided. */
  diagnosis: DecidingDiagnosis | null;
  /** For `throttled`: what was slow. Null otherwise. */
  basis: ThrottleBasis | null;
  trials: Trials;
}

export interface AppVerdict {
  app: string;
  vantage: string;
  status: AppStatus;
  patterns: Pattern[];
  targets: TargetVerdict[];
}

/**
 * online: a foreign canary answers (or, with no domestic canary, any canary).
 * walled: only domestic canaries answer (destination allowlisting); its apps are
 * judged as online. offline: no canary answers.
 */
export const VANTAGE_STATES = ['online', 'walled', 'offline'] as const;
export type VantageStateName = (typeof VANTAGE_STATES)[number];

/**
 * Why an offline vantage is offline, from what its canaries, its resolver and the
 * host's routing table showed (README, "Shutdown or lost link"):
 * - shutdown: nothing answers (canaries, domestic ones included, and the resolver time
 *   out or come back unreachable) although packets can leave, while another vantage on
 *   this host is online: the network went silent, not the host;
 * - silent: the same silence, with no other vantage on this host online to show that
 *   the host's own uplink works: a shutdown or this host's uplink, not told apart;
 * - link: the host's own stack has no route for the vantage's traffic (interface down,
 *   route gone): nothing left the host;
 * - unknown: the canaries fail, but something answers (the resolver, a refusal, a
 *   captive portal): neither a shutdown nor a lost link.
 */
export const OFFLINE_REASONS = ['shutdown', 'silent', 'link', 'unknown'] as const;
export type OfflineReason = (typeof OFFLINE_REASONS)[number];

/** What one canary saw in the attempt that decided the vantage's state. */
export interface CanaryOutcome {
  id: string;
  scope: CanaryScope;
  status: 'ok' | 'failed';
  failure: FailureString | null;
  operation: Operation | null;
}

export interface VantageState {
  id: string;
  /** True for online and walled: the vantage's verdicts count. */
  online: boolean;
  state: VantageStateName;
  /** Null unless the state is offline. */
  reason: OfflineReason | null;
  control: boolean;
  labels: Record<string, string>;
  /** Each canary of the vantage and what it saw (absent when nothing was probed). */
  canaries?: CanaryOutcome[];
}

/**
 * Whether the controls could serve the round. `reachable` for the trusted resolver when any
 * of its lookups got a reply, `unreachable` when it was asked and none did (then the targets
 * it was to judge are anomaly, never blocked or down), `unused` when nothing asked it.
 */
export interface ControlsState {
  resolver: 'reachable' | 'unreachable' | 'unused';
  /** Control vantages that were not online (offline or walled) this round, with their state. */
  vantagesMissing: Array<{ id: string; state: VantageStateName }>;
}

export interface Report {
  schema: 'blockwatch.report/v1';
  startedAt: string;
  finishedAt: string;
  vantages: VantageState[];
  apps: AppVerdict[];
  /** Absent in reports made before controls were tracked. */
  controls?: ControlsState;
}
