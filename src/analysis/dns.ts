/** The DNS step: rcode failures, bogons, blockpage addresses, injection, and answers inconsistent with the control. */
import type { DnsQuery, DnsReply, FailureString, Pattern } from '../model/index.js';
import { canonicalAddress, isBogon } from './bogon.js';
import { dnsControl, hostOfAddress, queryAddresses, stepIp, type DnsControl } from './control.js';
import { CERT_FAILURES } from './failures.js';
import { querySummary } from './evidence.js';
import { fingerprintEvidence, matchDnsFingerprint, matchHttpFingerprint } from './fingerprints-match.js';
import type { AnalysisInput, Finding, StepResult } from './types.js';


function replyKey(r: DnsReply): string {
  const answers = r.answers.map((a) => `${a.answer_type} ${a.answer_type === 'CNAME' ? a.value.toLowerCase() : canonicalAddress(a.value)}`).sort();
  return `${r.rcode}|${answers.join(',')}`;
}

/**
 * Two or more complete replies to one query over its own transport that differ: an on-path
 * injector raced the resolver. A truncated reply and the TCP answer that followed it are one
 * reply asked twice, not a race.
 */
export function isInjected(q: DnsQuery): boolean {
  const raced = q.replies.filter((r) => !r.truncated && r.transport === undefined);
  if (raced.length < 2) return false;
  const first = replyKey(raced[0]);
  return raced.some((r) => replyKey(r) !== first);
}

/** The pattern a failed query shows, from its rcode or, without a reply, its failure string. */
export function queryPattern(q: DnsQuery): Pattern | null {
  switch (q.rcode?.toUpperCase()) {
    case 'NXDOMAIN':
      return 'dns.nxdomain';
    case 'SERVFAIL':
      return 'dns.servfail';
    case 'REFUSED':
      return 'dns.refused';
    case 'NOERROR':
      if (q.answers.some((a) => a.answer_type !== 'CNAME')) return null;
      return 'dns.no_answer';
  }
  return dnsFailurePattern(q.failure);
}

/** The pattern of a resolve failure string, for queries without a reply (or an engine without rcodes). */
export function dnsFailurePattern(failure: FailureString | null): Pattern | null {
  switch (failure) {
    case 'generic_timeout_error':
      return 'dns.timeout';
    case 'dns_nxdomain_error':
      return 'dns.nxdomain';
    case 'dns_servfail_error':
    case 'dns_server_misbehaving':
      return 'dns.servfail';
    case 'dns_refused_error':
      return 'dns.refused';
    case 'dns_no_answer':
      return 'dns.no_answer';
    default:
      return null;
  }
}

function finding(pattern: Pattern | null, ctl: DnsControl | null, standing: Finding['control'], strength: Finding['strength'], reason: string): Finding {
  return { pattern, step: 'dns', control: standing, controlSource: ctl?.source ?? null, strength, reason };
}

/** Why disjoint answers are genuine (a certificate validates) or confirmed false; both lists may be empty. */
function checkDisjoint(input: AnalysisInput, vantage: string[]): { genuine: string[]; confirmed: string[] } {
  const genuine: string[] = [];
  const confirmed: string[] = [];
  const m = input.measurement;
  for (const s of input.diagnosis) {
    const ip = stepIp(s);
    if (!ip || !vantage.includes(ip)) continue;
    if (s.step === 'answer_tls') {
      if (s.outcome === 'success' && s.detail?.validated === true) genuine.push(`answer_tls ${ip}: certificate valid for the name`);
      else if (s.detail?.validated === false) confirmed.push(`answer_tls ${ip}: certificate not valid for the name`);
      else if (s.failure && CERT_FAILURES.has(s.failure)) confirmed.push(`answer_tls ${ip}: ${s.failure}`);
    } else if (s.step === 'answer_http' && s.outcome === 'success' && typeof s.detail?.status === 'number') {
      const d = s.detail;
      const headers = (d.headers && typeof d.headers === 'object' ? d.headers : {}) as Record<string, string>;
      const body = typeof d.body_sample === 'string' ? d.body_sample : '';
      const fp = matchHttpFingerprint({ status: d.status as number, headers, body }, input.fingerprints);
      if (fp) confirmed.push(`answer_http ${ip}: blockpage ${fp.name}`);
      else if (d.status === 451) confirmed.push(`answer_http ${ip}: status 451`);
    }
  }
  // The probe's own handshake to an answered address is the same test as answer_tls.
  for (const h of m.tls_handshakes) {
    const ip = canonicalAddress(hostOfAddress(h.address));
    if (!vantage.includes(ip)) continue;
    if (h.failure === null && h.validated) genuine.push(`tls ${ip}: certificate valid for the name`);
    else if ((h.failure === null && h.peer_certificates.length > 0) || (h.failure && CERT_FAILURES.has(h.failure)))
      confirmed.push(`tls ${ip}: ${h.failure ?? 'certificate not valid for the name'}`);
  }
  // The answered addresses are unreachable while the control's answer is reachable from the vantage itself.
  const connects = m.tcp_connect;
  if (connects.length > 0 && connects.every((c) => !c.status.success)) {
    const ok = input.diagnosis.find((s) => s.step === 'control_connect' && s.outcome === 'success' && s.detail?.from === 'vantage');
    if (ok) confirmed.push(`connect: answered addresses unreachable, control address ${ok.input} reachable from the vantage`);
  }
  return { genuine, confirmed };
}

