/**
 * Lab scenarios for walled vantages, shutdowns and link loss: a destination allowlist
 * (only the domestic canary, the ISP resolver and a domestic app answer), a full shutdown,
 * a shutdown by withdrawn routes, and a probe host whose own link goes down or loses its carrier. Each states
 * the vantage state blockwatch must report besides the verdicts; all run exclusive, as
 * each touches every app.
 */
import * as A from './addresses.js';
import { T } from './censor.js';
import type { CatalogueTarget, ExpectedApp, ExpectedTarget, Scenario } from './scenario-types.js';

const ok: ExpectedTarget = ['ok', null];
const timeout: ExpectedTarget = ['blocked', 'tcp.timeout'];
const unknown: ExpectedTarget = ['unknown', null];
const addr = (n: number) => `198.18.1.${n}`;
const web = (host: string, id = 'web'): CatalogueTarget => ({ id, kind: 'https', url: `https://${host}/` });
const allOk = (targets: CatalogueTarget[]): ExpectedApp => ({ app: 'reachable', targets: Object.fromEntries(targets.map((t) => [t.id, ok])) });
const allUnknown = (targets: CatalogueTarget[]): ExpectedApp => ({ app: 'unknown', targets: Object.fromEntries(targets.map((t) => [t.id, unknown])) });

/** The incident these allowlist scenarios reproduce; the incident pack names it so. */
export const RUSSIA_2025_ALLOWLISTS = 'russia-2025-allowlists';

// The domestic messenger (the state-backed one, in the incident) and two foreign ones.
const domesticTargets: CatalogueTarget[] = [
  web('messenger.home.lab'),
  { id: 'chat', kind: 'tcp', host: 'chat.home.lab', port: 5222 },
  { id: 'dns', kind: 'dns', host: 'messenger.home.lab' },
];
const messengerTargets: CatalogueTarget[] = [
  web('web.abroad-messenger.lab'),
  { id: 'dc', kind: 'tcp', host: addr(203), port: 443 },
  { id: 'dns', kind: 'dns', host: 'web.abroad-messenger.lab' },
];
const chatTargets: CatalogueTarget[] = [
  { id: 'e1', kind: 'tcp', host: 'e1.abroad-chat.lab', port: 5222, group: 'chat' },
  { id: 'e2', kind: 'tcp', host: 'e2.abroad-chat.lab', port: 5222, group: 'chat' },
  web('web.abroad-chat.lab'),
];

/**
 * Only these destinations answer the client: the domestic canary, the ISP's resolver
 * and the domestic messenger's hosts. One list of actions, shared by the batch.
 */
const ALLOWLIST = T.allowlist([A.DOMESTIC_CANARY, A.ISP_RESOLVER, addr(200), addr(201)]);
const ALLOWLIST_WHY =
  'only the domestic canary answers, after the foreign one is re-probed, so the vantage is walled and its apps are judged as online';

const shutdownTargets: CatalogueTarget[] = [web('shutdown.lab'), { id: 'dc', kind: 'tcp', host: addr(208), port: 443 }];
const routesTargets: CatalogueTarget[] = [web('noroute.lab'), { id: 'dc', kind: 'tcp', host: addr(210), port: 443 }];
const linkTargets: CatalogueTarget[] = [web('linkdown.lab'), { id: 'dc', kind: 'tcp', host: addr(212), port: 443 }];
const carrierTargets: CatalogueTarget[] = [web('nocarrier.lab'), { id: 'dc', kind: 'tcp', host: addr(247), port: 443 }];

