/**
 * Incidents of blocks that judge the client and of degree (issues 19 and 20), each with its
 * sources and the scenarios that replay it: Russia's 2024 block of Cloudflare's ECH, Türkiye's
 * 2025 handshake throttling, Russia's WhatsApp slowdown and national-DNS removal (Dec 2025 –
 * Feb 2026), and Russia's 2026 Telegram block by client fingerprint and MTProto bytes.
 * Exported, and added to INCIDENTS by the integration. Addresses 198.18.1.235–245.
 */
import { ECH_PUBLIC_NAME, T } from './censor.js';
import type { Incident } from './incidents.js';
import { addr, allOk, blocked, ok } from './scenario-kit.js';
import { THROTTLE_DELAY_MS } from './scenarios-degree.js';
import type { CatalogueTarget } from './scenario-types.js';

const web = (host: string, path = '/', id = 'web', group?: string): CatalogueTarget => ({ id, kind: 'https', url: `https://${host}${path}`, ...(group ? { group } : {}) });

// Russia, 2026: Telegram Desktop's fixed ClientHello reset; plain MTProto to the data centres dropped.
const telegramTargets: CatalogueTarget[] = [
  { id: 'app', kind: 'tls', host: 'api.telegram2026.lab', port: 443, sni: 'api.telegram2026.lab', hello: 'telegram-desktop' },
  { id: 'dc2', kind: 'mtproto', host: addr(236), port: 443, transport: 'intermediate', group: 'datacenters' },
  { id: 'dc4', kind: 'mtproto', host: addr(237), port: 443, transport: 'intermediate', group: 'datacenters' },
];

// Russia, November 2024: ECH towards Cloudflare's public name dropped; the app's web client sits behind Cloudflare.
const echTargets: CatalogueTarget[] = [
  web('web.ech2024.lab'),
  { id: 'ech', kind: 'tls', host: 'web.ech2024.lab', port: 443, sni: ECH_PUBLIC_NAME, hello: 'chromium', ech: 'grease', group: 'ech' },
];

// Türkiye, March and September 2025: TLS handshakes to the platforms' names slowed.
const xTargets: CatalogueTarget[] = [web('x2025.lab'), { id: 'tls', kind: 'tls', host: 'x2025.lab', port: 443, sni: 'x2025.lab' }];
const instagramTargets: CatalogueTarget[] = [web('instagram2025.lab')];

// Russia, December 2025: WhatsApp slowed; February 2026: whatsapp.com and web.whatsapp.com gone from the national DNS.
const slowedTargets: CatalogueTarget[] = [
  { id: 'chat', kind: 'tcp', host: 'chat.whatsapp2025.lab', port: 5222 },
  { id: 'media', kind: 'https', url: 'https://media.whatsapp2025.lab/blob?bytes=262144', group: 'media', transfer: { bytes: '256KiB', floor: '8Mbit/s' } },
];
const nsdiTargets: CatalogueTarget[] = [
  web('whatsapp2026.lab', '/', 'site', 'web'),
  web('web.whatsapp2026.lab', '/', 'web', 'web'),
  { id: 'chat', kind: 'tcp', host: 'e1.whatsapp2026net.lab', port: 5222 },
];

