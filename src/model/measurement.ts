/**
 * Measurements: what one probe of one target from one vantage observed, step by
 * step. Key names follow OONI's data formats where they fit; times t0/t are
 * seconds since the measurement started.
 */
import type { FailureString, Operation } from './failure.js';
import type { QueryType, Target } from './target.js';

export type DnsEngineName = 'udp' | 'tcp' | 'doh' | 'getaddrinfo';

export interface DnsAnswer {
  answer_type: 'A' | 'AAAA' | 'CNAME';
  /** An address for A/AAAA, a name for CNAME. */
  value: string;
  ttl: number | null;
}

/** One reply on the wire. Over UDP a query may see several (injection). */
export interface DnsReply {
  rcode: string;
  answers: DnsAnswer[];
  /** Seconds since the measurement started. */
  t: number;
  id: number;
  /** The reply's source address:port, when known. */
  from?: string;
  /** TC was set: the answer did not fit in the datagram, so it was asked again over TCP. */
  truncated?: boolean;
  /** The reply came over TCP (the fallback after a truncated UDP reply); absent for the query's own transport. */
  transport?: 'tcp';
  /** Address and CNAME records past the cap of those kept per reply: counted, not kept. */
  answers_dropped?: number;
}

export interface DnsQuery {
  hostname: string;
  query_type: QueryType;
  engine: DnsEngineName;
  /** `udp://1.2.3.4:53`, `https://…/dns-query`, or `system`. */
  resolver_address: string;
  /** The answers of the reply that counts (the first well-formed one). */
  answers: DnsAnswer[];
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED …; null when there was no reply. */
  rcode: string | null;
  failure: FailureString | null;
  /** Every reply received for this query (UDP keeps listening for a short window), up to a cap. */
  replies: DnsReply[];
  /** Replies past the cap: counted, not kept (a flood must not make a report huge). */
  replies_dropped?: number;
  t0: number;
  t: number;
}

export interface TcpConnect {
  ip: string;
  port: number;
  status: { success: boolean; failure: FailureString | null };
  t0: number;
  t: number;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  san: string[];
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, lowercase hex without colons. */
  sha256: string;
}

export interface TlsHandshake {
  /** ip:port the handshake went to. */
  address: string;
  server_name: string;
  tls_version: string | null;
  cipher_suite: string | null;
  negotiated_protocol: string | null;
  /**
   * Leaf first. A handshake that validated records its leaf only (reading the
   * whole chain costs a third of a probe's CPU); one that did not validate —
   * where the chain is the evidence — records the chain as sent.
   */
  peer_certificates: CertificateSummary[];
  /** True when the chain validates for server_name against the trust store. */
  validated: boolean;
  failure: FailureString | null;
  t0: number;
  t: number;
  /** The hello profile that spoke: absent or `node` for node:tls; else a profile of probes/hellos/, judged at the ServerHello. */
  hello?: string;
  /** The ClientHello carried an ECH extension. */
  ech?: boolean;
  /** What answered a hand-written hello: a ServerHello, a HelloRetryRequest, an alert, or nothing (null). */
  server_response?: 'server_hello' | 'hello_retry_request' | 'alert' | null;
  /** The TLS alert that came back instead of a ServerHello, when one did (RFC 8446 §6). */
  alert?: { level: number; description: number; name: string } | null;
  /** The key exchange group a hand-written hello's ServerHello chose (or its HelloRetryRequest asks for); null before TLS 1.3. */
  group?: string | null;
}

/**
 * The handshake got as far as its engine takes it: node:tls completed it and the chain validated,
 * or a hand-written hello got a ServerHello or HelloRetryRequest (no certificate is read then).
 */
export function handshakeReached(h: TlsHandshake): boolean {
  return h.failure === null && (h.validated || h.server_response === 'server_hello' || h.server_response === 'hello_retry_request');
}

export interface HttpResponse {
  code: number;
  headers: Record<string, string>;
  body_length: number;
  body_is_truncated: boolean;
  body_sha256: string;
  /** Text of <title>, when the body has one. */
  title: string | null;
  /** The first bytes of the body as text (capped), for fingerprint matching. */
  body_sample: string;
  /** No body byte came for limits.stall: the read was ended there (a freeze looks like this). */
  stalled?: boolean;
  /** Bytes read from the connection (TLS records, headers and body) when the read ended. */
  wire_bytes?: number;
}

