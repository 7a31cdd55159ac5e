/** Plain words for patterns, failures and steps, for people reading `check`'s table and the status page. */
import type { Operation, Pattern, TargetVerdict } from '../model/index.js';

export const PATTERN_WORDS: Record<Pattern, string> = {
  'dns.nxdomain': 'DNS says the name does not exist, the trusted resolver finds it',
  'dns.servfail': 'DNS answers SERVFAIL, the trusted resolver finds the name',
  'dns.refused': 'DNS refuses the query, the trusted resolver answers',
  'dns.no_answer': 'DNS returns no address, the trusted resolver has some',
  'dns.timeout': 'DNS does not answer, the trusted resolver does',
  'dns.bogon': 'DNS answers with a sink address (a private or reserved range)',
  'dns.blockpage': "DNS answers with a known blockpage server's address",
  'dns.injected': 'several differing DNS replies arrived: a forged reply was injected',
  'dns.inconsistent': "DNS answers differ from the trusted resolver's and the answered server is not the real one",
  'tcp.timeout': 'connections time out on every address, the control connects',
  'tcp.refused': 'connections are refused (reset), the control connects',
  'tcp.unreachable': 'the addresses are unreachable from here, the control connects',
  'tls.reset': 'the TLS handshake is reset after the ClientHello',
  'tls.eof': 'the connection is closed after the ClientHello',
  'tls.timeout': 'the TLS handshake stalls after the ClientHello',
  'tls.sni_filter': 'the handshake fails for this server name but succeeds with an innocuous one (SNI filtering)',
  'tls.mitm': 'the certificate presented is not valid for the name (interception)',
  'http.blockpage': 'the page served is a known blockpage',
  'http.451': 'HTTP 451 Unavailable For Legal Reasons',
  'http.reset': 'the connection is reset after the request was sent',
  'http.timeout': 'the response stalls after the request was sent',
  throttled: 'the transfer runs far below the expected or control throughput',
  'tls.freeze': 'the HTTPS transfer freezes part-way (after 16–20 KB), the control reads it whole',
  'udp.timeout': 'UDP requests (STUN, as calls use) get no answer, the control gets one',
  'udp.refused': 'UDP requests are refused (ICMP port unreachable), the control gets an answer',
  'quic.timeout': 'QUIC (HTTP/3) gets no answer, the control gets one',
  'quic.sni_filter': 'QUIC fails for this server name but answers an innocuous one (SNI filtering)',
  'app.timeout': 'TCP connects, but the app protocol\'s first message gets no answer; the control gets one',
  'app.reset': 'the connection is cut right after the app protocol\'s first bytes; the control gets an answer',
  'app.dpi': 'the plain protocol fails where its obfuscated form passes on the same address: the censor reads the protocol',
  'tls.fingerprint': 'this client\'s ClientHello fails while another client\'s reaches the same address and name: the censor judges the client\'s TLS fingerprint',
  'tls.ech_blocked': 'the hello with an ECH extension fails while the same hello without it passes',
};

export const OPERATION_WORDS: Record<Operation, string> = {
  resolve: 'DNS lookup',
  connect: 'TCP connect',
  tls_handshake: 'TLS handshake',
  quic_handshake: 'QUIC handshake',
  mtproto_handshake: 'MTProto handshake',
  http_round_trip: 'HTTP request',
  read: 'read',
  write: 'write',
};

/** "web: TLS handshake — connection_reset" for the target that decided a verdict. */
export function failingStep(t: TargetVerdict): string {
  if (!t.operation && !t.failure) return t.pattern === 'throttled' ? `${t.id}: transfer` : t.id;
  const op = t.operation ? OPERATION_WORDS[t.operation] : 'probe';
  return t.failure ? `${t.id}: ${op} — ${t.failure}` : `${t.id}: ${op}`;
}
