/**
 * The censor's techniques as data, and how the lab applies and reverts them: iptables
 * rules in the censor's (or, for outages, the servers', or for the control's path, the
 * abroad) namespace, tc shaping, and the lab services' control sockets (lying resolver, app
 * hosts, control proxy, QUIC SNI box, TLS box).
 */
import * as A from './addresses.js';
import type { DnsRule } from './services/dns-server.js';
import type { HostRule } from './services/app-hosts.js';
import type { HelloProfileRef, TlsBoxRule } from './services/tls-box-policy.js';

export type Table = 'filter' | 'nat' | 'mangle' | 'raw';

/** One declarative change to the lab; every action can be reverted. */
export type CensorAction =
  /** A resolver rule: `isp` is the lying ISP resolver, `all` includes the truthful one (an outage of the name). */
  | { do: 'dns'; resolver: 'isp' | 'all'; name: string; rule: DnsRule }
  /** An app host's behaviour after TLS, for the client's censored path or for everyone. */
  | { do: 'host'; host: string; rule: HostRule }
  | { do: 'iptables'; ns: 'censor' | 'servers' | 'abroad'; table: Table; chain: string; rule: string[] }
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
  | { do: 'quic-sni'; ip: string; sni: string }
  /**
   * TCP 443 of the address goes through a TLS box (services/tls-box.ts) that reads each
   * ClientHello and resets, drops, delays or passes the flow by its rules: the censor's box
   * (`censor`), or one in the server's own namespace that treats everyone alike (`servers`,
   * an outage twin). Rules of several actions on one address add up; the first that matches decides.
   */
  | { do: 'tls-box'; ns: 'censor' | 'servers'; ip: string; rules: TlsBoxRule[] };

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

  // Blocks that judge the client (issue 19): the TLS box, MTProto by its first bytes.
  /** ClientHellos of the listed hello profiles (by their JA4) to the address are answered with RST: the TSPU's client classification. */
  helloReset: (ip: string, profiles: HelloProfileRef[]): CensorAction => tlsBox(ip, { match: { profiles }, action: 'reset' }),
  /** ClientHellos of the listed profiles to the address are dropped, and the flow with them. */
  helloDrop: (ip: string, profiles: HelloProfileRef[]): CensorAction => tlsBox(ip, { match: { profiles }, action: 'drop' }),
  /**
   * A ClientHello carrying an ECH extension and one of `outerNames` as its SNI is dropped;
   * neither alone triggers it (net4people/bbs #417: cloudflare-ech.com, since 2024-11-05).
   */
  echDrop: (ip: string, outerNames: string[] = [ECH_PUBLIC_NAME]): CensorAction => tlsBox(ip, { match: { ech: true, sni: outerNames }, action: 'drop' }),
  /** Flows whose first bytes to `port` are a plain MTProto transport's (intermediate, padded intermediate, abridged) are dropped from that packet on; obfuscated2 passes. */
  mtprotoDrop: (ip: string, port = 443): CensorAction[] => markAndCut(ip, port, MTPROTO_PLAIN, MTPROTO_MARK, 'drop'),
  /** Any flow to ip:port is dropped once the client sends its first application bytes, whatever they are: the TCP handshake passes, the app's first exchange goes unanswered. */
  appDataDrop: (ip: string, port = 443): CensorAction[] => markAndCut(ip, port, [ANY_PAYLOAD], APP_DATA_MARK, 'drop'),
  /** Any flow to ip:port is reset by the censor once the client sends its first application bytes. */
  appDataReset: (ip: string, port = 443): CensorAction[] => markAndCut(ip, port, [ANY_PAYLOAD], APP_DATA_MARK, 'reset'),
  /** The TLS server itself resets every ClientHello, from everyone (outage twin of helloReset): its own namespace's TLS box. */
  tlsResetOutage: (ip: string): CensorAction => ({ do: 'tls-box', ns: 'servers', ip, rules: [{ match: {}, action: 'reset' }] }),
  /** The TLS server itself never answers a ClientHello, from everyone (outage twin of helloDrop and echDrop). */
  tlsSilentOutage: (ip: string): CensorAction => ({ do: 'tls-box', ns: 'servers', ip, rules: [{ match: {}, action: 'drop' }] }),
  /** The app's server itself resets a connection once application bytes arrive, for everyone (after any DNAT to a peer's port, so no port is named). */
  appResetOutage: (ip: string): CensorAction => ({
    do: 'iptables', ns: 'servers', table: 'filter', chain: 'INPUT', rule: ['-d', ip, '-p', 'tcp', ...ANY_PAYLOAD, '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  }),
  /** The app's server itself answers no application bytes on ip:port, for everyone (raw PREROUTING, before any DNAT to a peer's port): TCP connects, nothing comes back. */
  appSilentOutage: (ip: string, port = 443): CensorAction => ({
    do: 'iptables', ns: 'servers', table: 'raw', chain: 'PREROUTING', rule: ['-d', ip, '-p', 'tcp', '--dport', String(port), ...ANY_PAYLOAD, '-j', 'DROP'],
  }),

  // Degree and frequency (issue 20).
  /** The server's first flight (ServerHello…Finished) to a ClientHello naming one of `snis` is held `ms` at the censor: handshake throttling. */
  handshakeDelay: (ip: string, snis: string[], ms: number): CensorAction => tlsBox(ip, { match: { sni: snis }, action: 'delay', delayMs: ms, phase: 'handshake' }),
  /** The server's first answer after the client's first application data is held `ms` at the censor, for flows naming one of `snis`: time to first byte throttled. */
  ttfbDelay: (ip: string, snis: string[], ms: number): CensorAction => tlsBox(ip, { match: { sni: snis }, action: 'delay', delayMs: ms, phase: 'response' }),
  /** The server itself is slow to answer a ClientHello, for everyone: its first flight waits `ms` in its own namespace (outage twin of handshakeDelay). */
  slowServer: (ip: string, ms: number): CensorAction => ({ do: 'tls-box', ns: 'servers', ip, rules: [{ match: {}, action: 'delay', delayMs: ms, phase: 'handshake' }] }),
  /** The server itself is slow to answer a request, for everyone: its first bytes after the client's first application data wait `ms` (outage twin of ttfbDelay). */
  slowResponse: (ip: string, ms: number): CensorAction => ({ do: 'tls-box', ns: 'servers', ip, rules: [{ match: {}, action: 'delay', delayMs: ms, phase: 'response' }] }),
  /** The HTTPS host sends its bodies at `bitsPerSecond`, to everyone (outage twin of throttle). */
  slowTransfer: (host: string, bitsPerSecond: number): CensorAction => ({ do: 'host', host, rule: { mode: 'slow', scope: 'everyone', bitsPerSecond } }),
  /**
   * A share of the flows to the address is dropped, whole: each new flow is drawn once
   * (`-m statistic` on its first packet, remembered with CONNMARK), and every answer of a drawn
   * flow is dropped, so its client gets nothing back and times out, while an undrawn flow loses
   * nothing. `random` draws with probability `share`; `nth` drops exactly every (1/share)th flow,
   * for a count that does not vary between runs.
   */
  flowShareDrop: (ip: string, share: number, mode: 'random' | 'nth' = 'random'): CensorAction[] => flowShare('censor', ip, share, mode),
  /** The server itself drops the same share of flows, from everyone (outage twin of flowShareDrop). */
  flowShareOutage: (ip: string, share: number, mode: 'random' | 'nth' = 'random'): CensorAction[] => flowShare('servers', ip, share, mode),
  /**
   * Residual censorship: a ClientHello naming `sni` to the address is reset (or dropped), and
   * for `holdSeconds` after it every packet from the client to ip:443 is dropped, whatever its
   * SNI (iptables `recent`, keyed on the destination). The GFW holds 90–180 s (net4people/bbs
   * #505; Bock et al., "Exposing and Circumventing China's Censorship of ESNI", 2020); the lab
   * holds less, so that a run can see the block end.
   */
  residual: (ip: string, sni: string, holdSeconds = RESIDUAL_HOLD_SECONDS, trigger: 'reset' | 'drop' = 'reset'): CensorAction[] => {
    const list = `bwres-${ip.replace(/\./g, '-')}`;
    const to = ['-d', ip, '-p', 'tcp', '--dport', '443'];
    return [
      fwd([...to, '-m', 'recent', '--name', list, '--rcheck', '--rdest', '--seconds', String(holdSeconds), '-j', 'DROP']),
      fwd([...to, '-m', 'string', '--algo', 'bm', '--string', sni, '-m', 'recent', '--name', list, '--set', '--rdest',
        ...(trigger === 'reset' ? ['-j', 'REJECT', '--reject-with', 'tcp-reset'] : ['-j', 'DROP'])]),
    ];
  },
  /**
   * The trusted resolver the config names as `control.resolver` (DoH on the truthful resolver)
   * is unreachable from the probe host: public resolvers blocked, as in Venezuela (2025).
   */
  controlResolverBlocked: (): CensorAction => toTruthfulResolver('tcp', '443'),
  /** The control vantage's own resolver (UDP and TCP 53 on the truthful resolver) is unreachable from the probe host too. */
  controlVantageResolverBlocked: (): CensorAction[] => [toTruthfulResolver('udp', '53'), toTruthfulResolver('tcp', '53')],
};

/** The public name of Cloudflare's ECH service, the outer SNI of its ECH hellos (net4people/bbs #417). */
export const ECH_PUBLIC_NAME = 'cloudflare-ech.com';
/** How long the lab's residual block holds an address after a trigger, by default. */
export const RESIDUAL_HOLD_SECONDS = 20;

function tlsBox(ip: string, rule: TlsBoxRule): CensorAction {
  return { do: 'tls-box', ns: 'censor', ip, rules: [rule] };
}

/** `-m u32` on the first four bytes of a TCP segment's payload (after the IP and TCP headers); a segment with less payload never matches. */
const payloadU32 = (test: string): string[] => ['-m', 'u32', '--u32', `0>>22&0x3C@12>>26&0x3C@${test}`];
/** Any TCP segment carrying application bytes (at least four). */
export const ANY_PAYLOAD = payloadU32('0=0x0:0xFFFFFFFF');
/**
 * The first bytes a client sends on MTProto's plain TCP transports: 0xeeeeeeee (intermediate),
 * 0xdddddddd (padded intermediate), 0xef (abridged). An obfuscated2 header is 64 random bytes
 * that a client redraws when they begin with any of these
 * (https://core.telegram.org/mtproto/mtproto-transports).
 */
const MTPROTO_PLAIN = [payloadU32('0=0xEEEEEEEE'), payloadU32('0=0xDDDDDDDD'), payloadU32('0>>24=0xEF')];
export const MTPROTO_MARK = '0x3e';
export const APP_DATA_MARK = '0x3d';
export const SHARE_DROP_MARK = '0x5d';
export const SHARE_PASS_MARK = '0x5e';

/**
 * Marks a flow to ip:port (CONNMARK, mangle) when one of its segments matches, and drops or
 * resets every marked segment from the client from then on (filter), that one included.
 */
function markAndCut(ip: string, port: number, matchers: string[][], mark: string, cut: 'drop' | 'reset'): CensorAction[] {
  const to = ['-d', ip, '-p', 'tcp', '--dport', String(port)];
  return [
    ...matchers.map((m): CensorAction => ({ do: 'iptables', ns: 'censor', table: 'mangle', chain: 'FORWARD', rule: [...to, ...m, '-j', 'CONNMARK', '--set-mark', mark] })),
    fwd([...to, '-m', 'connmark', '--mark', mark, ...(cut === 'drop' ? ['-j', 'DROP'] : ['-j', 'REJECT', '--reject-with', 'tcp-reset'])]),
  ];
}

/**
 * The statistic draw on each new flow's first packet, the mark that remembers it, and the drop
 * of a drawn flow's answers: at the censor (forwarded) or at the server (arriving, and its answers leaving).
 * The first packet itself must pass: a packet dropped before its conntrack entry is confirmed
 * takes the entry and its mark with it, and the client's retransmission would be drawn anew.
 */
function flowShare(ns: 'censor' | 'servers', ip: string, share: number, mode: 'random' | 'nth'): CensorAction[] {
  if (!(share > 0 && share <= 1)) throw new Error(`flow share ${share}: must be in (0, 1]`);
  const every = Math.round(1 / share);
  if (mode === 'nth' && Math.abs(every * share - 1) > 1e-9) throw new Error(`flow share ${share}: nth mode needs 1/share to be a whole number`);
  const draw = mode === 'nth' ? ['--mode', 'nth', '--every', String(every), '--packet', '0'] : ['--mode', 'random', '--probability', String(share)];
  const [markChain, answerChain] = ns === 'censor' ? ['FORWARD', 'FORWARD'] : ['PREROUTING', 'OUTPUT'];
  const mangle = (rule: string[]): CensorAction => ({ do: 'iptables', ns, table: 'mangle', chain: markChain, rule });
  // At the server, each path draws on its own (the censored client's, and the control proxy's
  // flows): the same share fails for both, whatever the order their flows come in.
  const sources = ns === 'censor' ? [[]] : [['-s', A.CLIENT_ISP], ['-s', A.ABROAD_SERVER_SIDE]];
  return [
    // Undecided flows (mark 0) are drawn once; the last rule marks the rest as passed, so no later packet draws again.
    ...sources.map((src) => mangle([...src, '-d', ip, '-m', 'connmark', '--mark', '0', '-m', 'statistic', ...draw, '-j', 'CONNMARK', '--set-mark', SHARE_DROP_MARK])),
    mangle(['-d', ip, '-m', 'connmark', '--mark', '0', '-j', 'CONNMARK', '--set-mark', SHARE_PASS_MARK]),
    { do: 'iptables', ns, table: 'filter', chain: answerChain, rule: ['-s', ip, '-m', 'connmark', '--mark', SHARE_DROP_MARK, '-j', 'DROP'] },
  ];
}

/** Drops what the probe host sends the truthful resolver on one protocol and port, where it arrives (the abroad namespace). */
function toTruthfulResolver(proto: 'tcp' | 'udp', port: string): CensorAction {
  return { do: 'iptables', ns: 'abroad', table: 'filter', chain: 'INPUT', rule: ['-s', A.CLIENT_ABROAD, '-d', A.TRUTHFUL_RESOLVER, '-p', proto, '--dport', port, '-j', 'DROP'] };
}

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

/**
 * The DNAT that steers TCP 443 of an address to its TLS box relay: the censor's box (its own
 * address), or one in the servers' namespace listening on the address itself.
 */
export function tlsBoxRedirect(ns: 'censor' | 'servers', ip: string, relayPort: number): Extract<CensorAction, { do: 'iptables' }> {
  const to = ns === 'censor' ? A.TLS_BOX : ip;
  return { do: 'iptables', ns, table: 'nat', chain: 'PREROUTING', rule: ['-d', ip, '-p', 'tcp', '--dport', '443', '-j', 'DNAT', '--to-destination', `${to}:${relayPort}`] };
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
