/**
 * Scenarios of blocks that judge the client (issue 19, DESIGN §13): a TLS box that resets or
 * drops listed ClientHello fingerprints (JA4) or ECH towards a listed outer name, and boxes
 * that let the TCP handshake through and cut the flow at MTProto's first bytes, each with its
 * outage twin; the exact verdicts at the censored vantage (isp) and the control (abroad).
 * They run on the hello profiles, the mtproto engine and their diagnosis (hello, ECH and
 * transport swaps); exported, and wired into ALL_SCENARIOS by the integration. Addresses
 * 198.18.1.213–222.
 */
import { ECH_PUBLIC_NAME, T } from './censor.js';
import { addr, allDown, allOk, blocked, ok } from './scenario-kit.js';
import type { CatalogueTarget, Scenario } from './scenario-types.js';

/** A TLS target speaking as `hello` (a profile of probes/hellos/), to the host with its own name as SNI unless `sni` says otherwise. */
const helloTls = (id: string, host: string, hello: string, extra: { sni?: string; ech?: 'grease' | 'none'; group?: string } = {}): CatalogueTarget => ({
  id, kind: 'tls', host, port: 443, sni: extra.sni ?? host, hello,
  ...(extra.ech ? { ech: extra.ech } : {}), ...(extra.group ? { group: extra.group } : {}),
});
/** MTProto's first exchange with a data centre, by address as Telegram's catalogue lists them. */
const dc = (id: string, ip: string, transport: 'intermediate' | 'abridged' | 'obfuscated2' = 'intermediate'): CatalogueTarget => ({
  id, kind: 'mtproto', host: ip, port: 443, transport,
});
const web = (host: string): CatalogueTarget => ({ id: 'web', kind: 'https', url: `https://${host}/` });

const fpResetTargets = [helloTls('app', 'fp-reset.lab', 'telegram-desktop'), web('fp-reset.lab')];
// Without ECH: a JA4 differs with and without the extension, and the ECH swap must not be what decides here.
const fpDropTargets = [helloTls('app', 'fp-drop.lab', 'chromium', { ech: 'none' }), web('fp-drop.lab')];
const echTargets = [
  helloTls('ech', 'ech.lab', 'chromium', { sni: ECH_PUBLIC_NAME, ech: 'grease' }),
  // Neither element alone triggers the block (net4people/bbs #417).
  helloTls('ech-own-name', 'ech.lab', 'chromium', { ech: 'grease' }),
  helloTls('outer-no-ech', 'ech.lab', 'chromium', { sni: ECH_PUBLIC_NAME, ech: 'none' }),
];
const dpiTargets = [dc('dc', addr(216)), dc('dc-abridged', addr(216), 'abridged'), dc('dc-obfuscated', addr(216), 'obfuscated2')];
const appTimeoutTargets = [dc('dc', addr(217))];
const appResetTargets = [dc('dc', addr(218))];
const fpOutageTargets = [helloTls('app', 'fp-down.lab', 'telegram-desktop')];
const echOutageTargets = [helloTls('ech', 'ech-down.lab', 'chromium', { sni: ECH_PUBLIC_NAME, ech: 'grease' })];
const mtprotoOutageTargets = [dc('dc', addr(221))];
const mtprotoResetOutageTargets = [dc('dc', addr(222))];

