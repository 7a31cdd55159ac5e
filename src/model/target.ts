/** Targets: the things a catalogue says to probe, one kind per engine. */

export const TARGET_KINDS = ['dns', 'tcp', 'tls', 'https', 'udp', 'quic', 'mtproto'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export type QueryType = 'A' | 'AAAA';

interface TargetBase {
  /** Unique within its app. */
  id: string;
  /** Redundant targets share a group; a group is ok while any of its targets is ok. */
  group?: string;
}

export interface DnsTarget extends TargetBase {
  kind: 'dns';
  host: string;
  /** Query types to ask; default A and AAAA. */
  queryTypes?: QueryType[];
}

export interface TcpTarget extends TargetBase {
  kind: 'tcp';
  /** A name (resolved through the vantage) or a literal IPv4/IPv6 address. */
  host: string;
  port: number;
}

export interface TlsTarget extends TargetBase {
  kind: 'tls';
  host: string;
  port: number;
  /** Server name sent in the ClientHello; default: host when it is a name. */
  sni?: string;
  /** ALPN protocols offered; default ["h2", "http/1.1"]. */
  alpn?: string[];
  /** Extra trust anchors (PEM text, already read from the catalogue's files). */
  ca?: string[];
  /**
   * The client whose ClientHello is sent: `node` (default) is Node's own full handshake;
   * any other name is a profile in probes/hellos/, written byte for byte, judged at the ServerHello.
   */
  hello?: string;
  /** `grease` adds a GREASE ECH extension (RFC 9849 §6.2) to a profile's hello, `none` removes it; absent: as the profile has it. */
  ech?: EchMode;
}

export const ECH_MODES = ['grease', 'none'] as const;
export type EchMode = (typeof ECH_MODES)[number];

/** How MTProto's messages are framed on TCP (core.telegram.org/mtproto/mtproto-transports). */
export const MTPROTO_TRANSPORTS = ['intermediate', 'abridged', 'obfuscated2'] as const;
export type MtprotoTransport = (typeof MTPROTO_TRANSPORTS)[number];

/**
 * The first step of MTProto's key exchange (req_pq_multi) to a Telegram data centre over TCP;
 * ok when a resPQ carrying our nonce comes back.
 */
export interface MtprotoTarget extends TargetBase {
  kind: 'mtproto';
  host: string;
  port: number;
  /** Default intermediate. */
  transport?: MtprotoTransport;
  /** The data centre's number, written into an obfuscated2 header (default 2). */
  dc?: number;
}

export interface Transfer {
  /** Bytes to move for a throughput measurement (at least 100 KB). */
  bytes: number;
  /** Minimum acceptable throughput in bits per second, when no control is available. */
  floor?: number;
}

export interface HttpsTarget extends TargetBase {
  kind: 'https';
  url: string;
  ca?: string[];
  transfer?: Transfer;
}

/** A STUN Binding request (RFC 8489) over UDP: how call relays and their media paths are reached. */
export interface UdpTarget extends TargetBase {
  kind: 'udp';
  host: string;
  port: number;
}

/** A QUIC v1 Initial (RFC 9000/9001) carrying a TLS 1.3 ClientHello with the SNI and ALPN. */
export interface QuicTarget extends TargetBase {
  kind: 'quic';
  host: string;
  port: number;
  /** Server name in the ClientHello; default: host when it is a name. */
  sni?: string;
  /** ALPN protocols offered; default ["h3"]. */
  alpn?: string[];
}

export type Target = DnsTarget | TcpTarget | TlsTarget | HttpsTarget | UdpTarget | QuicTarget | MtprotoTarget;

/** The human-readable input of a target, as the report's `input` field. */
export function targetInput(t: Target): string {
  switch (t.kind) {
    case 'dns':
      return t.host;
    case 'tcp':
      return hostPort(t.host, t.port);
    case 'tls':
    case 'quic':
      return t.sni && t.sni !== t.host ? `${hostPort(t.host, t.port)} sni=${t.sni}` : hostPort(t.host, t.port);
    case 'https':
      return t.url;
    case 'udp':
      return hostPort(t.host, t.port);
    case 'mtproto':
      return t.transport ? `${hostPort(t.host, t.port)} transport=${t.transport}` : hostPort(t.host, t.port);
  }
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Hostnames of https targets, by target: a target's URL is parsed once, not on every probe of it. */
const urlHosts = new WeakMap<Target, string>();

/** The DNS name a target depends on, or null when it names an address. */
export function targetHostname(t: Target): string | null {
  let host: string | undefined;
  if (t.kind === 'https') {
    host = urlHosts.get(t);
    if (host === undefined) {
      host = new URL(t.url).hostname.replace(/^\[|\]$/g, '');
      urlHosts.set(t, host);
    }
  } else host = t.host;
  return isIpLiteral(host) ? null : host;
}

export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
