/**
 * Scenarios of degree and frequency (issue 20, DESIGN §14): throttling seen in handshake time,
 * time to first byte and throughput, never for a server slow to everyone; a share of flows
 * dropped (intermittent) against a server that drops as many for everyone; a residual block
 * that must never be misnamed; a control whose resolver cannot be reached. The exact verdicts
 * at the censored vantage (isp) and the control (abroad). They run on the timing diagnosis,
 * trials, the residual rule and the control checks; exported, and wired into ALL_SCENARIOS by
 * the integration. Addresses 198.18.1.223–234.
 */
import { RESIDUAL_HOLD_SECONDS, T } from './censor.js';
import { addr, allDown, allOk, blocked } from './scenario-kit.js';
import type { CatalogueTarget, ExpectedApp, Scenario } from './scenario-types.js';

/**
 * How long the delay boxes hold a server's bytes. Lab handshakes take a few milliseconds, so a
 * second is a ratio of a hundred and more over the innocuous SNI; OONI's Türkiye measurements
 * saw handshakes of several seconds (ooni.org/post/2025-turkiye-throttling-social-media). Well
 * below the lab's 4 s probe deadline, so that every sample completes.
 */
export const THROTTLE_DELAY_MS = 1000;
/** Trials a round for the intermittent scenarios (schedule.trials). */
export const TRIALS = 4;
/**
 * Confirmation re-probes (alerts.confirm.attempts) in the intermittent scenario: its round is
 * bad, so `check` probes it again, as the daemon's first round does, until a trial passes.
 */
export const CONFIRM = 2;
/** A transfer object the shapers and the slow host act on: 256 KiB, 2 s at 1 Mbit/s. */
const OBJECT = '/blob?bytes=262144';

const web = (host: string, path = '/', id = 'web'): CatalogueTarget => ({ id, kind: 'https', url: `https://${host}${path}` });
const tls = (host: string): CatalogueTarget => ({ id: 'tls', kind: 'tls', host, port: 443, sni: host });
const media = (host: string): CatalogueTarget => ({ id: 'media', kind: 'https', url: `https://${host}${OBJECT}`, transfer: { bytes: '256KiB', floor: '8Mbit/s' } });
const dc = (ip: string): CatalogueTarget => ({ id: 'dc', kind: 'tcp', host: ip, port: 443 });
const dns = (host: string): CatalogueTarget => ({ id: 'dns', kind: 'dns', host });

/** Every target ok at every trial, none blocked. */
const okTrials = (targets: CatalogueTarget[]): ExpectedApp => ({
  app: 'reachable',
  targets: Object.fromEntries(targets.map((t) => [t.id, ['ok', null, { trials: { run: TRIALS, blocked: 0 } }]])),
});

const hsTargets = [web('hs-slow.lab'), tls('hs-slow.lab')];
const ttfbTargets = [web('ttfb-slow.lab')];
const tputTargets = [media('media.tput.lab')];
const slowServerTargets = [web('slow-hs.lab'), tls('slow-hs.lab')];
const slowResponseTargets = [web('slow-ttfb.lab')];
const slowTransferTargets = [media('media.slowall.lab')];
const intermittentTargets = [dc(addr(229))];
const intermittentOutageTargets = [dc(addr(230))];
const residualTargets = [tls('residual.lab')];
const dohTargets = [web('nxdoh.lab'), dns('nxdoh.lab')];
const resolversTargets = [web('nxctl.lab'), dns('nxctl.lab')];
const goneTargets = [web('gone.lab'), dns('gone.lab')];

/** The timing scenarios share one check of their own: few probes at once, so the machine's load does not blur a second's delay. */
const TIMING = 'degree-timing';