export const CLIENT_DEGREE_INCIDENTS: Incident[] = [
  {
    name: 'russia-2026-telegram',
    title: 'Russia blocks Telegram by client fingerprint and MTProto bytes',
    date: '2026-03-20',
    account:
      'OONI saw Telegram blocked by many Russian ISPs from 20 March 2026. From April 2026 the TSPU boxes classified Telegram ' +
      "clients by their TLS ClientHello: Telegram Desktop's TLS-looking transport sends one fixed hello, whose JA4 the boxes " +
      'recognised and answered with injected RSTs, while browsers reached the same addresses; connections that got through ' +
      "the handshake were dropped once MTProto data began. A bare TCP connect to a data centre still succeeded, so a monitor " +
      'that only connects saw Telegram reachable. The scenario resets the telegram-desktop profile at the ClientHello and ' +
      'drops flows to the data centres at the first plain MTProto bytes; obfuscated2 passes, so the transport swap names it.',
    sources: [
      { title: 'OONI Explorer, findings 96225549500: Telegram blocked in Russia (2026)', url: 'https://explorer.ooni.org/findings/96225549500' },
      { title: 'teleproxy/teleproxy #39, "Russian DPI (TSPU) blocking fake-TLS connections (April 2026)"', url: 'https://github.com/teleproxy/teleproxy/issues/39' },
      { title: 'telegramdesktop/tdesktop #30788, "MTPROTO Issues": a static JA4, RSTs injected (2026-06)', url: 'https://github.com/telegramdesktop/tdesktop/issues/30788' },
      { title: 'telegramdesktop/tdesktop #30733, the fixed FakeTLS fingerprint (2026)', url: 'https://github.com/telegramdesktop/tdesktop/issues/30733' },
      { title: '9seconds/mtg #547 (2026)', url: 'https://github.com/9seconds/mtg/issues/547' },
      { title: 'Telegram, "Transports" (abridged 0xef, intermediate 0xeeeeeeee, obfuscated2)', url: 'https://core.telegram.org/mtproto/mtproto-transports' },
    ],
    scenarios: [
      {
        name: 'telegram-2026',
        description: "Telegram-like app: the telegram-desktop hello to its API host is reset by its JA4; flows to both data centres are dropped at MTProto's intermediate bytes.",
        why: 'the app hello is reset while other profiles get a ServerHello (tls.fingerprint); req_pq_multi goes unanswered over intermediate while obfuscated2 gets a resPQ (app.dpi); the control reaches all',
        hosts: { 'api.telegram2026.lab': addr(235), 'dc2.telegram2026.lab': addr(236), 'dc4.telegram2026.lab': addr(237) },
        targets: telegramTargets,
        censor: [T.helloReset(addr(235), ['telegram-desktop']), ...T.mtprotoDrop(addr(236)), ...T.mtprotoDrop(addr(237))],
        expect: {
          isp: {
            app: 'blocked',
            targets: {
              app: blocked('tls.fingerprint', { diagnosis: 'hello_swap' }),
              dc2: blocked('app.dpi', { diagnosis: 'transport_swap' }),
              dc4: blocked('app.dpi', { diagnosis: 'transport_swap' }),
            },
          },
          abroad: allOk(telegramTargets),
        },
      },
    ],
  },
  {
    name: 'russia-2024-ech',
    title: "Russia drops Cloudflare's Encrypted Client Hello",
    date: '2024-11-05',
    account:
      `From 5 November 2024 networks in Russia dropped every ClientHello that carried both an ECH extension and the SNI ${ECH_PUBLIC_NAME}, ` +
      "the outer name of Cloudflare's ECH deployment; neither element alone triggered it: the name without ECH, or GREASE ECH " +
      'with another name, passed. Packets were silently dropped, over TCP and QUIC alike. Sites behind Cloudflare became ' +
      'unreachable from browsers that sent ECH until they retried without it. The scenario sends a browser hello with GREASE ' +
      'ECH and the outer name to an app whose web client sits behind Cloudflare: that target is blocked, the same hello without ' +
      'ECH passes, and the app is degraded.',
    sources: [
      { title: 'net4people/bbs #417, "Blocking of Cloudflare ECH in Russia, 2024-11-05"', url: 'https://github.com/net4people/bbs/issues/417' },
      { title: 'RFC 9849, TLS Encrypted Client Hello, §6.2 (GREASE ECH)', url: 'https://www.rfc-editor.org/rfc/rfc9849' },
    ],
    scenarios: [
      {
        name: 'ech-2024',
        description: `A messenger's web client behind Cloudflare: ClientHellos with ECH and the SNI ${ECH_PUBLIC_NAME} to its address are dropped.`,
        why: 'the ECH hello stalls while the same hello without ECH gets a ServerHello (tls.ech_blocked); the ech target is its own non-essential group and the web front answers, so the app is degraded',
        hosts: { 'web.ech2024.lab': addr(238) },
        targets: echTargets, groups: { ech: { essential: false } },
        censor: [T.echDrop(addr(238))],
        expect: { isp: { app: 'degraded', targets: { web: ok, ech: blocked('tls.ech_blocked', { diagnosis: 'ech_swap' }) } }, abroad: allOk(echTargets) },
      },
    ],
  },
  {
    name: 'turkiye-2025-throttling',
    title: 'Türkiye throttles social media by slowing TLS handshakes',
    date: '2025-03-19',
    account:
      "During the protests after the arrest of Istanbul's mayor (19–20 March 2025) and again on 8 September 2025, TTNET and " +
      'Turkcell Superonline throttled X, Facebook, Instagram, WhatsApp, YouTube, TikTok and Signal. OONI found it because TLS ' +
      'handshakes to those names took far longer than handshakes to other names on the same address ranges, tested from the ' +
      'same networks at the same time; the DPI keyed on the SNI (and Host) and left QUIC alone. Nothing was refused: pages ' +
      `loaded, slowly. The lab holds the server's first flight ${THROTTLE_DELAY_MS} ms for the platforms' names.`,
    sources: [
      { title: 'OONI, "Throttling of Social Media in Türkiye During Protests: An Analysis of OONI Data", 2025', url: 'https://ooni.org/post/2025-turkiye-throttling-social-media' },
      { title: 'net4people/bbs #413 (Türkiye, 2025)', url: 'https://github.com/net4people/bbs/issues/413' },
    ],
    scenarios: [
      {
        name: 'x-2025',
        description: `X-like app: the server's first flight to a ClientHello naming x2025.lab is held ${THROTTLE_DELAY_MS} ms at the ISP.`,
        why: 'its handshakes take far longer with its name than with an innocuous one on the same address, the control sees no such ratio: throttled, on the handshake',
        hosts: { 'x2025.lab': addr(239) },
        targets: xTargets,
        censor: [T.handshakeDelay(addr(239), ['x2025.lab'], THROTTLE_DELAY_MS)],
        exclusive: true, together: 'turkiye-2025',
        expect: {
          isp: { app: 'blocked', targets: { web: blocked('throttled', { basis: 'handshake' }), tls: blocked('throttled', { basis: 'handshake' }) } },
          abroad: allOk(xTargets),
        },
      },
      {
        name: 'instagram-2025',
        description: `Instagram-like app: the same throttling for ClientHellos naming instagram2025.lab.`,
        why: 'the same: the handshake with its name is many times slower than with an innocuous one, only on the censored path',
        hosts: { 'instagram2025.lab': addr(240) },
        targets: instagramTargets,
        censor: [T.handshakeDelay(addr(240), ['instagram2025.lab'], THROTTLE_DELAY_MS)],
        exclusive: true, together: 'turkiye-2025',
        expect: { isp: { app: 'blocked', targets: { web: blocked('throttled', { basis: 'handshake' }) } }, abroad: allOk(instagramTargets) },
      },
    ],
  },
  {
    name: 'russia-2025-whatsapp',
    title: 'Russia slows WhatsApp, then removes it from the national DNS',
    date: '2025-12-22',
    account:
      "On 22 December 2025 WhatsApp's traffic in Russia fell by 70–80% as Roskomnadzor tightened a 'phased restriction' begun " +
      'with calls in August; WhatsApp protested the next day. On 11–12 February 2026 whatsapp.com and web.whatsapp.com were ' +
      "removed from Russia's National Domain Name System, which operators must use, while whatsapp.net and wa.me stayed listed: " +
      'resolvers inside Russia answered NXDOMAIN, external resolvers still answered. Only a vantage that uses its ISP\'s resolver ' +
      'sees the second step; one that uses a public resolver sees nothing. The lab shapes the media flow to 1 Mbit/s, then ' +
      "makes the ISP resolver answer NXDOMAIN for the two names.",
    sources: [
      { title: 'Novaya Gazeta Europe, "Russian regulator warns it could fully block WhatsApp amid fresh reports of outages", 2025-12-22', url: 'https://novayagazeta.eu/articles/2025/12/22/russian-regulator-warns-it-could-fully-block-whatsapp-amid-fresh-reports-of-outages-en-news' },
      { title: 'iSec News, "Russia moves to block WhatsApp after national DNS exclusions limit access" (after RBC), 2026-02-13', url: 'https://www.isec.news/2026/02/13/russia-moves-to-block-whatsapp-after-national-dns-exclusions-limit-access/' },
      { title: 'Azeri Times, "Russia blocks WhatsApp, tightens internet control": whatsapp.net and wa.me still listed, 2026-02', url: 'https://azeritimes.com/russia-blocks-whatsapp-tightens-internet-control' },
    ],
    scenarios: [
      {
        name: 'whatsapp-2025-slowed',
        description: 'WhatsApp-like app: flows whose ClientHello names its media host are shaped to 1 Mbit/s (CONNMARK, tc htb); chat is untouched.',
        why: 'the media transfer completes far below the control: throttled on throughput; media is non-essential and chat connects, so the app is degraded',
        hosts: { 'chat.whatsapp2025.lab': addr(241), 'media.whatsapp2025.lab': addr(242) },
        targets: slowedTargets, groups: { media: { essential: false } },
        censor: [T.throttle('media.whatsapp2025.lab', '1mbit')],
        // Throughput is compared with the control's: alone.
        exclusive: true,
        expect: { isp: { app: 'degraded', targets: { chat: ok, media: blocked('throttled', { basis: 'throughput' }) } }, abroad: allOk(slowedTargets) },
      },
      {
        name: 'whatsapp-2026-dns',
        description: "WhatsApp-like app: the ISP resolver (the national DNS) answers NXDOMAIN for its site and web client; its chat host's domain is still listed.",
        why: 'NXDOMAIN at the ISP while the control resolver answers: dns.nxdomain for both web names; they are a non-essential group and chat connects, so the app is degraded',
        hosts: { 'whatsapp2026.lab': addr(243), 'web.whatsapp2026.lab': addr(244), 'e1.whatsapp2026net.lab': addr(245) },
        targets: nsdiTargets, groups: { web: { essential: false } },
        censor: [T.dnsLie('whatsapp2026.lab', { rcode: 'NXDOMAIN' }), T.dnsLie('web.whatsapp2026.lab', { rcode: 'NXDOMAIN' })],
        expect: {
          isp: { app: 'degraded', targets: { site: blocked('dns.nxdomain'), web: blocked('dns.nxdomain'), chat: ok } },
          abroad: allOk(nsdiTargets),
        },
      },
    ],
  },
];
