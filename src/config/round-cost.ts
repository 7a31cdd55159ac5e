/**
 * What one round asks of the network from each vantage, before any follow-up: name lookups,
 * TCP connects, TLS handshakes (Node's own and hand-written hellos), QUIC Initials, STUN
 * requests. Said by `validate`, so an operator knows the load a probe host puts on its path
 * (and on the censor's): follow-ups come only after a failure, controls only for a suspicious
 * target. Also says which handshakes a round could share: a `tls` target with Node's hello on
 * the same address, port and SNI as an `https` target sends the censor the same ClientHello.
 */
import type { App, Target } from '../model/index.js';
import { targetHostname } from '../model/index.js';

export interface RoundCost {
  targets: number;
  /** Names asked of the vantage's resolver (one per name and query type; a dns target's own types). */
  lookups: number;
  tcpConnects: number;
  /** Full handshakes through node:tls (tls targets with Node's hello, https targets). */
  tlsHandshakes: number;
  /** ClientHellos written by hand (tls targets with another hello), judged at the ServerHello. */
  helloExchanges: number;
  quicInitials: number;
  stunRequests: number;
  /** tls targets whose ClientHello an https target of the round already sends (same address or name, port and SNI). */
  sameHelloAsHttps: string[];
  /** tcp targets whose connect a tls or https target of the round already makes (same address or name and port). */
  sameConnectAsTls: string[];
}

/** Where an https target connects: the URL's host (brackets off) and port. */
function urlEndpoint(url: string): string {
  const u = new URL(url);
  return `${u.hostname.replace(/^\[|\]$/g, '')} ${u.port ? Number(u.port) : 443}`;
}

export function roundCost(apps: App[]): RoundCost {
  const cost: RoundCost = { targets: 0, lookups: 0, tcpConnects: 0, tlsHandshakes: 0, helloExchanges: 0, quicInitials: 0, stunRequests: 0, sameHelloAsHttps: [], sameConnectAsTls: [] };
  const httpsHellos = new Set<string>();
  const tlsNodeHellos: Array<{ key: string; name: string }> = [];
  const tlsConnects = new Set<string>();
  const tcpConnects: Array<{ key: string; name: string }> = [];
  const count = (app: App, t: Target): void => {
    cost.targets++;
    if (t.kind === 'dns') {
      cost.lookups += t.queryTypes?.length ?? 2;
      return;
    }
    // A and AAAA of the name it goes to; none for an address.
    const hostname = targetHostname(t);
    if (hostname) cost.lookups += 2;
    if (t.kind === 'quic') return void cost.quicInitials++;
    if (t.kind === 'udp') return void cost.stunRequests++;
    cost.tcpConnects++;
    const name = `${app.id}/${t.id}`;
    if (t.kind === 'mtproto') return;
    const at = t.kind === 'https' ? urlEndpoint(t.url) : `${t.host} ${t.port}`;
    if (t.kind === 'tcp') return void tcpConnects.push({ key: at, name });
    tlsConnects.add(at);
    if (t.kind === 'https') {
      cost.tlsHandshakes++;
      httpsHellos.add(`${at} ${hostname ?? ''}`);
    } else if ((t.hello ?? 'node') === 'node' && t.ech === undefined) {
      cost.tlsHandshakes++;
      tlsNodeHellos.push({ key: `${at} ${t.sni ?? hostname ?? ''}`, name });
    } else cost.helloExchanges++;
  };
  for (const app of apps) for (const t of app.targets) count(app, t);
  cost.sameHelloAsHttps = tlsNodeHellos.filter((h) => httpsHellos.has(h.key)).map((h) => h.name);
  cost.sameConnectAsTls = tcpConnects.filter((c) => tlsConnects.has(c.key)).map((c) => c.name);
  return cost;
}

/** The cost as one line of `validate`. */
export function roundCostLine(c: RoundCost): string {
  const parts = [
    `${c.lookups} name lookups`,
    `${c.tcpConnects} TCP connects`,
    `${c.tlsHandshakes} TLS handshakes through node:tls`,
    `${c.helloExchanges} hand-written ClientHellos`,
    `${c.quicInitials} QUIC Initials`,
    `${c.stunRequests} STUN requests`,
  ];
  const listed = (names: string[], what: string, none: string): string =>
    names.length ? `${names.length} ${what} (${names.join(', ')})` : none;
  const shared =
    `; ${listed(c.sameHelloAsHttps, 'tls targets send the same ClientHello as an https target of the round', "no tls target repeats an https target's ClientHello")}` +
    `; ${listed(c.sameConnectAsTls, 'tcp targets connect where a tls or https target of the round does', 'no tcp target repeats the connect of a tls or https target')}`;
  return `a round asks, per vantage, before any follow-up: ${parts.join(', ')}${shared}`;
}
