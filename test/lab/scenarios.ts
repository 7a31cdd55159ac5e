/**
 * The scenario catalogue: each censorship technique the lab can apply, the app it is
 * applied to, and the exact verdict blockwatch must reach at the censored vantage (isp)
 * and at the control vantage (abroad). Expected verdicts are written here and nowhere else.
 */
import * as A from './addresses.js';
import { T } from './censor.js';
import { ANY_PATTERN, type CatalogueTarget, type ExpectedApp, type ExpectedTarget, type Scenario } from './scenario-types.js';
import type { Pattern } from '../../src/model/index.js';

const ok: ExpectedTarget = ['ok', null];
const blocked = (p: Pattern): ExpectedTarget => ['blocked', p];
const down: ExpectedTarget = ['down', null];
const unknown: ExpectedTarget = ['unknown', null];
const web = (host: string, id = 'web'): CatalogueTarget => ({ id, kind: 'https', url: `https://${host}/` });
const dns = (host: string): CatalogueTarget => ({ id: 'dns', kind: 'dns', host });
const dc = (ip: string, port = 443, id = 'dc'): CatalogueTarget => ({ id, kind: 'tcp', host: ip, port });
const tls = (host: string): CatalogueTarget => ({ id: 'tls', kind: 'tls', host, port: 443, sni: host });
/** Every target ok and the app reachable: what an uncensored path sees. */
const allOk = (targets: CatalogueTarget[]): ExpectedApp => ({
  app: 'reachable',
  targets: Object.fromEntries(targets.map((t) => [t.id, ok])),
});
const addr = (n: number) => `198.18.1.${n}`;
/** Confirmation re-probes in the loss scenario: `alerts.confirm.attempts`' default. */
const LOSS_CONFIRM = 2;
/**
 * What random loss may leave: every target ok; or one whose first probe lost too many
 * packets at some step and whose confirmation then passed, an intermittent anomaly (which
 * never pages). Never blocked, never down.
 */
function okUnderLoss(targets: CatalogueTarget[]): ExpectedApp {
  const all = allOk(targets);
  return { ...all, or: targets.map((t) => ({ app: 'anomaly', targets: { ...all.targets, [t.id]: ['anomaly', ANY_PATTERN] } })) };
}

/** A DNS technique on the ISP resolver for one name, probed by an HTTPS target and, where given, a DNS target. */
function dnsScenario(
  name: string, host: string, n: number, rule: Parameters<typeof T.dnsLie>[1], pattern: Pattern, why: string, withDnsTarget = false,
): Scenario {
  const targets = withDnsTarget ? [web(host), dns(host)] : [web(host)];
  return {
    name, description: `The ISP resolver answers ${host} with ${JSON.stringify(rule)}.`, why,
    hosts: { [host]: addr(n) }, targets, censor: [T.dnsLie(host, rule)],
    expect: {
      isp: { app: 'blocked', targets: Object.fromEntries(targets.map((t) => [t.id, blocked(pattern)])) },
      abroad: allOk(targets),
    },
  };
}

/** A technique on the censored path to one app address, probed by a TCP, a TLS or an HTTPS target. */
function pathScenario(
  name: string, host: string, n: number, censor: Scenario['censor'], kinds: ('dc' | 'tls' | 'web')[], pattern: Pattern, why: string,
): Scenario {
  const targets = kinds.map((k) => (k === 'dc' ? dc(addr(n)) : k === 'tls' ? tls(host) : web(host)));
  return {
    name, description: `The censor applies ${censor.map((c) => c.do).join(', ')} to ${host} (${addr(n)}).`, why,
    hosts: { [host]: addr(n) }, targets, censor,
    expect: {
      isp: { app: 'blocked', targets: Object.fromEntries(targets.map((t) => [t.id, blocked(pattern)])) },
      abroad: allOk(targets),
    },
  };
}

const baselineTargets: CatalogueTarget[] = [
  web('base.lab'), dns('base.lab'), dc(addr(10)), tls('base.lab'), { id: 'chat', kind: 'tcp', host: 'base.lab', port: 5222 },
];
const slowTargets: CatalogueTarget[] = [
  web('slowapp.lab'),
  { id: 'media', kind: 'https', url: 'https://media.slowapp.lab/blob?bytes=262144', group: 'media', transfer: { bytes: '256KiB', floor: '8Mbit/s' } },
];
const chatTargets: CatalogueTarget[] = [
  web('web.chatapp.lab'), { id: 'chat', kind: 'tcp', host: 'chat.chatapp.lab', port: 5222 }, tls('chat.chatapp.lab'),
];
const waTargets: CatalogueTarget[] = [1, 2, 3].map((i) => ({ id: `e${i}`, kind: 'tcp', host: `e${i}.wa.lab`, port: 5222, group: 'chat' }) as CatalogueTarget);
const downTargets: CatalogueTarget[] = [web('down.lab'), dc(addr(41))];
const dnsDownTargets: CatalogueTarget[] = [web('dnsdown.lab'), dns('dnsdown.lab')];
const noControlTargets: CatalogueTarget[] = [dc(addr(43))];
const offlineTargets: CatalogueTarget[] = [web('offline.lab'), dc(addr(44))];
const lossyTargets: CatalogueTarget[] = [web('lossy.lab'), dc(addr(45))];

