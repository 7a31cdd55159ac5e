/** Diagnosis planning: which follow-up probes are worth running for a failed or suspicious measurement. Pure. */
import { hostPort, targetHostname, type DnsQuery, type EchMode, type Measurement } from '../model/index.js';
import { canonicalAddress, isBogon } from './bogon.js';
import { hostOfAddress, queryAddresses } from './control.js';
import { handshakePattern } from './tls.js';
import { appPattern } from './app.js';
import { slowPhase } from './timing.js';
import type { DiagnosisRequest } from './types.js';

/** The innocuous name for an SNI swap, as OONI's sni_blocking uses: a reserved domain (RFC 2606) no censor lists. */
export const INNOCUOUS_SNI = 'example.com';

/** At most this many addresses get follow-ups per kind of check: enough to see a pattern, bounded cost. */
export const MAX_ADDRESSES = 4;

/** The canonical `input` a DiagnosisStep carries for a request. */
export function diagnosisInput(r: DiagnosisRequest): string {
  switch (r.step) {
    case 'control_resolve':
      return `${r.hostname} ${r.queryType}`;
    case 'control_connect':
      return hostPort(r.ip, r.port);
    case 'sni_swap':
    case 'sni_repeat':
    case 'hello_swap':
    case 'ech_swap':
      return `${hostPort(r.ip, r.port)} sni=${r.sni}${r.hello ? ` hello=${r.hello}` : ''}${r.ech ? ` ech=${r.ech}` : ''}`;
    case 'quic_sni_swap':
    case 'answer_tls':
      return `${hostPort(r.ip, r.port)} sni=${r.sni}`;
    case 'answer_http':
      return `${hostPort(r.ip, 80)} ${r.url}`;
    case 'throughput':
      return r.url;
    case 'transport_swap':
    case 'transport_repeat':
      return `${hostPort(r.ip, r.port)} transport=${r.transport}`;
    case 'handshake_timing':
      return `${hostPort(r.ip, r.port)} sni=${r.sni} vs ${r.innocuous}`;
  }
}

function targetPort(m: Measurement): number {
  const t = m.target;
  if (t.kind === 'tcp' || t.kind === 'tls' || t.kind === 'udp' || t.kind === 'quic' || t.kind === 'mtproto') return t.port;
  if (t.kind === 'https') {
    const p = new URL(t.url).port;
    return p ? Number(p) : 443;
  }
  return 443;
}

/**
 * The follow-ups for a measurement, given the control resolver's answers (or
 * null): control_resolve when the name did not resolve and no control did;
 * answer_tls and answer_http when answers are disjoint from the control's;
 * control_connect when every connect failed; sni_swap (and sni_repeat, the same
 * handshake again) after a TLS reset, close or stall; quic_sni_swap after a QUIC Initial drew no answer; throughput when a transfer stalled or fell below its floor.
 */
export interface PlanOptions {
  /** The client hello profiles a hello swap may use (`node` among them); none: no hello swap. */
  hellos?: readonly string[];
}

