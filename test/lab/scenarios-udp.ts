/**
 * Scenarios of the UDP era: call relays (STUN over UDP), QUIC and its SNI, and TLS flows
 * frozen after ~16 KB, each with its outage twin, and the exact verdicts blockwatch must
 * reach at the censored vantage (isp) and at the control (abroad). They need the udp and
 * quic engines, HTTPS freeze detection and the control proxy's UDP ASSOCIATE, so they are
 * kept apart from SCENARIOS until those land. Addresses 198.18.1.100–119.
 */
import * as A from './addresses.js';
import { T } from './censor.js';
import { addr, allDown, allOk, blocked, ok } from './scenario-kit.js';
import type { CatalogueTarget, Scenario } from './scenario-types.js';

/** A page larger than the 12–24 KB freeze band and smaller than blockwatch's 64 KB body cap (the app hosts pad it: ?size=). */
export const BIG_PAGE = '/?size=49152';

const relay = (host: string, id = 'relay', group?: string): CatalogueTarget => ({ id, kind: 'udp', host, port: A.STUN_PORT, ...(group ? { group } : {}) });
const h3 = (host: string, group?: string): CatalogueTarget => ({ id: 'h3', kind: 'quic', host, port: 443, sni: host, ...(group ? { group } : {}) });
const web = (host: string, path = '/', id = 'web'): CatalogueTarget => ({ id, kind: 'https', url: `https://${host}${path}` });

const udpDropTargets = [relay('relay.udpdrop.lab')];
// By address, as catalogues list many call relays.
const udpRefusedTargets = [relay(addr(101))];
const udpOutageTargets = [relay('relay.udpdown.lab')];
const quicDropTargets = [web('h3drop.lab'), h3('h3drop.lab', 'h3')];
const quicInitialTargets = [h3('h3initial.lab')];
const quicSniTargets = [h3('h3sni.lab')];
const quicOutageTargets = [h3('h3down.lab')];
const freezeTargets = [web('freeze.lab', BIG_PAGE), web('freeze.lab', '/', 'small')];
const freezeOutageTargets = [web('freezedown.lab', BIG_PAGE)];
/** The big page in 16 KB TLS records, as nginx sends it: the head travels in the first record with 16 KB of body. */
export const BIG_PAGE_16K_RECORDS = `${BIG_PAGE}&records=16384`;
/** Where the large-record freeze cuts (IP bytes from the server): inside the first 16 KB record, yet past the band's 12 KB. */
export const FREEZE_IN_RECORD_BYTES = 14 * 1024;
const freezeRecordTargets = [web('freeze16k.lab', BIG_PAGE_16K_RECORDS)];

