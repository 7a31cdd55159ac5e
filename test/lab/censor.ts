/**
 * The censor's techniques as data, and how the lab applies and reverts them: iptables
 * rules in the censor's (or, for outages, the servers') namespace, tc shaping, and the
 * lab services' control sockets (lying resolver, app hosts, control proxy).
 */
import * as A from './addresses.js';
import type { DnsRule } from './services/dns-server.js';
import type { HostRule } from './services/app-hosts.js';

export type Table = 'filter' | 'nat' | 'mangle';

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
  | { do: 'link-down' };

const fwd = (rule: string[]): CensorAction => ({ do: 'iptables', ns: 'censor', table: 'filter', chain: 'FORWARD', rule });
/** Matches a TCP segment whose payload starts with a TLS handshake record (ClientHello), whatever its SNI. */
const CLIENT_HELLO = ['-m', 'u32', '--u32', '0>>22&0x3C@12>>26&0x3C@0>>8=0x160301'];

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
};

/** iptables arguments that add (`-A`) or delete (`-D`) one action's rule. */
export function iptablesArgs(a: Extract<CensorAction, { do: 'iptables' }>, op: '-A' | '-D'): string[] {
  return ['-w', '-t', a.table, op, a.chain, ...a.rule];
}

export const THROTTLE_MARK = '0x77';
export const THROTTLE_CLASS = '1:77';

/** The mangle rules behind a throttle action; the lab sets up the htb qdisc with the action's rate. */
export function throttleRules(a: Extract<CensorAction, { do: 'throttle' }>): Extract<CensorAction, { do: 'iptables' }>[] {
  return [
    { do: 'iptables', ns: 'censor', table: 'mangle', chain: 'FORWARD',
      rule: ['-p', 'tcp', '--dport', '443', '-m', 'string', '--algo', 'bm', '--string', a.sni, '-j', 'CONNMARK', '--set-mark', THROTTLE_MARK] },
    { do: 'iptables', ns: 'censor', table: 'mangle', chain: 'POSTROUTING',
      rule: ['-m', 'connmark', '--mark', THROTTLE_MARK, '-j', 'CLASSIFY', '--set-class', THROTTLE_CLASS] },
  ];
}