export const CLIENT_SCENARIOS: Scenario[] = [
  {
    name: 'tls-fingerprint-reset',
    description: "The censor's TLS box resets every ClientHello whose JA4 is the telegram-desktop profile's, to fp-reset.lab's address; other clients pass.",
    why: "the telegram-desktop hello is reset at the ClientHello while the other profiles' hellos to the same address and SNI get a ServerHello (hello swap) and the control gets one; Node's own handshake (web) passes",
    hosts: { 'fp-reset.lab': addr(213) }, targets: fpResetTargets,
    censor: [T.helloReset(addr(213), ['telegram-desktop'])],
    expect: {
      isp: { app: 'blocked', targets: { app: blocked('tls.fingerprint', { diagnosis: 'hello_swap' }), web: ok } },
      abroad: allOk(fpResetTargets),
    },
  },
  {
    name: 'tls-fingerprint-drop',
    description: "The censor's TLS box drops (silently) every ClientHello whose JA4 is the chromium profile's without ECH, to fp-drop.lab's address: standard Chrome fingerprints dropped towards foreign addresses (net4people/bbs #662).",
    why: 'the chromium hello stalls at the ClientHello while the other profiles get a ServerHello from the same address and SNI, and the control gets one',
    hosts: { 'fp-drop.lab': addr(214) }, targets: fpDropTargets,
    censor: [T.helloDrop(addr(214), [{ name: 'chromium', ech: 'none' }])],
    expect: {
      isp: { app: 'blocked', targets: { app: blocked('tls.fingerprint', { diagnosis: 'hello_swap' }), web: ok } },
      abroad: allOk(fpDropTargets),
    },
  },
  {
    name: 'tls-ech-blocked',
    description: `The censor's TLS box drops a ClientHello that carries an ECH extension and names ${ECH_PUBLIC_NAME}, to ech.lab's address; ECH with another name, or ${ECH_PUBLIC_NAME} without ECH, pass.`,
    why: 'the hello with GREASE ECH and the outer name stalls while the same hello without ECH gets a ServerHello (ECH swap); the two hellos that carry only one of the two elements pass',
    hosts: { 'ech.lab': addr(215) }, targets: echTargets,
    censor: [T.echDrop(addr(215))],
    expect: {
      isp: { app: 'blocked', targets: { ech: blocked('tls.ech_blocked', { diagnosis: 'ech_swap' }), 'ech-own-name': ok, 'outer-no-ech': ok } },
      abroad: allOk(echTargets),
    },
  },
  {
    name: 'mtproto-dpi',
    description: "The censor lets the TCP handshake to the data centre through and drops the flow once MTProto's intermediate (0xeeeeeeee) or abridged (0xef) transport bytes appear (u32 on the first payload bytes, CONNMARK for the rest); obfuscated2 looks random and passes.",
    why: 'req_pq_multi over the plain transports goes unanswered while obfuscated2 to the same address gets a resPQ (transport swap): the censor reads the protocol',
    hosts: { 'dc.mtproto-dpi.lab': addr(216) }, targets: dpiTargets,
    censor: [...T.mtprotoDrop(addr(216))],
    expect: {
      isp: {
        app: 'blocked',
        targets: { dc: blocked('app.dpi', { diagnosis: 'transport_swap' }), 'dc-abridged': blocked('app.dpi', { diagnosis: 'transport_swap' }), 'dc-obfuscated': ok },
      },
      abroad: allOk(dpiTargets),
    },
  },
  {
    name: 'mtproto-timeout',
    description: 'The censor lets the TCP handshake to the data centre through and drops the flow at its first application bytes, whatever they are.',
    why: 'TCP connects and req_pq_multi goes unanswered, over obfuscated2 too (so no app.dpi), while the control gets a resPQ',
    hosts: { 'dc.mtproto-timeout.lab': addr(217) }, targets: appTimeoutTargets,
    censor: [...T.appDataDrop(addr(217))],
    expect: { isp: { app: 'blocked', targets: { dc: blocked('app.timeout') } }, abroad: allOk(appTimeoutTargets) },
  },
  {
    name: 'mtproto-reset',
    description: "The censor resets the flow to the data centre at the client's first application bytes, whatever they are.",
    why: 'TCP connects and the connection is reset once req_pq_multi is sent, over obfuscated2 too, while the control gets a resPQ',
    hosts: { 'dc.mtproto-reset.lab': addr(218) }, targets: appResetTargets,
    censor: [...T.appDataReset(addr(218))],
    expect: { isp: { app: 'blocked', targets: { dc: blocked('app.reset') } }, abroad: allOk(appResetTargets) },
  },
  {
    name: 'tls-fingerprint-outage',
    description: 'The TLS server itself resets every ClientHello, from everyone (a TLS box in its own namespace).',
    why: "the control's hello is reset too, whatever the profile: an outage, down, never blocked",
    hosts: { 'fp-down.lab': addr(219) }, targets: fpOutageTargets,
    censor: [T.tlsResetOutage(addr(219))],
    expect: { isp: allDown(fpOutageTargets), abroad: allDown(fpOutageTargets) },
  },
  {
    name: 'tls-ech-outage',
    description: 'The TLS server itself answers no ClientHello, with or without ECH, from anyone.',
    why: "the control's hello stalls too, and so does the hello without ECH: an outage, down, never blocked",
    hosts: { 'ech-down.lab': addr(220) }, targets: echOutageTargets,
    censor: [T.tlsSilentOutage(addr(220))],
    expect: { isp: allDown(echOutageTargets), abroad: allDown(echOutageTargets) },
  },
  {
    name: 'mtproto-outage',
    description: 'The data centre itself answers no MTProto request from anyone: TCP connects, the first application bytes vanish at the server.',
    why: "the control's req_pq_multi goes unanswered too, over every transport: an outage, down, never blocked",
    hosts: { 'dc.mtproto-down.lab': addr(221) }, targets: mtprotoOutageTargets,
    censor: [T.appSilentOutage(addr(221))],
    expect: { isp: allDown(mtprotoOutageTargets), abroad: allDown(mtprotoOutageTargets) },
  },
  {
    name: 'mtproto-reset-outage',
    description: 'The data centre itself resets every connection once application bytes arrive, from everyone.',
    why: "the control's connection is reset the same way: an outage, down, never blocked",
    hosts: { 'dc.mtproto-reset-down.lab': addr(222) }, targets: mtprotoResetOutageTargets,
    censor: [T.appResetOutage(addr(222))],
    expect: { isp: allDown(mtprotoResetOutageTargets), abroad: allDown(mtprotoResetOutageTargets) },
  },
];