export const UDP_SCENARIOS: Scenario[] = [
  {
    name: 'udp-drop', description: 'UDP to the call relay (STUN, 3478) is dropped on the censored path.',
    why: 'the STUN Binding request gets no answer while the control, over the proxy\'s UDP ASSOCIATE, gets one',
    hosts: { 'relay.udpdrop.lab': addr(100) }, targets: udpDropTargets, censor: [T.udpDrop(addr(100))],
    expect: { isp: { app: 'blocked', targets: { relay: blocked('udp.timeout') } }, abroad: allOk(udpDropTargets) },
  },
  {
    name: 'udp-refused', description: 'UDP to the call relay is answered with ICMP port unreachable by the censor.',
    why: 'the connected UDP socket sees ECONNREFUSED (connection_refused) while the control gets a Binding response',
    hosts: { 'relay.udprefused.lab': addr(101) }, targets: udpRefusedTargets, censor: [T.udpRefuse(addr(101))],
    expect: { isp: { app: 'blocked', targets: { relay: blocked('udp.refused') } }, abroad: allOk(udpRefusedTargets) },
  },
  {
    name: 'udp-outage', description: "The call relay's own host drops STUN from everyone.",
    why: 'the control gets no answer either, so it is an outage: down, never blocked',
    hosts: { 'relay.udpdown.lab': addr(102) }, targets: udpOutageTargets, censor: [T.udpOutage(addr(102))],
    expect: { isp: allDown(udpOutageTargets), abroad: allDown(udpOutageTargets) },
  },
  {
    name: 'quic-drop-address', description: 'UDP/443 to the address is dropped; HTTPS over TCP to the same host still works.',
    why: 'no long-header answer to any Initial (the SNI swap gets none either) while the control gets one: quic.timeout; HTTP/3 is a non-essential group and the web front is ok, so the app is degraded',
    hosts: { 'h3drop.lab': addr(103) }, targets: quicDropTargets, groups: { h3: { essential: false } }, censor: [T.quicDrop(addr(103))],
    expect: { isp: { app: 'degraded', targets: { web: ok, h3: blocked('quic.timeout') } }, abroad: allOk(quicDropTargets) },
  },
  {
    name: 'quic-initial-filter',
    description: 'Every datagram shaped like a QUIC Initial (long header, type Initial, ≥ 1200 bytes) to the address is dropped (u32), whatever its SNI.',
    why: 'the Initial and the SNI swap\'s Initial both vanish while the control gets an answer: quic.timeout, not quic.sni_filter',
    hosts: { 'h3initial.lab': addr(104) }, targets: quicInitialTargets, censor: [T.quicInitialDrop(addr(104))],
    expect: { isp: { app: 'blocked', targets: { h3: blocked('quic.timeout') } }, abroad: allOk(quicInitialTargets) },
  },
  {
    name: 'quic-sni-filter',
    description: "UDP/443 to the address goes through the censor's QUIC relay, which drops flows whose Initial names h3sni.lab.",
    why: 'the Initial naming the host gets no answer while an Initial with an innocuous SNI to the same address does, and the control gets one',
    hosts: { 'h3sni.lab': addr(105) }, targets: quicSniTargets, censor: [T.quicSniFilter(addr(105), 'h3sni.lab')],
    expect: { isp: { app: 'blocked', targets: { h3: blocked('quic.sni_filter') } }, abroad: allOk(quicSniTargets) },
  },
  {
    name: 'quic-outage', description: 'The server drops QUIC from everyone.',
    why: 'the control gets no long-header answer either, so it is an outage: down, never blocked',
    hosts: { 'h3down.lab': addr(106) }, targets: quicOutageTargets, censor: [T.quicOutage(addr(106))],
    expect: { isp: allDown(quicOutageTargets), abroad: allDown(quicOutageTargets) },
  },
  {
    name: 'tls-freeze',
    description: 'A TLS flow whose ClientHello names freeze.lab is marked (CONNMARK); its server packets past 20 KB are dropped (connbytes), ≈16 KB into the page.',
    why: 'the 48 KB page stops inside the 12–24 KB band while the control reads it whole; the small page of the same host ends before the cut, so it is ok',
    hosts: { 'freeze.lab': addr(107) }, targets: freezeTargets, censor: [T.freeze('freeze.lab')],
    expect: { isp: { app: 'blocked', targets: { web: blocked('tls.freeze'), small: ok } }, abroad: allOk(freezeTargets) },
  },
  {
    name: 'tls-freeze-large-records',
    description: 'The freeze of tls-freeze against an origin that sends 16 KB TLS records: the cut (14 KB of server packets) falls inside the record carrying the response head.',
    why: 'nothing of the response decrypts, yet ~13 KB came off the wire after the request and then none: the wire bytes of the whole exchange are in the band while the control reads the page whole',
    hosts: { 'freeze16k.lab': addr(109) }, targets: freezeRecordTargets, censor: [T.freeze('freeze16k.lab', FREEZE_IN_RECORD_BYTES)],
    expect: { isp: { app: 'blocked', targets: { web: blocked('tls.freeze') } }, abroad: allOk(freezeRecordTargets) },
  },
  {
    name: 'freeze-outage', description: 'The HTTPS host itself stops sending after 16 KB of its page body, to everyone.',
    why: 'the control stalls at the same point, so it is an outage: down, never blocked',
    hosts: { 'freezedown.lab': addr(108) }, targets: freezeOutageTargets, censor: [T.freezeOutage('freezedown.lab')],
    expect: { isp: allDown(freezeOutageTargets), abroad: allDown(freezeOutageTargets) },
  },
];

export function udpScenarioByName(name: string): Scenario {
  const s = UDP_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no UDP-era lab scenario named ${name}`);
  return s;
}
