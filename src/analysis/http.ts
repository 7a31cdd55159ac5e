/** The HTTP step: blockpages (fingerprints), 451, and resets or stalls after the request was sent. */
import type { FailureString, HttpRequest, Pattern } from '../model/index.js';
import { httpControl, NO_CONTROL, type Standing } from './control.js';
import { requestSummary } from './evidence.js';
import { fingerprintEvidence, matchHttpFingerprint } from './fingerprints-match.js';
import type { AnalysisInput, StepResult } from './types.js';

/** The pattern of a request that failed after it was sent. */
export function requestPattern(failure: FailureString | null): Pattern | null {
  switch (failure) {
    case 'connection_reset':
    case 'connection_aborted':
    case 'eof_error':
    case 'http_request_failed':
      return 'http.reset';
    case 'generic_timeout_error':
      return 'http.timeout';
    default:
      return null;
  }
}

function httpEvidence(reqs: HttpRequest[]): Record<string, unknown> {
  return { requests: reqs.map(requestSummary) };
}

/** The control's stand on a 451: it saw one too (the service itself refuses), or got a different answer. */
function control451(input: AnalysisInput): Standing {
  const c = input.control;
  if (!c) return NO_CONTROL;
  const codes = c.requests.map((r) => r.response?.code).filter((x): x is number => x !== undefined);
  if (codes.length === 0) return NO_CONTROL;
  return { standing: codes.includes(451) ? 'shared' : 'passed', source: 'control_vantage' };
}

/** A response that is a blockpage or a 451; null when the measurement made no request. */
export function classifyHttpSignature(input: AnalysisInput): StepResult | null {
  const reqs = input.measurement.requests;
  if (reqs.length === 0) return null;
  const evidence = httpEvidence(reqs);
  for (const r of reqs) {
    const res = r.response;
    if (!res) continue;
    const fp = matchHttpFingerprint({ status: res.code, headers: res.headers, body: res.body_sample }, input.fingerprints);
    if (fp) {
      evidence.fingerprint = fingerprintEvidence(fp);
      const ctl = httpControl(input.control);
      return {
        finding: { pattern: 'http.blockpage', step: 'http', control: ctl.standing, controlSource: ctl.source, strength: 'definitive', reason: `response matches blockpage fingerprint ${fp.name}` },
        evidence,
      };
    }
  }
  if (reqs.some((r) => r.response?.code === 451)) {
    const ctl = control451(input);
    return {
      finding: { pattern: 'http.451', step: 'http', control: ctl.standing, controlSource: ctl.source, strength: 'signature', reason: '451 Unavailable For Legal Reasons (RFC 7725)' },
      evidence,
    };
  }
  return { finding: null, evidence };
}

/** A request that was reset or stalled after it was sent; null when the measurement made no request. */
export function classifyHttpFailure(input: AnalysisInput): StepResult | null {
  const reqs = input.measurement.requests;
  if (reqs.length === 0) return null;
  const evidence = httpEvidence(reqs);
  const last = reqs[reqs.length - 1];
  if (last.failure === null) return { finding: null, evidence };
  const ctl = httpControl(input.control);
  return {
    finding: {
      pattern: requestPattern(last.failure),
      step: 'http',
      control: ctl.standing,
      controlSource: ctl.source,
      strength: 'none',
      reason: ctl.standing === 'passed' ? 'request fails while the control gets a response' : 'request fails',
    },
    evidence,
  };
}
