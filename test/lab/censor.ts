/**
 * The censor's techniques as data, and how the lab applies and reverts them: iptables
 * rules in the censor's (or, for outages, the servers') namespace, tc shaping, and the
 * lab services' control sockets (lying resolver, app hosts, control proxy, QUIC SNI box).
 */
import * as A from './addresses.js';
import type { DnsRule } from './services/dns-server.js';
import type { HostRule } from './services/app-hosts.js';

export type Table = 'filter' | 'nat' | 'mangle' | 'raw';

/** One declarative change to the lab; every action can be reverted. */
export type CensorAction =
  /** A resolver rule: `isp` is the lying ISP resolver, `all` includes the truthful one (an outage of the name). */
  | { do: 'dns'; resolver: 'isp' | 'all'; name: string; rule: DnsRule }
  /** An app host's behaviour after TLS, for the client's censored path or for everyone. */
  | { do: 'host'; host: string; rule: HostRule }
  | { do: 'iptables'; ns: 'censor' | 'servers'; table: Table; chain: string; rule: string[] }
  /** SNI-triggered throttling: CONNMARK the flow on its ClientHello, shape marked flows with tc htb. */
  | { do: 'throttle'; sni: string; rate: string }
  /** The control vantage's proxies refuse this destination: no usable control for it. */
  | { do: 'deny-control'; destination: string }
  /** The client's own interface towards the censor goes down: the probe host loses that link. */
  | { do: 'link-down' }
  /** The censor's end of the client's link goes down: the client's interface keeps its routes but loses its carrier (a modem switched off, a cable cut beyond the host). */
  | { do: 'carrier-lost' }
  /** SNI-triggered freeze: CONNMARK the flow on its ClientHello, drop its server bytes past `afterBytes` (connbytes). */
  | { do: 'freeze'; sni: string; afterBytes: number }
  /** QUIC SNI filtering: UDP/443 of the address goes through the censor's QUIC relay, whose policy drops Initials naming `sni`. */
  | { do: 'quic-sni'; ip: string; sni: string };

const fwd = (rule: string[]): CensorAction => ({ do: 'iptables', ns: 'censor', table: 'filter', chain: 'FORWARD', rule });
/** Matches a TCP segment whose payload starts with a TLS handshake record (ClientHello), whatever its SNI. */
const CLIENT_HELLO = ['-m', 'u32', '--u32', '0>>22&0x3C@12>>26&0x3C@0>>8=0x160301'];
/**
 * Matches a UDP datagram shaped like a QUIC Initial, whatever its SNI: the first payload
 * byte has the long-header bit set and packet type 0b00 (Initial), the fixed bit ignored
 * (mask 0xB0; RFC 9000 §17.2, §17.2.2), and the UDP length field says at least 1200 bytes
 * of payload (1208 with the 8-byte UDP header; RFC 9000 §14.1). `0>>22&0x3C` is the IP
 * header length; `@` moves to the UDP header.
 */
const QUIC_INITIAL = ['-m', 'u32', '--u32', '0>>22&0x3C@8>>24&0xB0=0x80&&0>>22&0x3C@4>>16=0x4B8:0xFFFF'];
const QUIC_PORT = '443';
/**
 * Where the censor freezes a flow: once the server's packets total 20 KB (IP bytes,
 * headers included: connbytes counts whole packets). Reported freezes come after ≈15–20 KB
 * from the server (net4people/bbs #490). 20 KB of packets leaves ≈15 KB of HTTP body after
 * the TLS handshake and framing, inside the 12–24 KB band the analysis looks for; 16 KB of
 * packets would leave only ≈11 KB.
 */
export const FREEZE_CONNBYTES = 20 * 1024;