/** Classifies the DNS step; null when the measurement has none. */
export function classifyDns(input: AnalysisInput): StepResult | null {
  const m = input.measurement;
  const queries = m.queries;
  if (queries.length === 0) return null;
  const found = dnsControl(input);
  const evidence: Record<string, unknown> = { queries: queries.map(querySummary) };
  if (found) evidence.control = { source: found.source, addresses: found.addresses, rcodes: found.rcodes, failures: found.failures, reachable: found.reachable };
  // A control whose resolver never answered is no control: what it did not see proves nothing.
  const ctl = found?.reachable ? found : null;
  const done = (f: Finding | null): StepResult => ({ finding: f, evidence });

  // Injection first: the forged reply is the one the engine counted.
  const injected = queries.filter(isInjected);
  if (injected.length > 0) {
    evidence.injected = injected.map((q) => ({ query_type: q.query_type, replies: q.replies.length }));
    return done(finding('dns.injected', ctl, ctl ? 'passed' : 'none', 'definitive', 'differing replies to one query'));
  }

  const vantage = queryAddresses(queries);
  for (const a of vantage) {
    const fp = matchDnsFingerprint(a, input.fingerprints);
    if (fp) {
      evidence.fingerprint = { ...fingerprintEvidence(fp), address: a };
      return done(finding('dns.blockpage', ctl, ctl ? 'passed' : 'none', 'definitive', 'answer is a known blockpage address'));
    }
  }

  const bogons = vantage.filter(isBogon);
  if (bogons.length > 0 || queries.some((q) => q.failure === 'dns_bogon_error')) {
    evidence.bogons = bogons;
    // The control answering the same bogon means the name really points there.
    const shared = ctl !== null && bogons.some((b) => ctl.addresses.includes(b));
    const standing = ctl === null ? 'none' : shared ? 'shared' : 'passed';
    return done(finding('dns.bogon', ctl, standing, 'signature', shared ? 'control resolver answers the same bogon' : 'answer in a bogon range'));
  }

  if (vantage.length === 0) {
    // The A query speaks first: an empty AAAA alone is ordinary.
    const ordered = [...queries.filter((q) => q.query_type === 'A'), ...queries.filter((q) => q.query_type !== 'A')];
    const pattern = ordered.map(queryPattern).find((p) => p !== null) ?? null;
    const standing = ctl === null ? 'none' : ctl.addresses.length > 0 ? 'passed' : 'shared';
    const reason =
      standing === 'passed' ? 'control resolver resolves the name'
      : found && !found.reachable ? `the name does not resolve, and the control could not reach its resolver (${found.source}): no control`
      : 'the name does not resolve';
    return done(finding(pattern, found, standing, 'none', reason));
  }

  if (ctl && ctl.addresses.length > 0 && !vantage.some((a) => ctl.addresses.includes(a))) {
    const { genuine, confirmed } = checkDisjoint(input, vantage);
    evidence.disjoint = { genuine, confirmed };
    // A certificate valid for the name is the strongest sign the answer is real (CDNs answer differently).
    if (genuine.length === 0 && confirmed.length > 0)
      return done(finding('dns.inconsistent', ctl, 'passed', 'none', 'answers disjoint from the control and the answered address is not the service'));
  }
  return done(null);
}