export const DEGREE_SCENARIOS: Scenario[] = [
  {
    name: 'throttled-handshake',
    description: `The censor's TLS box holds the server's first flight (ServerHello…Finished) ${THROTTLE_DELAY_MS} ms for ClientHellos naming hs-slow.lab: handshake throttling keyed on the SNI, as in Türkiye in 2025.`,
    why: 'the handshake with the name takes far longer than with an innocuous SNI to the same address, over several samples, while the control sees no such ratio',
    hosts: { 'hs-slow.lab': addr(223) }, targets: hsTargets,
    censor: [T.handshakeDelay(addr(223), ['hs-slow.lab'], THROTTLE_DELAY_MS)],
    exclusive: true, together: TIMING,
    expect: {
      isp: { app: 'blocked', targets: { web: blocked('throttled', { basis: 'handshake' }), tls: blocked('throttled', { basis: 'handshake' }) } },
      abroad: allOk(hsTargets),
    },
  },
  {
    name: 'throttled-ttfb',
    description: `The censor's TLS box holds the server's first answer after the client's first application data ${THROTTLE_DELAY_MS} ms, for flows naming ttfb-slow.lab: the handshake is quick, the first byte late.`,
    why: 'time to first byte with the name is far longer than with an innocuous SNI on the same address, over several samples, while the handshake is not and the control sees no such ratio',
    hosts: { 'ttfb-slow.lab': addr(224) }, targets: ttfbTargets,
    censor: [T.ttfbDelay(addr(224), ['ttfb-slow.lab'], THROTTLE_DELAY_MS)],
    exclusive: true, together: TIMING,
    expect: { isp: { app: 'blocked', targets: { web: blocked('throttled', { basis: 'ttfb' }) } }, abroad: allOk(ttfbTargets) },
  },
  {
    name: 'throttled-throughput',
    description: 'ClientHellos naming media.tput.lab mark their flow (CONNMARK); marked flows are shaped to 1 Mbit/s (tc htb): the transfer object arrives slowly.',
    why: 'the 256 KiB transfer completes far below the control and its floor: throttled, on throughput',
    hosts: { 'media.tput.lab': addr(225) }, targets: tputTargets,
    censor: [T.throttle('media.tput.lab', '1mbit')],
    // Throughput is compared with the control's: alone, as the lab's other throttling scenarios.
    exclusive: true,
    expect: { isp: { app: 'blocked', targets: { media: blocked('throttled', { basis: 'throughput' }) } }, abroad: allOk(tputTargets) },
  },
  {
    name: 'slow-server',
    description: `The server itself holds its first flight ${THROTTLE_DELAY_MS} ms for every client (a TLS box in its own namespace): slow for everyone.`,
    why: 'the control sees the same slow handshake, and the innocuous SNI is as slow: never throttled',
    hosts: { 'slow-hs.lab': addr(226) }, targets: slowServerTargets,
    censor: [T.slowServer(addr(226), THROTTLE_DELAY_MS)],
    exclusive: true, together: TIMING,
    expect: { isp: allOk(slowServerTargets), abroad: allOk(slowServerTargets) },
  },
  {
    name: 'slow-response',
    description: `The server itself answers every request ${THROTTLE_DELAY_MS} ms late, for everyone.`,
    why: 'the control waits as long for the first byte, whatever the SNI: never throttled',
    hosts: { 'slow-ttfb.lab': addr(228) }, targets: slowResponseTargets,
    censor: [T.slowResponse(addr(228), THROTTLE_DELAY_MS)],
    exclusive: true, together: TIMING,
    expect: { isp: allOk(slowResponseTargets), abroad: allOk(slowResponseTargets) },
  },
  {
    name: 'slow-transfer',
    description: 'The host itself sends its transfer object at 1 Mbit/s, to everyone.',
    why: 'the control moves it as slowly, so the ratio to the control is about one: never throttled, though below the floor',
    hosts: { 'media.slowall.lab': addr(227) }, targets: slowTransferTargets,
    censor: [T.slowTransfer('media.slowall.lab', 1_000_000)],
    exclusive: true, together: TIMING,
    expect: { isp: allOk(slowTransferTargets), abroad: allOk(slowTransferTargets) },
  },
  {
    name: 'intermittent',
    description: `Every second new flow to the address is drawn at the censor (-m statistic --mode nth on its first packet, remembered with CONNMARK) and gets nothing back; ${TRIALS} trials a round.`,
    why: 'some trials time out at connect and others connect, while the control connects in every trial: blocked in some trials only, which is intermittent: anomaly with the pattern of the blocked trials and their count (src/analysis/trials.ts); the anomaly is confirmed by one or two more trials, until one connects, and stays intermittent',
    hosts: { 'flaky-path.lab': addr(229) }, targets: intermittentTargets,
    // nth, not random: with 4 trials a fair coin would block none or all of them one run in eight.
    censor: [...T.flowShareDrop(addr(229), 0.5, 'nth')],
    schedule: { trials: TRIALS, confirm: CONFIRM },
    expect: {
      isp: { app: 'anomaly', targets: { dc: ['anomaly', 'tcp.timeout', { trials: { run: [TRIALS + 1, TRIALS + CONFIRM], blocked: [1, TRIALS + CONFIRM - 1] } }] } },
      abroad: okTrials(intermittentTargets),
    },
  },
  {
    name: 'intermittent-outage',
    description: 'The server itself drops every second new flow, from the censored path and from the control alike (each path draws on its own).',
    why: "the control fails in as many trials: never blocked. A failed trial whose control failed too is down, and the round's verdict is ok or down; a failed trial whose own control happened to pass reads as intermittent (anomaly), which never alerts on its own",
    hosts: { 'flaky-server.lab': addr(230) }, targets: intermittentOutageTargets,
    censor: [...T.flowShareOutage(addr(230), 0.5, 'nth')],
    schedule: { trials: TRIALS },
    expect: {
      isp: {
        app: 'down', targets: { dc: ['down', null, { trials: { run: TRIALS, blocked: 0 } }] },
        or: [okTrials(intermittentOutageTargets), { app: 'anomaly', targets: { dc: ['anomaly', 'tcp.timeout', { trials: { run: TRIALS, blocked: [1, TRIALS - 1] } }] } }],
      },
      abroad: { app: 'down', targets: { dc: ['down', null, { trials: { run: TRIALS, blocked: 0 } }] }, or: [okTrials(intermittentOutageTargets)] },
    },
  },
  {
    name: 'residual',
    description: `A ClientHello naming residual.lab is reset, and for ${RESIDUAL_HOLD_SECONDS} s after it every packet from the client to the address's port 443 is dropped, whatever its SNI (iptables recent): residual censorship, as the GFW holds it for 90–180 s.`,
    why: 'right after the reset an innocuous SNI to the same address fails too, tainted by the hold: blockwatch must say inconclusive, or, having waited the hold out, name the SNI filter; never an address-wide block',
    hosts: { 'residual.lab': addr(231) }, targets: residualTargets,
    censor: [...T.residual(addr(231), 'residual.lab')],
    expect: {
      isp: {
        app: 'blocked',
        targets: { tls: blocked('tls.reset', { diagnosis: 'inconclusive' }) },
        or: [{ app: 'blocked', targets: { tls: blocked('tls.sni_filter', { diagnosis: 'sni_swap' }) } }],
      },
      abroad: allOk(residualTargets),
    },
  },
  {
    name: 'control-doh-blocked',
    description: "The ISP resolver answers NXDOMAIN for nxdoh.lab, and the trusted resolver (the config's control.resolver, DoH) cannot be reached from the probe host: public resolvers blocked, as in Venezuela in 2025. The control vantage's own resolver still answers.",
    why: 'the trusted resolver never answered, so it is no control; the control vantage resolves the name through its own resolver and confirms the NXDOMAIN: blocked, never down (a silent control read as the same failure used to make it down)',
    hosts: { 'nxdoh.lab': addr(232) }, targets: dohTargets,
    censor: [T.dnsLie('nxdoh.lab', { rcode: 'NXDOMAIN' }), T.controlResolverBlocked()],
    // It takes every name's trusted control away.
    exclusive: true,
    expect: {
      isp: { app: 'blocked', targets: { web: blocked('dns.nxdomain'), dns: blocked('dns.nxdomain') } },
      abroad: allOk(dohTargets),
    },
  },
  {
    name: 'control-resolvers-blocked',
    description: "The ISP resolver answers NXDOMAIN for nxctl.lab; neither the trusted resolver (DoH) nor the control vantage's own resolver can be reached from the probe host.",
    why: 'no control could resolve the name (the trusted resolver is silent, and the control vantage resolves nothing, so its canaries fail and it is offline): no control at all, so anomaly with the reason, never blocked and never down',
    hosts: { 'nxctl.lab': addr(233) }, targets: resolversTargets,
    censor: [T.dnsLie('nxctl.lab', { rcode: 'NXDOMAIN' }), T.controlResolverBlocked(), ...T.controlVantageResolverBlocked()],
    exclusive: true,
    expect: {
      isp: { app: 'anomaly', targets: { web: ['anomaly', 'dns.nxdomain'], dns: ['anomaly', 'dns.nxdomain'] } },
      abroad: { app: 'unknown', targets: { web: ['unknown', null], dns: ['unknown', null] } },
    },
  },
  {
    name: 'dns-gone',
    description: 'Every resolver, the trusted one included, answers NXDOMAIN for gone.lab: the name was removed by its owner.',
    why: 'the control resolver answers NXDOMAIN too: an outage of the name, down, never blocked',
    hosts: { 'gone.lab': addr(234) }, targets: goneTargets,
    censor: [T.dnsOutage('gone.lab', { rcode: 'NXDOMAIN' })],
    expect: { isp: allDown(goneTargets), abroad: allDown(goneTargets) },
  },
];