export const SCENARIOS: Scenario[] = [
  {
    name: 'baseline', description: 'Nothing is censored: every kind of target against a healthy app.',
    why: 'every step succeeds from both vantages, so every target is ok and the app reachable',
    hosts: { 'base.lab': addr(10) }, targets: baselineTargets, censor: [],
    expect: { isp: allOk(baselineTargets), abroad: allOk(baselineTargets) },
  },
  dnsScenario('dns-nxdomain', 'nx.lab', 11, { rcode: 'NXDOMAIN' }, 'dns.nxdomain', 'NXDOMAIN at the ISP while the control resolver answers', true),
  dnsScenario('dns-servfail', 'servfail.lab', 12, { rcode: 'SERVFAIL' }, 'dns.servfail', 'SERVFAIL at the ISP while the control resolver answers'),
  dnsScenario('dns-refused', 'refused.lab', 13, { rcode: 'REFUSED' }, 'dns.refused', 'REFUSED at the ISP while the control resolver answers'),
  dnsScenario('dns-no-answer', 'noanswer.lab', 14, { empty: true }, 'dns.no_answer', 'NOERROR without addresses while the control has some', true),
  dnsScenario('dns-timeout', 'silent.lab', 15, { silence: true }, 'dns.timeout', 'the ISP resolver never replies for this name while the control answers'),
  dnsScenario('dns-bogon', 'bogon.lab', 16, { answer: [A.BOGON] }, 'dns.bogon', '127.0.0.1 is in the sink ranges blockwatch treats as bogons', true),
  dnsScenario('dns-blockpage', 'bpdns.lab', 17, { answer: [A.BLOCKPAGE] }, 'dns.blockpage', "the answer is the lab ISP's blockpage address, listed in the lab's DNS fingerprints"),
  dnsScenario('dns-injected', 'injected.lab', 18, { inject: [A.FORGED] }, 'dns.injected', 'two differing replies to one query, the forged one first'),
  dnsScenario('dns-inconsistent', 'inconsistent.lab', 19, { answer: [A.MITM] }, 'dns.inconsistent',
    "the answer is disjoint from the control's, no bogon, no known blockpage, and that address fails TLS for the name"),
  pathScenario('tcp-timeout', 'blackhole.lab', 20, [T.blackhole(addr(20))], ['dc', 'web'], 'tcp.timeout', 'SYNs to the address vanish while the control connects'),
  pathScenario('tcp-refused', 'refused-ip.lab', 21, [T.refuse(addr(21))], ['dc', 'web'], 'tcp.refused', 'the censor answers the SYN with RST while the control connects'),
  pathScenario('tcp-unreachable', 'unreach.lab', 22, [T.unreachable(addr(22))], ['dc', 'web'], 'tcp.unreachable',
    'the censor answers the SYN with ICMP host-unreachable while the control connects'),
  pathScenario('tls-sni-reset', 'sni-reset.lab', 23, [T.sniReset('sni-reset.lab')], ['tls', 'web'], 'tls.sni_filter',
    'RST after a ClientHello naming the host, and the SNI swap to an innocuous name on the same address completes'),
  pathScenario('tls-sni-drop', 'sni-drop.lab', 24, [T.sniDrop('sni-drop.lab')], ['tls', 'web'], 'tls.sni_filter',
    'the ClientHello naming the host stalls, and the SNI swap on the same address completes'),
  pathScenario('tls-reset', 'tls-reset.lab', 25, [T.tlsResetAll(addr(25))], ['tls', 'web'], 'tls.reset',
    'every ClientHello to the address is reset, so the SNI swap fails too; the control completes'),
  pathScenario('tls-timeout', 'tls-stall.lab', 26, [T.tlsDropAll(addr(26))], ['tls', 'web'], 'tls.timeout',
    'every ClientHello to the address is dropped, so the SNI swap stalls too; the control completes'),
  pathScenario('tls-eof', 'tls-eof.lab', 27, [T.tlsEof(addr(27))], ['tls', 'web'], 'tls.eof',
    'a box closes the connection after any ClientHello to the address, so the SNI swap fails too; the control completes'),
  pathScenario('tls-mitm', 'tls-mitm.lab', 28, [T.mitm(addr(28))], ['tls', 'web'], 'tls.mitm',
    "the certificate names another host and comes from the ISP's CA, which nobody trusts"),
  pathScenario('http-451', 'legal.lab', 29, [T.serveToClient('legal.lab', '451')], ['web'], 'http.451', 'status 451 to the censored path only'),
  pathScenario('http-blockpage', 'blockpage.lab', 30, [T.serveToClient('blockpage.lab', 'blockpage')], ['web'], 'http.blockpage',
    "the body matches the lab's blockpage fingerprint"),
  pathScenario('http-redirect', 'redirect.lab', 31, [T.serveToClient('redirect.lab', 'redirect')], ['web'], 'http.blockpage',
    "a redirect to the ISP's warning page, matched by the lab's header.location fingerprint"),
  pathScenario('http-reset', 'http-reset.lab', 32, [T.serveToClient('http-reset.lab', 'reset')], ['web'], 'http.reset',
    'TLS completes, then the connection is reset once the request is sent; the control gets its page'),
  pathScenario('http-timeout', 'http-stall.lab', 33, [T.serveToClient('http-stall.lab', 'stall')], ['web'], 'http.timeout',
    'TLS completes, then no response ever comes; the control gets its page'),
  {
    name: 'throttled', description: 'ClientHellos naming media.slowapp.lab mark their flow (CONNMARK); marked flows are shaped to 1 Mbit/s (tc htb).',
    why: 'the transfer completes far below its floor and the control; media is a non-essential group, so the app is degraded',
    hosts: { 'slowapp.lab': addr(34), 'media.slowapp.lab': addr(35) }, targets: slowTargets, groups: { media: { essential: false } },
    censor: [T.throttle('media.slowapp.lab', '1mbit')],
    // Throughput is compared with the control's: alone, so that thirty concurrent probes do not slow the control too.
    exclusive: true,
    expect: { isp: { app: 'degraded', targets: { web: ok, media: blocked('throttled') } }, abroad: allOk(slowTargets) },
  },
  {
    name: 'degraded', description: "SNI reset on the app's web client only; its chat endpoints stay open.",
    why: 'the blocked target is in a group marked essential: false and every essential group has an ok target',
    hosts: { 'web.chatapp.lab': addr(36), 'chat.chatapp.lab': addr(37) }, targets: chatTargets, groups: { web: { essential: false } },
    censor: [T.sniReset('web.chatapp.lab')],
    expect: { isp: { app: 'degraded', targets: { web: blocked('tls.sni_filter'), chat: ok, tls: ok } }, abroad: allOk(chatTargets) },
  },
  {
    name: 'partial-group', description: 'A WhatsApp-like group of redundant chat hosts, one of them blackholed.',
    why: 'a group is ok while any of its targets is ok, so the app stays reachable with one target blocked',
    hosts: { 'e1.wa.lab': addr(38), 'e2.wa.lab': addr(39), 'e3.wa.lab': addr(40) }, targets: waTargets,
    censor: [T.blackhole(addr(38))],
    expect: { isp: { app: 'reachable', targets: { e1: blocked('tcp.timeout'), e2: ok, e3: ok } }, abroad: allOk(waTargets) },
  },
  {
    name: 'outage-service', description: "The app's server refuses connections from everyone.",
    why: 'the control fails the same way, so it is an outage: down, never blocked',
    hosts: { 'down.lab': addr(41) }, targets: downTargets, censor: [T.serviceDown(addr(41))],
    expect: { isp: { app: 'down', targets: { web: down, dc: down } }, abroad: { app: 'down', targets: { web: down, dc: down } } },
  },
  {
    name: 'outage-dns', description: "Every resolver answers SERVFAIL for the app's name, as on 4 October 2021 for Facebook's names.",
    why: 'the control resolver fails the same way, so it is an outage: down, never blocked',
    hosts: { 'dnsdown.lab': addr(42) }, targets: dnsDownTargets, censor: [T.dnsOutage('dnsdown.lab', { rcode: 'SERVFAIL' })],
    expect: { isp: { app: 'down', targets: { web: down, dns: down } }, abroad: { app: 'down', targets: { web: down, dns: down } } },
  },
  {
    name: 'anomaly-no-control', description: "The address is blackholed on the censored path and the control vantage's proxy refuses it.",
    why: 'SYNs vanish but no control could test the address, so the block is unconfirmed: anomaly; the control itself could not probe: unknown',
    hosts: { 'nocontrol.lab': addr(43) }, targets: noControlTargets,
    censor: [T.blackhole(addr(43)), T.denyControl(addr(43))],
    expect: { isp: { app: 'anomaly', targets: { dc: ['anomaly', 'tcp.timeout'] } }, abroad: { app: 'unknown', targets: { dc: unknown } } },
  },
  {
    name: 'offline-vantage', description: "The client's uplink is cut: nothing crosses the censor, canaries included.",
    why: 'all canaries fail, so the vantage is offline and its verdicts are unknown, never blocked; the control is unaffected',
    hosts: { 'offline.lab': addr(44) }, targets: offlineTargets, censor: [T.offline()], exclusive: true,
    expect: { isp: { app: 'unknown', targets: { web: unknown, dc: unknown } }, abroad: allOk(offlineTargets) },
  },
  {
    name: 'loss-10', description: "10% of the client's packets, TCP segments and DNS datagrams alike, are dropped at random (-m statistic).",
    why: 'TCP retransmits through random loss, and `check` probes a target that failed again as the daemon does (alerts.confirm), so nothing is blocked: no false positive',
    hosts: { 'lossy.lab': addr(45) }, targets: lossyTargets, censor: [T.loss(0.1)], exclusive: true,
    schedule: { confirm: LOSS_CONFIRM },
    expect: { isp: okUnderLoss(lossyTargets), abroad: okUnderLoss(lossyTargets) },
  },
];

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no lab scenario named ${name}`);
  return s;
}
