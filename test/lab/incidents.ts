/**
 * Incidents replayed: documented blocking events and one outage, each with its sources and
 * the lab scenarios that replay it, with the exact verdicts blockwatch must reach. An
 * incident is data: add one by appending to INCIDENTS with scenarios of its own (names and
 * addresses no other scenario uses; this pack takes 198.18.1.120–199, the walled scenarios
 * 198.18.1.200–212, and 213–249 are free). `npm run lab -- --incident NAME` runs one.
 */
import { T } from './censor.js';
import { addr, allDown, allOk, blocked, ok } from './scenario-kit.js';
import { BIG_PAGE } from './scenarios-udp.js';
import type { CatalogueTarget, Scenario } from './scenario-types.js';
import { RUSSIA_2025_ALLOWLISTS, WALLED_SCENARIOS } from './scenarios-walled.js';
import { CLIENT_DEGREE_INCIDENTS } from './incidents-client-degree.js';
import * as A from './addresses.js';

export interface Source {
  title: string;
  url: string;
}

export interface Incident {
  /** `country-year-what`, the name `--incident` takes. */
  name: string;
  title: string;
  /** ISO date (or month) the event began. */
  date: string;
  /** What happened and what a vantage saw, in one paragraph. */
  account: string;
  sources: Source[];
  /** The scenarios that replay it; their catalogues are the incident's apps. */
  scenarios: Scenario[];
}

const web = (host: string, path = '/', id = 'web'): CatalogueTarget => ({ id, kind: 'https', url: `https://${host}${path}` });
const tcp = (id: string, host: string, port: number, group?: string): CatalogueTarget => ({ id, kind: 'tcp', host, port, ...(group ? { group } : {}) });
const relay = (id: string, host: string): CatalogueTarget => ({ id, kind: 'udp', host, port: A.STUN_PORT, group: 'calls' });

// Russia, May 2017: WeChat's addresses entered the registry; ISPs null-routed them.
const wechatTargets = [tcp('long', 'long.wechat2017.lab', 8080), tcp('short', 'short.wechat2017.lab', 443), web('web.wechat2017.lab')];

// Russia, April 2018: Telegram's own addresses, then whole cloud ranges it had moved to.
/** The "cloud" range Telegram's front moved to, blocked whole: 198.18.1.176–191. */
export const CLOUD_RANGE_2018 = '198.18.1.176/28';
const telegram2018Targets = [
  tcp('dc1', addr(130), 443, 'datacenters'), tcp('dc2', addr(131), 443, 'datacenters'), tcp('dc3', addr(180), 443, 'datacenters'),
  web('web.telegram2018.lab'),
];
const telegram2018Censor = [T.blackhole(addr(130)), T.blackhole(addr(131)), T.blackhole(CLOUD_RANGE_2018)];
const neighbourTargets = [web('game.cloudneighbour2018.lab')];

// Russia, March 2021: Twitter throttled by SNI.
const twitterTargets: CatalogueTarget[] = [
  web('twitter2021.lab'),
  { id: 'media', kind: 'https', url: 'https://pbs.twimg2021.lab/blob?bytes=262144', group: 'media', transfer: { bytes: '256KiB', floor: '8Mbit/s' } },
];

// Russia, 2024–25: flows to foreign hosts freeze after 16–20 KB.
const freezeTargets = [web('foreign.freeze2024.lab', BIG_PAGE), web('domestic.freeze2024.lab', BIG_PAGE, 'domestic')];

// Russia, August 2025: calls restricted, chat untouched.
const whatsappTargets = [
  tcp('e1', 'e1.wa2025.lab', 5222, 'chat'), tcp('e2', 'e2.wa2025.lab', 5222, 'chat'), relay('call', 'relay.wa2025.lab'),
];
const telegramTargets = [tcp('dc', 'dc.tg2025.lab', 443), relay('call1', 'relay1.tg2025.lab'), relay('call2', 'relay2.tg2025.lab')];