/** Technique constructors: each returns plain data that a scenario lists. */
export const T = {
  dnsLie: (name: string, rule: DnsRule): CensorAction => ({ do: 'dns', resolver: 'isp', name, rule }),
  dnsOutage: (name: string, rule: DnsRule): CensorAction => ({ do: 'dns', resolver: 'all', name, rule }),
  /** IP blackhole: SYNs to the address vanish. */
  blackhole: (ip: string) => fwd(['-d', ip, '-j', 'DROP']),
  /** IP refusal: the censor answers SYNs with RST, as Russia's TSPU does. */
  refuse: (ip: string) => fwd(['-d', ip, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset']),
  unreachable: (ip: string) => fwd(['-d', ip, '-j', 'REJECT', '--reject-with', 'icmp-host-unreachable']),
  /** SNI reset: a ClientHello carrying the name is answered with RST. */
  sniReset: (name: string) => fwd(['-p', 'tcp', '--dport', '443', '-m', 'string', '--algo', 'bm', '--string', name, '-j', 'REJECT', '--reject-with', 'tcp-reset']),
  /** SNI stall: a ClientHello carrying the name is dropped (and so are its retransmissions). */
  sniDrop: (name: string) => fwd(['-p', 'tcp', '--dport', '443', '-m', 'string', '--algo', 'bm', '--string', name, '-j', 'DROP']),
  /** Every ClientHello to the address is reset, whatever its SNI: an SNI swap fails too. */
  tlsResetAll: (ip: string) => fwd(['-d', ip, '-p', 'tcp', '--dport', '443', ...CLIENT_HELLO, '-j', 'REJECT', '--reject-with', 'tcp-reset']),
  tlsDropAll: (ip: string) => fwd(['-d', ip, '-p', 'tcp', '--dport', '443', ...CLIENT_HELLO, '-j', 'DROP']),
  /** The address's TLS port is steered to a box that closes after the ClientHello. */
  tlsEof: (ip: string): CensorAction => ({
    do: 'iptables', ns: 'censor', table: 'nat', chain: 'PREROUTING',
    rule: ['-d', ip, '-p', 'tcp', '--dport', '443', '-j', 'DNAT', '--to-destination', `${A.EOF_BOX}:443`],
  }),
  /** The address's TLS port is steered to an interceptor with another name's certificate from the ISP's CA. */
  mitm: (ip: string): CensorAction => ({
    do: 'iptables', ns: 'censor', table: 'nat', chain: 'PREROUTING',
    rule: ['-d', ip, '-p', 'tcp', '--dport', '443', '-j', 'DNAT', '--to-destination', `${A.MITM}:443`],
  }),
  serveToClient: (host: string, mode: HostRule['mode']): CensorAction => ({ do: 'host', host, rule: { mode, scope: 'client' } }),
  throttle: (sni: string, rate: string): CensorAction => ({ do: 'throttle', sni, rate }),
  /** Random loss of every packet the client sends across the censor: TCP segments and DNS datagrams alike. */
  loss: (probability: number) => fwd(['-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'DROP']),
  /** The vantage's uplink is cut: nothing from the client crosses the censor. */
  offline: () => fwd(['-s', A.CLIENT_ISP, '-j', 'DROP']),
  /** The service itself is down for everyone: its listener refuses. */
  serviceDown: (ip: string): CensorAction => ({
    do: 'iptables', ns: 'servers', table: 'filter', chain: 'INPUT',
    rule: ['-d', ip, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  }),
  denyControl: (destination: string): CensorAction => ({ do: 'deny-control', destination }),
  /**
   * Destination allowlisting: the client may reach only these addresses across the censor;
   * everything else it sends is dropped. The ACCEPT rules come first: actions apply in order.
   */
  allowlist: (allowed: string[]): CensorAction[] => [
    ...allowed.map((ip) => fwd(['-s', A.CLIENT_ISP, '-d', ip, '-j', 'ACCEPT'])),
    fwd(['-s', A.CLIENT_ISP, '-j', 'DROP']),
  ],
  /** The ISP's router answers every packet from the client with ICMP network unreachable, as a router whose routes were withdrawn does. */
  routesWithdrawn: () => fwd(['-s', A.CLIENT_ISP, '-j', 'REJECT', '--reject-with', 'icmp-net-unreachable']),
  /** The client's interface to the censor is set down: its routes go with it, and nothing leaves that way. */
  linkDown: (): CensorAction => ({ do: 'link-down' }),
  carrierLost: (): CensorAction => ({ do: 'carrier-lost' }),

  // The UDP era: calls, QUIC, freezes.
  /** UDP to the call relay vanishes. */
  udpDrop: (ip: string, port = A.STUN_PORT) => fwd(['-d', ip, '-p', 'udp', '--dport', String(port), '-j', 'DROP']),
  /** UDP to the call relay is answered with ICMP port unreachable, as if nothing listened there. */
  udpRefuse: (ip: string, port = A.STUN_PORT) =>
    fwd(['-d', ip, '-p', 'udp', '--dport', String(port), '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable']),
  /** QUIC (UDP/443) to the address vanishes; TCP 443 is untouched. */
  quicDrop: (ip: string) => fwd(['-d', ip, '-p', 'udp', '--dport', QUIC_PORT, '-j', 'DROP']),
  /** Every QUIC Initial to the address vanishes, whatever its SNI (the u32 match above); other UDP passes. */
  quicInitialDrop: (ip: string) => fwd(['-d', ip, '-p', 'udp', '--dport', QUIC_PORT, ...QUIC_INITIAL, '-j', 'DROP']),
  /** Initials naming `sni` to the address are dropped by the censor's QUIC relay. */
  quicSniFilter: (ip: string, sni: string): CensorAction => ({ do: 'quic-sni', ip, sni }),
  /** A TLS flow whose ClientHello names `sni` freezes once the server has sent ~20 KB of packets. */
  freeze: (sni: string, afterBytes = FREEZE_CONNBYTES): CensorAction => ({ do: 'freeze', sni, afterBytes }),
  /** The call relay itself is unreachable for everyone: its namespace drops STUN. */
  udpOutage: (ip: string, port = A.STUN_PORT): CensorAction => ({
    do: 'iptables', ns: 'servers', table: 'filter', chain: 'INPUT',
    rule: ['-d', ip, '-p', 'udp', '--dport', String(port), '-j', 'DROP'],
  }),
  /** The server drops QUIC for everyone; raw PREROUTING, before the DNAT to the QUIC peer's port. */
  quicOutage: (ip: string): CensorAction => ({
    do: 'iptables', ns: 'servers', table: 'raw', chain: 'PREROUTING',
    rule: ['-d', ip, '-p', 'udp', '--dport', QUIC_PORT, '-j', 'DROP'],
  }),
  /** The HTTPS host itself stops sending after 16 KB of its page body, to everyone. */
  freezeOutage: (host: string): CensorAction => ({ do: 'host', host, rule: { mode: 'freeze', scope: 'everyone' } }),
};

/** iptables arguments that add (`-A`) or delete (`-D`) one action's rule. */
export function iptablesArgs(a: Extract<CensorAction, { do: 'iptables' }>, op: '-A' | '-D'): string[] {
  return ['-w', '-t', a.table, op, a.chain, ...a.rule];
}

export const THROTTLE_MARK = '0x77';
export const THROTTLE_CLASS = '1:77';

export const FREEZE_MARK = '0x16';

/** The rules behind a freeze action, in the order they go in; conntrack accounting must be on for connbytes. */
export function freezeRules(a: Extract<CensorAction, { do: 'freeze' }>): Extract<CensorAction, { do: 'iptables' }>[] {
  return [
    { do: 'iptables', ns: 'censor', table: 'mangle', chain: 'FORWARD',
      rule: ['-p', 'tcp', '--dport', '443', '-m', 'string', '--algo', 'bm', '--string', a.sni, '-j', 'CONNMARK', '--set-mark', FREEZE_MARK] },
    { do: 'iptables', ns: 'censor', table: 'filter', chain: 'FORWARD',
      rule: ['-p', 'tcp', '--sport', '443', '-m', 'connmark', '--mark', FREEZE_MARK,
        '-m', 'connbytes', '--connbytes', `${a.afterBytes}:`, '--connbytes-dir', 'reply', '--connbytes-mode', 'bytes', '-j', 'DROP'] },
  ];
}

/** The DNAT that steers UDP/443 of a QUIC-SNI-filtered address to its relay on the censor's QUIC box. */
export function quicSniRedirect(ip: string, relayPort: number): Extract<CensorAction, { do: 'iptables' }> {
  return {
    do: 'iptables', ns: 'censor', table: 'nat', chain: 'PREROUTING',
    rule: ['-d', ip, '-p', 'udp', '--dport', QUIC_PORT, '-j', 'DNAT', '--to-destination', `${A.QUIC_SNI_BOX}:${relayPort}`],
  };
}

/** The mangle rules behind a throttle action; the lab sets up the htb qdisc with the action's rate. */
export function throttleRules(a: Extract<CensorAction, { do: 'throttle' }>): Extract<CensorAction, { do: 'iptables' }>[] {
  return [
    { do: 'iptables', ns: 'censor', table: 'mangle', chain: 'FORWARD',
      rule: ['-p', 'tcp', '--dport', '443', '-m', 'string', '--algo', 'bm', '--string', a.sni, '-j', 'CONNMARK', '--set-mark', THROTTLE_MARK] },
    { do: 'iptables', ns: 'censor', table: 'mangle', chain: 'POSTROUTING',
      rule: ['-m', 'connmark', '--mark', THROTTLE_MARK, '-j', 'CLASSIFY', '--set-class', THROTTLE_CLASS] },
  ];
}