export const WALLED_SCENARIOS: Scenario[] = [
  {
    name: 'allowlist-domestic',
    description: 'Destination allowlisting: the client reaches only the domestic canary, the ISP resolver and the domestic messenger.',
    why: `${ALLOWLIST_WHY}; the domestic messenger is on the list, so it is reachable`,
    hosts: { 'messenger.home.lab': addr(200), 'chat.home.lab': addr(201) },
    targets: domesticTargets,
    censor: ALLOWLIST, exclusive: true, together: RUSSIA_2025_ALLOWLISTS,
    expectVantage: { isp: { state: 'walled' }, abroad: { state: 'online' } },
    expect: { isp: allOk(domesticTargets), abroad: allOk(domesticTargets) },
  },
  {
    name: 'allowlist-messenger',
    description: 'Under the same allowlist, a foreign messenger with a web client and a data centre address.',
    why: `${ALLOWLIST_WHY}; the ISP resolver still answers, SYNs to the app vanish while the control connects: tcp.timeout`,
    hosts: { 'web.abroad-messenger.lab': addr(202) },
    targets: messengerTargets,
    censor: ALLOWLIST, exclusive: true, together: RUSSIA_2025_ALLOWLISTS,
    expectVantage: { isp: { state: 'walled' }, abroad: { state: 'online' } },
    expect: {
      isp: { app: 'blocked', targets: { web: timeout, dc: timeout, dns: ok } },
      abroad: allOk(messengerTargets),
    },
  },
  {
    name: 'allowlist-chat',
    description: 'Under the same allowlist, a foreign chat app with redundant chat hosts.',
    why: `${ALLOWLIST_WHY}; no chat host of the group connects while the control does: the app is blocked`,
    hosts: { 'e1.abroad-chat.lab': addr(204), 'e2.abroad-chat.lab': addr(205), 'web.abroad-chat.lab': addr(206) },
    targets: chatTargets,
    censor: ALLOWLIST, exclusive: true, together: RUSSIA_2025_ALLOWLISTS,
    expectVantage: { isp: { state: 'walled' }, abroad: { state: 'online' } },
    expect: {
      isp: { app: 'blocked', targets: { e1: timeout, e2: timeout, web: timeout } },
      abroad: allOk(chatTargets),
    },
  },
  {
    name: 'shutdown',
    description: "A full shutdown: the ISP drops every packet from the client, the domestic canary's and the resolver's included.",
    why: 'nothing answers, domestic canary and resolver included, while the host has its route and its other vantage is online: offline, reason shutdown; no verdict counts',
    hosts: { 'shutdown.lab': addr(207) },
    targets: shutdownTargets,
    censor: [T.offline()], exclusive: true,
    expectVantage: { isp: { state: 'offline', reason: 'shutdown' }, abroad: { state: 'online' } },
    expect: { isp: allUnknown(shutdownTargets), abroad: allOk(shutdownTargets) },
  },
  {
    name: 'shutdown-routes',
    description: "A shutdown by withdrawn routes: the ISP's router answers every packet from the client with ICMP network unreachable.",
    why: "unreachables from the ISP's router are not this host's own: it still has a route, so offline, reason shutdown, not link",
    hosts: { 'noroute.lab': addr(209) },
    targets: routesTargets,
    censor: [T.routesWithdrawn()], exclusive: true,
    expectVantage: { isp: { state: 'offline', reason: 'shutdown' }, abroad: { state: 'online' } },
    expect: { isp: allUnknown(routesTargets), abroad: allOk(routesTargets) },
  },
  {
    name: 'link-down',
    description: "The probe host loses its own link: the client's interface to the censor goes down.",
    why: "the host's own stack has no route to the ISP resolver any more: offline, reason link; the vantage abroad, on its own link, is unaffected",
    hosts: { 'linkdown.lab': addr(211) },
    targets: linkTargets,
    censor: [T.linkDown()], exclusive: true,
    expectVantage: { isp: { state: 'offline', reason: 'link' }, abroad: { state: 'online' } },
    expect: { isp: allUnknown(linkTargets), abroad: allOk(linkTargets) },
  },
  {
    name: 'carrier-lost',
    description: "The probe host's link loses its carrier: the far end of the client's interface goes down, the interface and its routes stay.",
    why: "Linux still hands back the routes of an interface with no carrier (marked linkdown); its link state shows nothing can leave: offline, reason link, not shutdown",
    hosts: { 'nocarrier.lab': addr(246) },
    targets: carrierTargets,
    censor: [T.carrierLost()], exclusive: true,
    expectVantage: { isp: { state: 'offline', reason: 'link' }, abroad: { state: 'online' } },
    expect: { isp: allUnknown(carrierTargets), abroad: allOk(carrierTargets) },
  },
];