// 4 October 2021: Facebook's DNS vanished; resolvers everywhere answered SERVFAIL.
const facebookTargets: CatalogueTarget[] = [web('www.fb2021.lab'), tcp('mqtt', 'edge-mqtt.fb2021.lab', 443), { id: 'dns', kind: 'dns', host: 'www.fb2021.lab' }];
const whatsapp2021Targets = [tcp('e1', 'e1.wa2021.lab', 5222, 'chat'), tcp('e2', 'e2.wa2021.lab', 5222, 'chat')];
const servfail = (name: string) => T.dnsOutage(name, { rcode: 'SERVFAIL' });

export const INCIDENTS: Incident[] = [
  {
    name: 'russia-2017-wechat',
    title: 'Russia blocks WeChat',
    date: '2017-05-04',
    account:
      "Roskomnadzor added WeChat to its registry of banned resources on 4 May 2017 for failing to register as an " +
      "'organiser of information distribution', after Zello (April), LINE, BlackBerry Messenger and Vchat; ISPs were to " +
      'block the IP addresses and technical domains of the service, and Roskomsvoboda counted more than two dozen ' +
      "Tencent addresses blocked. The messenger's long-connection, short-connection and web hosts stop answering SYNs " +
      "from Russian networks while they work from abroad: blockwatch's seed story.",
    sources: [
      { title: 'Global Voices (RuNet Echo), "WeChat Not in Russia, You Don\'t", 2017-05-07', url: 'https://globalvoices.org/2017/05/07/wechat-not-in-russia-you-dont/' },
      { title: 'Crime Russia, "Russia blocks WeChat, China\'s largest messenger", 2017-05', url: 'https://en.crimerussia.com/gromkie-dela/roscomnadzor-blocks-wechat-china-s-largest-messenger-/' },
    ],
    scenarios: [
      {
        name: 'wechat-2017', description: "WeChat-like app: the registry's addresses are blackholed at the ISP.",
        why: 'SYNs to every listed address vanish while the control connects: tcp.timeout on each target, the app blocked',
        hosts: { 'long.wechat2017.lab': addr(120), 'short.wechat2017.lab': addr(121), 'web.wechat2017.lab': addr(122) },
        targets: wechatTargets, censor: [T.blackhole(addr(120)), T.blackhole(addr(121)), T.blackhole(addr(122))],
        expect: {
          isp: { app: 'blocked', targets: { long: blocked('tcp.timeout'), short: blocked('tcp.timeout'), web: blocked('tcp.timeout') } },
          abroad: allOk(wechatTargets),
        },
      },
    ],
  },
  {
    name: 'russia-2018-telegram',
    title: "Russia's mass IP blocking of Telegram",
    date: '2018-04-16',
    account:
      "A Moscow court ordered Telegram blocked on 13 April 2018; from 16 April ISPs were told to block Telegram's own " +
      'addresses (about 9,000), and as Telegram moved to Amazon and Google cloud addresses Roskomnadzor blocked those ' +
      'ranges too — some 16 to 18 million addresses within days. Whole cloud blocks went dark, taking unrelated ' +
      "services with them (Viber calls, a radio station's site, online games, e-wallets). A vantage sees connections " +
      'time out across an entire range while the same hosts answer from abroad; an app that merely shares the cloud looks blocked too.',
    sources: [
      { title: 'The Moscow Times, "Russian Regulator Blocks Over 2 Million Amazon, Google IP Addresses After Telegram Ban", 2018-04-17', url: 'https://themoscowtimes.com/news/russian-regulator-blocks-over-2-million-amazong-google-ip-addresses-after-telegram-ban-61190' },
      { title: "Meduza, \"Russia's federal censor blocks millions of IP addresses in crackdown on Telegram\", 2018-04-17", url: 'https://meduza.io/en/news/2018/04/17/russia-s-federal-censor-blocks-millions-of-ip-addresses-in-crackdown-on-telegram-disrupting-internet-services-across-the-country' },
    ],
    scenarios: [
      {
        name: 'telegram-2018',
        description: `Telegram-like app: two data centres on its own addresses and one moved into a cloud range; the addresses and the whole range ${CLOUD_RANGE_2018} are blackholed.`,
        why: 'every data centre of the redundant group times out, and so does the web front in the cloud range, while the control connects to all',
        hosts: { 'dc1.telegram2018.lab': addr(130), 'dc2.telegram2018.lab': addr(131), 'dc3.telegram2018.lab': addr(180), 'web.telegram2018.lab': addr(181) },
        targets: telegram2018Targets, censor: telegram2018Censor,
        expect: {
          isp: { app: 'blocked', targets: { dc1: blocked('tcp.timeout'), dc2: blocked('tcp.timeout'), dc3: blocked('tcp.timeout'), web: blocked('tcp.timeout') } },
          abroad: allOk(telegram2018Targets),
        },
      },
      {
        name: 'cloudneighbour-2018',
        description: `An unrelated app hosted in the same cloud range; it applies the range block too, so it replays on its own.`,
        why: 'its address falls in the blocked range: from the vantage it is blocked like Telegram (collateral damage), while the control reaches it',
        hosts: { 'game.cloudneighbour2018.lab': addr(182) },
        targets: neighbourTargets, censor: [T.blackhole(CLOUD_RANGE_2018)],
        expect: { isp: { app: 'blocked', targets: { web: blocked('tcp.timeout') } }, abroad: allOk(neighbourTargets) },
      },
    ],
  },
  {
    name: 'russia-2021-twitter',
    title: 'Russia throttles Twitter by SNI',
    date: '2021-03-10',
    account:
      "From 10 March 2021 Russia slowed Twitter nationwide instead of blocking it: TLS flows whose SNI named Twitter's " +
      'domains (twitter.com, twimg.com, t.co — a loose match that also caught reddit.com and microsoft.com at first) ' +
      'were held to about 130–150 kbit/s in both directions by dropping packets, by devices close to users and ' +
      'centrally coordinated. Text still loaded; images and video crawled. The lab holds the media flow to 1 Mbit/s ' +
      '(so that the probe finishes within its deadline): far below the control, which is what the verdict compares.',
    sources: [
      { title: 'Xue et al., "Throttling Twitter: An Emerging Censorship Technique in Russia", ACM IMC 2021', url: 'https://doi.org/10.1145/3487552.3487858' },
    ],
    scenarios: [
      {
        name: 'twitter-2021',
        description: 'ClientHellos naming twimg2021.lab mark their flow (CONNMARK); marked flows are shaped to 1 Mbit/s (tc htb).',
        why: 'the media transfer completes far below the control; media is a non-essential group and the web front is ok, so the app is degraded',
        hosts: { 'twitter2021.lab': addr(140), 'pbs.twimg2021.lab': addr(141) },
        targets: twitterTargets, groups: { media: { essential: false } }, censor: [T.throttle('twimg2021.lab', '1mbit')],
        // Throughput is compared with the control's: alone, as the lab's other throttling scenario.
        exclusive: true,
        expect: { isp: { app: 'degraded', targets: { web: ok, media: blocked('throttled') } }, abroad: allOk(twitterTargets) },
      },
    ],
  },
  {
    name: 'russia-2024-freeze',
    title: 'Russia freezes TLS flows to foreign hosts after 16–20 KB',
    date: '2024',
    account:
      'Reported from 2024 and widely, mostly on mobile networks, from June 2025: TCP connections from Russia to many foreign hosting ' +
      'networks (Hetzner, DigitalOcean, OVH, Cloudflare …) stall once the server has sent about 15–20 KB: no reset, ' +
      'the packets simply stop, and the client waits for a timeout. The same page from a domestic host, or from ' +
      'abroad, arrives whole. Small pages never notice; anything larger freezes part-way.',
    sources: [
      { title: 'net4people/bbs #490, "[Russia] Censor has a new method of blocking", 2025-06-27', url: 'https://github.com/net4people/bbs/issues/490' },
      { title: 'net4people/bbs #662 (further reports of the 16–20 KB freeze)', url: 'https://github.com/net4people/bbs/issues/662' },
      { title: 'hyperion-cs/dpi-checkers, ru/dpi-ch/checkers/tcp1620.go (the 16–20 KB check)', url: 'https://github.com/hyperion-cs/dpi-checkers' },
    ],
    scenarios: [
      {
        name: 'freeze-2024',
        description: 'Flows whose ClientHello names the foreign host freeze once the server has sent 20 KB of packets (≈16 KB of page); the domestic host is not marked.',
        why: "the foreign host's 48 KB page stops inside the freeze band while the control reads it whole; the domestic page arrives whole",
        hosts: { 'foreign.freeze2024.lab': addr(150), 'domestic.freeze2024.lab': addr(151) },
        targets: freezeTargets, censor: [T.freeze('foreign.freeze2024.lab')],
        expect: { isp: { app: 'blocked', targets: { web: blocked('tls.freeze'), domestic: ok } }, abroad: allOk(freezeTargets) },
      },
    ],
  },
  {
    name: 'russia-2025-calls',
    title: 'Russia restricts WhatsApp and Telegram calls',
    date: '2025-08-10',
    account:
      'From 10–11 August 2025 users across Russia reported failing voice and video calls in WhatsApp and ' +
      "Telegram; on 13 August Roskomnadzor confirmed it was 'partially restricting' calls in both, and that no other " +
      'function was limited. Chat kept working. A vantage sees the call relays stop answering over UDP while the ' +
      "chat endpoints connect: the app is degraded, not blocked, and blockwatch must say which function is gone.",
    sources: [
      { title: 'TASS, "Roskomnadzor restricting calls in Telegram, WhatsApp", 2025-08-13', url: 'https://tass.com/economy/2001831' },
      { title: 'The Moscow Times, "Roskomnadzor Says It Is Restricting WhatsApp, Telegram Calls", 2025-08-13', url: 'https://www.themoscowtimes.com/2025/08/13/roskomnadzor-says-it-is-restricting-whatsapp-telegram-calls-a90198' },
    ],
    scenarios: [
      {
        name: 'whatsapp-2025', description: "WhatsApp-like app: UDP to its call relay is dropped; its chat hosts are untouched.",
        why: 'the relay gets no STUN answer while the control does (udp.timeout); calls are a non-essential group and chat is ok, so the app is degraded',
        hosts: { 'e1.wa2025.lab': addr(160), 'e2.wa2025.lab': addr(161), 'relay.wa2025.lab': addr(162) },
        targets: whatsappTargets, groups: { calls: { essential: false } }, censor: [T.udpDrop(addr(162))],
        expect: { isp: { app: 'degraded', targets: { e1: ok, e2: ok, call: blocked('udp.timeout') } }, abroad: allOk(whatsappTargets) },
      },
      {
        name: 'telegram-2025', description: 'Telegram-like app: UDP to both call relays is dropped; its data centre is untouched.',
        why: 'neither relay of the calls group answers while the control gets both; chat works, so the app is degraded',
        hosts: { 'dc.tg2025.lab': addr(165), 'relay1.tg2025.lab': addr(166), 'relay2.tg2025.lab': addr(167) },
        targets: telegramTargets, groups: { calls: { essential: false } }, censor: [T.udpDrop(addr(166)), T.udpDrop(addr(167))],
        expect: { isp: { app: 'degraded', targets: { dc: ok, call1: blocked('udp.timeout'), call2: blocked('udp.timeout') } }, abroad: allOk(telegramTargets) },
      },
    ],
  },
  {
    name: 'russia-2025-allowlists',
    title: 'Russian mobile networks switched to destination allowlists',
    date: '2025-09',
    account:
      'Since 2025 Russian mobile networks have been switched, region by region and for hours or days, from blocking listed ' +
      'destinations to allowing only listed ones. On Beeline in September 2025 the operator\'s DNS, Yandex and government ' +
      'sites answered while 1.1.1.1, 9.9.9.9 and ordinary foreign sites did not; the filter keyed on the address. On ' +
      '5 September 2025 the Ministry of Digital Development published the services kept reachable during such restrictions: ' +
      'only Russian ones (Gosuslugi, VK, Odnoklassniki, the state-backed messenger Max, Mail.ru, Yandex, marketplaces); ' +
      'Telegram, WhatsApp and Google are not on it, and operators said the mechanism already ran in every region with ' +
      'restrictions. From such a vantage every foreign canary fails: blockwatch must call the vantage walled, not offline, ' +
      'and report the foreign messengers blocked while the domestic one works.',
    sources: [
      { title: 'net4people/bbs #579, Russian mobile allowlists (2026)', url: 'https://github.com/net4people/bbs/issues/579' },
      { title: 'net4people/bbs #516, Beeline: handshake passes, ClientHello dropped, keyed on the address (2025)', url: 'https://github.com/net4people/bbs/issues/516' },
      { title: 'Vedomosti, "Минцифры определило перечень сервисов, доступных при отключении интернета", 2025-09-06', url: 'https://www.vedomosti.ru/technology/articles/2025/09/06/1137202-mintsifri-opredelilo' },
      { title: 'Kommersant, the ministry\'s list of services kept reachable, 2025-09-05', url: 'https://www.kommersant.ru/doc/8021889' },
    ],
    // The walled scenarios (scenarios-walled.ts) are this incident: one allowlist, three apps, one run.
    scenarios: WALLED_SCENARIOS.filter((s) => s.together === RUSSIA_2025_ALLOWLISTS),
  },
  {
    name: 'facebook-2021-dns',
    title: 'Facebook, WhatsApp and Instagram vanish from DNS',
    date: '2021-10-04',
    account:
      "On 4 October 2021 a faulty maintenance command took down Facebook's backbone; its DNS servers withdrew their " +
      'BGP routes, and resolvers everywhere answered SERVFAIL for Facebook, WhatsApp, Instagram and Messenger for ' +
      'about five and a half hours. Every vantage, the control included, failed the same way: an outage, which a censorship ' +
      'monitor must never call a block.',
    sources: [
      { title: 'Cloudflare, "Understanding How Facebook Disappeared from the Internet", 2021-10-04', url: 'https://blog.cloudflare.com/october-2021-facebook-outage/' },
      { title: 'Meta Engineering, "More details about the October 4 outage", 2021-10-05', url: 'https://engineering.fb.com/2021/10/05/networking-traffic/outage-details/' },
    ],
    scenarios: [
      {
        name: 'facebook-2021', description: "Every resolver answers SERVFAIL for the Facebook-like app's names.",
        why: 'the control resolver fails the same way for every name, so every target is down and the app down, never blocked',
        hosts: { 'www.fb2021.lab': addr(170), 'edge-mqtt.fb2021.lab': addr(171) },
        targets: facebookTargets, censor: [servfail('www.fb2021.lab'), servfail('edge-mqtt.fb2021.lab')],
        expect: { isp: allDown(facebookTargets), abroad: allDown(facebookTargets) },
      },
      {
        name: 'whatsapp-2021', description: "Every resolver answers SERVFAIL for the WhatsApp-like app's chat hosts.",
        why: 'the whole redundant chat group fails at resolve for the control too: down, never blocked',
        hosts: { 'e1.wa2021.lab': addr(172), 'e2.wa2021.lab': addr(173) },
        targets: whatsapp2021Targets, censor: [servfail('e1.wa2021.lab'), servfail('e2.wa2021.lab')],
        expect: { isp: allDown(whatsapp2021Targets), abroad: allDown(whatsapp2021Targets) },
      },
    ],
  },
  // Blocks that judge the client and blocks of degree (2024–2026): incidents-client-degree.ts.
  ...CLIENT_DEGREE_INCIDENTS,
];

export function incidentByName(name: string): Incident {
  const i = INCIDENTS.find((x) => x.name === name);
  if (!i) throw new Error(`no incident named ${name}; known: ${INCIDENTS.map((x) => x.name).join(', ')}`);
  return i;
}

/** Every scenario of the pack, once. */
export function incidentScenarios(incidents: Incident[] = INCIDENTS): Scenario[] {
  return [...new Map(incidents.flatMap((i) => i.scenarios).map((s) => [s.name, s])).values()];
}
