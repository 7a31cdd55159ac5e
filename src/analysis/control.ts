/** Reading the controls: the control resolver, the control vantage's measurement and diagnosis steps. */
import { handshakeReached, type DiagnosisStep, type DnsQuery, type FailureString, type Measurement } from '../model/index.js';
import { canonicalAddress } from './bogon.js';
import type { AnalysisInput, ControlStanding } from './types.js';

export interface Standing {
  standing: ControlStanding;
  source: string | null;
}

export const NO_CONTROL: Standing = { standing: 'none', source: null };

/** A/AAAA addresses of a set of queries, canonical, in order, without repeats. */
export function queryAddresses(queries: DnsQuery[]): string[] {
  const out: string[] = [];
  for (const q of queries)
    for (const a of q.answers)
      if (a.answer_type !== 'CNAME') {
        const c = canonicalAddress(a.value);
        if (!out.includes(c)) out.push(c);
      }
  return out;
}

/** The control's view of the name: where it came from and the addresses it found. */
export interface DnsControl {
  source: 'control_resolver' | 'diagnosis:control_resolve' | 'control_vantage';
  addresses: string[];
  rcodes: (string | null)[];
  failures: (FailureString | null)[];
  /**
   * Some query got a reply (an rcode). A control whose resolver never answered — blocked,
   * down, its path cut — says nothing about the name: it is no control.
   */
  reachable: boolean;
}

function dnsControlOf(source: DnsControl['source'], addresses: string[], rcodes: (string | null)[], failures: (FailureString | null)[]): DnsControl {
  return { source, addresses, rcodes, failures, reachable: addresses.length > 0 || rcodes.some((r) => r !== null) };
}

/** Every control view of the name there is, in the order they are trusted. */
function dnsControls(input: AnalysisInput): DnsControl[] {
  const out: DnsControl[] = [];
  if (input.controlQueries && input.controlQueries.length > 0) {
    const qs = input.controlQueries;
    out.push(dnsControlOf('control_resolver', queryAddresses(qs), qs.map((q) => q.rcode), qs.map((q) => q.failure)));
  }
  const steps = input.diagnosis.filter((s) => s.step === 'control_resolve');
  if (steps.length > 0) {
    const addresses: string[] = [];
    for (const s of steps) {
      const answers = s.detail?.answers;
      if (Array.isArray(answers)) for (const a of answers) if (typeof a === 'string' && !addresses.includes(canonicalAddress(a))) addresses.push(canonicalAddress(a));
    }
    out.push(dnsControlOf('diagnosis:control_resolve', addresses, steps.map((s) => (typeof s.detail?.rcode === 'string' ? s.detail.rcode : null)), steps.map((s) => s.failure)));
  }
  const c = input.control;
  if (c && c.queries.length > 0) out.push(dnsControlOf('control_vantage', queryAddresses(c.queries), c.queries.map((q) => q.rcode), c.queries.map((q) => q.failure)));
  return out;
}

/**
 * The control's view of the name: the first that reached its resolver (the trusted resolver,
 * a control_resolve follow-up, the control vantage's own lookup); when none did, the first,
 * with `reachable` false.
 */
export function dnsControl(input: AnalysisInput): DnsControl | null {
  const all = dnsControls(input);
  return all.find((c) => c.reachable) ?? all[0] ?? null;
}

/** The address part of `ip:port` or `[v6]:port`. */
export function hostOfAddress(address: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (m) return m[1];
  const i = address.lastIndexOf(':');
  return i > 0 && address.indexOf(':') === i ? address.slice(0, i) : address;
}

/** The address a diagnosis step went to: detail.ip, else read from its input. */
export function stepIp(s: DiagnosisStep): string | null {
  if (typeof s.detail?.ip === 'string') return canonicalAddress(s.detail.ip);
  const first = s.input.split(' ')[0];
  if (!first || first.includes('/')) return null;
  return canonicalAddress(hostOfAddress(first));
}

/** How the control stands at TCP connect: the control vantage first, then control_connect diagnosis. */
export function tcpControl(input: AnalysisInput): Standing {
  const c = input.control;
  if (c && c.tcp_connect.length > 0) {
    if (c.tcp_connect.some((x) => x.status.success)) return { standing: 'passed', source: 'control_vantage' };
    return { standing: 'shared', source: 'control_vantage' };
  }
  const steps = input.diagnosis.filter((s) => s.step === 'control_connect');
  if (steps.some((s) => s.outcome === 'success')) return { standing: 'passed', source: 'diagnosis:control_connect' };
  // A failed connect from the vantage itself says nothing about the service; one from the control does.
  if (steps.some((s) => s.outcome === 'failure' && s.detail?.from === 'control')) return { standing: 'shared', source: 'diagnosis:control_connect' };
  return NO_CONTROL;
}

/** How the control stands at the TLS handshake. */
export function tlsControl(c: Measurement | null): Standing {
  if (!c || c.tls_handshakes.length === 0) return NO_CONTROL;
  if (c.tls_handshakes.some(handshakeReached)) return { standing: 'passed', source: 'control_vantage' };
  return { standing: 'shared', source: 'control_vantage' };
}

/** How the control stands at the HTTP round trip: it got a response, or failed there too. */
export function httpControl(c: Measurement | null): Standing {
  if (!c || c.requests.length === 0) return NO_CONTROL;
  if (c.requests.some((r) => r.response !== null && r.failure === null)) return { standing: 'passed', source: 'control_vantage' };
  return { standing: 'shared', source: 'control_vantage' };
}

/**
 * The control vantage could not look the name up at all (its resolver never answered): its
 * probe says nothing about the target, whatever step the target failed at.
 */
export function controlResolveFailed(c: Measurement | null): boolean {
  return c !== null && c.operation === 'resolve' && c.queries.length > 0 && c.queries.every((q) => q.rcode === null && q.answers.length === 0);
}

/** For a failure no step classifier placed: compare where the control's probe ended. */
export function genericControl(m: Measurement, c: Measurement | null): Standing {
  if (!c || controlResolveFailed(c)) return NO_CONTROL;
  if (c.failure === null) return { standing: 'passed', source: 'control_vantage' };
  if (c.operation === m.operation) return { standing: 'shared', source: 'control_vantage' };
  return NO_CONTROL;
}
