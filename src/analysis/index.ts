/** Analysis: pure functions from measurements (plus controls and diagnosis) to target and app verdicts. */
export type { AnalysisInput, DiagnosisRequest, Finding, StepResult, ControlStanding } from './types.js';
export { classifyTarget, statusOf, unknownVerdict } from './verdict.js';
export { aggregateApp, groupStatus } from './aggregate.js';
export { planDiagnosis, diagnosisInput, INNOCUOUS_SNI } from './plan.js';
export { isBogon, BOGON_RANGES_V4, BOGON_RANGES_V6 } from './bogon.js';
export { matchDnsFingerprint, matchHttpFingerprint } from './fingerprints-match.js';
export { THROTTLE_RATIO } from './throughput.js';
export { attemptState, canaryOutcomes, offlineReason, silentMeasurement, type CanaryResult, type OfflineEvidence } from './vantage-state.js';
export { combineTrials, isIntermittent, type TrialSummary } from './trials.js';
export { slowPhase, SLOW_PHASE, TIMING_RATIO, TIMING_MIN_GAP } from './timing.js';