export function planDiagnosis(measurement: Measurement, controlQueries: DnsQuery[] | null, opts: PlanOptions = {}): DiagnosisRequest[] {
  const m = measurement;
  const out: DiagnosisRequest[] = [];
  const hostname = targetHostname(m.target);
  const port = targetPort(m);
  const vantage = queryAddresses(m.queries);
  const control = controlQueries && controlQueries.length > 0 ? queryAddresses(controlQueries) : null;

  if (hostname && m.queries.length > 0 && vantage.length === 0 && control === null) {
    out.push({ step: 'control_resolve', hostname, queryType: 'A' }, { step: 'control_resolve', hostname, queryType: 'AAAA' });
  }

  if (hostname && control && control.length > 0 && vantage.length > 0 && !vantage.some((a) => control.includes(a))) {
    // Bogons and known blockpage addresses need no further proof.
    const suspects = vantage.filter((a) => !isBogon(a)).slice(0, MAX_ADDRESSES);
    for (const ip of suspects) {
      // The port of a TLS-speaking target, else HTTPS's: the question is whether the address holds a certificate for the name.
      out.push({ step: 'answer_tls', ip, port: m.target.kind === 'tls' || m.target.kind === 'https' ? port : 443, sni: hostname });
      out.push({ step: 'answer_http', ip, url: `http://${hostname}/` });
    }
  }

  const connects = m.tcp_connect;
  if (connects.length > 0 && connects.every((c) => !c.status.success)) {
    // The control's own addresses when it has some; else the addresses the vantage tried.
    const ips = control && control.length > 0 ? control : [...new Set(connects.map((c) => canonicalAddress(c.ip)))];
    for (const ip of ips.slice(0, MAX_ADDRESSES)) out.push({ step: 'control_connect', ip, port });
  }

  const last = m.tls_handshakes[m.tls_handshakes.length - 1];
  if (last && !m.tls_handshakes.some((h) => h.failure === null) && handshakePattern(last.failure) !== null) {
    const ip = canonicalAddress(hostOfAddress(last.address));
    // The probe's own client, as it spoke: a hand-written profile keeps its ECH as sent.
    const own = last.hello && last.hello !== 'node' ? { hello: last.hello, ech: (last.ech ? 'grease' : 'none') as EchMode } : {};
    out.push({ step: 'sni_swap', ip, port, sni: INNOCUOUS_SNI, ...own });
    // The same handshake once more: under packet loss a handshake can fail once and an SNI
    // swap succeed by chance, which must not read as a filter (nor, with a control, a block).
    if (last.server_name) {
      out.push({ step: 'sni_repeat', ip, port, sni: last.server_name, ...own });
      // The same name with other clients' hellos (without ECH: only the fingerprint differs),
      // and the probe's own hello without its ECH extension.
      const failing = last.hello ?? 'node';
      for (const hello of opts.hellos ?? []) if (hello !== failing) out.push({ step: 'hello_swap', ip, port, sni: last.server_name, hello, ech: 'none' });
      if (last.ech && last.hello) out.push({ step: 'ech_swap', ip, port, sni: last.server_name, hello: last.hello, ech: 'none' });
    }
  }

  // A handshake or first byte that took seconds: is it the name that makes it slow?
  const lastOk = m.tls_handshakes[m.tls_handshakes.length - 1];
  if (slowPhase(m) !== null && lastOk?.server_name) {
    out.push({ step: 'handshake_timing', ip: canonicalAddress(hostOfAddress(lastOk.address)), port, sni: lastOk.server_name, innocuous: INNOCUOUS_SNI, ttfb: m.target.kind === 'https' });
  }

  // MTProto unanswered or cut: is the same address answered in a transport a censor cannot read?
  const apps = m.app_exchanges ?? [];
  const lastApp = apps[apps.length - 1];
  if (m.target.kind === 'mtproto' && lastApp && !apps.some((x) => x.response === 'res_pq') && appPattern(lastApp.failure) !== null) {
    const ip = canonicalAddress(hostOfAddress(lastApp.address));
    const dc = m.target.dc ?? 2;
    if (lastApp.transport !== 'obfuscated2') out.push({ step: 'transport_swap', ip, port, transport: 'obfuscated2', dc });
    out.push({ step: 'transport_repeat', ip, port, transport: lastApp.transport, dc });
  }

  // QUIC silence: does the same address answer an Initial naming something innocuous?
  const quic = m.quic_handshakes ?? [];
  const lastQuic = quic[quic.length - 1];
  if (lastQuic && !quic.some((h) => h.response !== null) && lastQuic.failure === 'generic_timeout_error') {
    out.push({ step: 'quic_sni_swap', ip: canonicalAddress(hostOfAddress(lastQuic.address)), port, sni: INNOCUOUS_SNI });
  }

  const t = m.transfer;
  if (t && m.target.kind === 'https' && m.target.transfer) {
    const floor = m.target.transfer.floor;
    if (!t.complete || (floor !== undefined && t.bitsPerSecond < floor)) out.push({ step: 'throughput', url: m.target.url, bytes: m.target.transfer.bytes });
  }
  return out;
}