export interface HttpRequest {
  request: { url: string; method: string; headers: Record<string, string> };
  response: HttpResponse | null;
  failure: FailureString | null;
  t0: number;
  t: number;
}

/** One datagram received in answer to a UDP probe. */
export interface UdpReply {
  /** Seconds since the measurement started. */
  t: number;
  /** Source address:port of the datagram. */
  from: string;
  bytes: number;
  /** What it was: a STUN Binding success or error response for our transaction, or something else. */
  kind: 'binding_success' | 'binding_error' | 'other';
}

/** One STUN Binding transaction (RFC 8489) to one address: every send and every reply. */
export interface UdpExchange {
  /** ip:port the request went to. */
  address: string;
  protocol: 'stun';
  /** Datagrams sent: the request and its retransmissions. */
  sent: number;
  /** Every datagram received, up to a cap; the rest are counted in replies_dropped. */
  replies: UdpReply[];
  replies_dropped: number;
  /** XOR-MAPPED-ADDRESS of the first success response: the vantage's address as the server sees it. */
  mapped_address: string | null;
  /** Seconds from the last send before the first valid response to that response. */
  rtt: number | null;
  failure: FailureString | null;
  t0: number;
  t: number;
}

/** One QUIC Initial exchange with one address: what came back, decrypted as far as the Initial keys allow. */
export interface QuicHandshake {
  /** ip:port the Initial went to. */
  address: string;
  server_name: string;
  alpn: string[];
  /** Datagrams sent (the Initial and its retransmissions). */
  sent: number;
  /** Datagrams received, up to a cap. */
  received: number;
  /** The first valid long-header packet's type, null when none came. */
  response: 'initial' | 'retry' | 'version_negotiation' | 'handshake' | null;
  /** A ServerHello was found in the CRYPTO frames of a decrypted server Initial. */
  server_hello: boolean;
  /** Versions offered by a Version Negotiation packet. */
  versions?: number[];
  failure: FailureString | null;
  t0: number;
  t: number;
}

/** The app protocol's first exchange with one address (mtproto: req_pq_multi → resPQ). */
export interface AppExchange {
  protocol: 'mtproto';
  /** ip:port it went to. */
  address: string;
  transport: 'intermediate' | 'abridged' | 'obfuscated2';
  /** Bytes written: transport header and the first message. */
  sent: number;
  /** Bytes read before the exchange ended. */
  received: number;
  /** The expected answer (resPQ with our nonce), something else, or nothing. */
  response: 'res_pq' | 'other' | null;
  /** What the answer carried (e.g. the server's key fingerprints); bounded. */
  detail?: Record<string, unknown>;
  failure: FailureString | null;
  t0: number;
  t: number;
}

export interface ThroughputSample {
  bytes: number;
  seconds: number;
  bitsPerSecond: number;
  /** True when the wanted number of bytes arrived. */
  complete: boolean;
  /** It ended because no byte came for limits.stall, not because the deadline cut a transfer still moving. */
  stalled?: boolean;
}

/** Phase durations in seconds; a phase not reached is absent. */
export interface Timings {
  dns?: number;
  connect?: number;
  tls?: number;
  ttfb?: number;
  total: number;
}

export interface Measurement {
  app: string;
  vantage: string;
  target: Target;
  startedAt: string;
  queries: DnsQuery[];
  tcp_connect: TcpConnect[];
  tls_handshakes: TlsHandshake[];
  requests: HttpRequest[];
  /** STUN transactions (udp targets). */
  udp_exchanges?: UdpExchange[];
  /** QUIC Initial exchanges (quic targets). */
  quic_handshakes?: QuicHandshake[];
  /** App protocol exchanges (mtproto targets). */
  app_exchanges?: AppExchange[];
  transfer?: ThroughputSample;
  /** The failure of the first step that failed, null when the probe succeeded. */
  failure: FailureString | null;
  operation: Operation | null;
  timings: Timings;
}
