/**
 * The status page over loopback: what / and /apps/<id> show, escaping of every
 * string that reaches them (ids, labels, evidence from hostile servers), the
 * script-free Content-Security-Policy, 404 for unknown apps, and auth.
 */
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { PATTERNS, type Report } from '../../../src/model/index.js';
import { esc, html } from '../../../src/server/page/escape.js';
import { History } from '../../../src/server/page/history.js';
import { STATUS_COLOURS } from '../../../src/server/page/style.js';
import { telegram, verdict, whatsapp } from '../metrics/fixture.js';
import { listenerStarter } from './listener.js';

const start = listenerStarter({ config: { page: { history: 10, refreshMs: 30_000 } } });

const EVIL = `<script>alert("x")</script>&'`;
const EVIL_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;';

/** A round in which telegram is blocked at isp by SNI filtering, with hostile strings wherever a server or a config could put them. */
function blockedReport(vantageId = 'isp'): Report {
  const web = {
    status: 'blocked' as const,
    pattern: 'tls.sni_filter' as const,
    failure: 'connection_reset' as const,
    operation: 'tls_handshake' as const,
    timings: { dns: 0.012, connect: 0.031, tls: 0.002, total: 0.05 },
    evidence: {
      basis: { step: 'tls', observed: 'tls.sni_filter', control: 'passed', controlSource: 'diagnosis:sni_swap', strength: 'signature', reason: 'reset after the ClientHello' },
      dns: {
        queries: [{ hostname: 'web.telegram.org', query_type: 'A', engine: 'udp', resolver: 'udp://192.0.2.53:53', rcode: 'NOERROR', failure: null, answers: ['149.154.167.99'] }],
        control: { source: 'control_resolver', addresses: ['149.154.167.99'], rcodes: ['NOERROR'], failures: [null] },
      },
      tls: {
        handshakes: [
          {
            address: '149.154.167.99:443', server_name: 'web.telegram.org', tls_version: null, negotiated_protocol: null, validated: false, failure: 'connection_reset',
            certificate: { subject: `CN=${EVIL}`, issuer: 'CN=Evil CA', san: [EVIL], notBefore: '2026-01-01', notAfter: '2027-01-01', sha256: 'ab'.repeat(32) },
          },
        ],
      },
      http: {
        requests: [
          { url: 'https://web.telegram.org/', method: 'GET', failure: null, response: { status: 200, headers: { server: EVIL, location: `javascript:${EVIL}` }, body_length: 120, body_is_truncated: false, body_sha256: 'cd'.repeat(32), title: EVIL } },
        ],
        fingerprint: { name: 'isp.blockpage', location: 'body', type: 'contains', pattern: EVIL, countries: ['XX'], source: 'test' },
      },
      diagnosis: [{ step: 'sni_swap', input: '149.154.167.99:443 sni=example.com', outcome: 'success', failure: null, detail: { note: EVIL } }],
      quic: { note: EVIL },
    },
  };
  const dns = { status: 'anomaly' as const, pattern: 'dns.timeout' as const, failure: `unknown_failure: ${EVIL}` as const, operation: 'resolve' as const };
  return {
    schema: 'blockwatch.report/v1',
    startedAt: '2026-03-02T10:00:00.000Z',
    finishedAt: '2026-03-02T10:00:04.000Z',
    vantages: [
      { id: vantageId, online: true, state: 'online', control: false, labels: { isp: `<b>Rostelecom</b> & "co"`, [EVIL]: 'x' } },
      { id: 'abroad', online: true, state: 'walled', control: true, labels: {} },
      { id: 'office', online: false, state: 'offline', control: false, labels: {} },
    ],
    apps: [
      verdict(telegram, vantageId, 'blocked', { web, dns }),
      verdict(telegram, 'abroad', 'reachable'),
      verdict(telegram, 'office', 'unknown', { web: { status: 'unknown', evidence: { reason: 'vantage_offline' } } }),
      verdict(whatsapp, vantageId, 'reachable'),
      verdict(whatsapp, 'abroad', 'reachable'),
      verdict(whatsapp, 'office', 'unknown'),
    ],
  };
}


async function get(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const res = await request(url, { method, headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** The overview cell of one app at one vantage: its status class and its text, tags stripped. */
function cell(body: string, app: string, vantage: string): string {
  const re = new RegExp(`<td class="cell([^"]*)" data-app="${app}" data-vantage="${vantage}">(.*?)</td>`, 's');
  const m = re.exec(body);
  if (!m) throw new Error(`no cell for ${app}@${vantage}`);
  return `${m[1].trim()}|${m[2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()}`;
}

describe('escaping', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(esc(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  it('escapes interpolations once, passes nested markup through, and drops null, undefined and false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"'}">${inner}${null}${undefined}${false}${0}${['<', html`<br>`]}</p>`.text).toBe('<p title="&quot;"><b>&lt;i&gt;</b>0&lt;<br></p>');
  });
});

describe('GET /', () => {
  it('shows each app at each vantage with its status and pattern in a cell coloured by status, and the vantages with states and labels', async () => {
    const history = new History(10);
    history.record(blockedReport());
    const next = new Date('2026-03-02T10:01:00.000Z');
    const srv = await start({}, { status: () => blockedReport(), page: { history, nextRound: () => next, config: () => ({ apps: [telegram, whatsapp], jitterMs: 10_000 }) } });
    const r = await get(`${srv.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(cell(r.body, 'telegram', 'isp')).toMatch(/^st-blocked\|blocked tls\.sni_filter, dns\.timeout since first seen 2026-03-02 10:00:04 UTC \(\d+ (s|min|h|d) ago\)$/);
    expect(cell(r.body, 'telegram', 'abroad').split('|')[0]).toBe('st-reachable');
    expect(cell(r.body, 'telegram', 'office').split('|')[0]).toBe('st-unknown');
    expect(r.body).toContain('<a href="/apps/telegram#v-isp">');
    // Each state is drawn, with its own class.
    for (const s of ['online', 'walled', 'offline']) expect(r.body).toContain(`<span class="badge vs-${s}"`);
    expect(r.body).toContain('<span class="label">isp=&lt;b&gt;Rostelecom&lt;/b&gt; &amp; &quot;co&quot;</span>');
    expect(r.body).toContain('<span id="next-round"><time datetime="2026-03-02T10:01:00.000Z">2026-03-02 10:01:00 UTC</time>');
    expect(r.body).toContain('(+ up to 10 s jitter)');
    expect(r.body).toContain('<time datetime="2026-03-02T10:00:00.000Z">2026-03-02 10:00:00 UTC</time>');
    expect(r.body).toContain('<meta http-equiv="refresh" content="30">');
    // The stylesheet colours the blocked class with the palette's red.
    expect(r.body).toContain(`.st-blocked{background:${STATUS_COLOURS.blocked};color:#fff}`);
  });

  it('says no round has completed before the first one, listing the configured apps', async () => {
    const srv = await start({}, { page: { history: new History(3), nextRound: () => null, config: () => ({ apps: [telegram], jitterMs: 0 }) } });
    const r = await get(`${srv.url}/`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('No round has completed yet');
    expect(r.body).toContain('<a href="/apps/telegram">telegram</a>');
  });

  it('escapes ids and labels from the report and app names from the config, and carries a CSP that admits only its own stylesheet', async () => {
    const apps = [{ id: 'telegram', name: `<img src=x onerror=alert(1)>` }];
    const srv = await start({}, { status: () => blockedReport(`isp"><script>alert(1)</script>`), page: { history: new History(3), nextRound: () => null, config: () => ({ apps, jitterMs: 0 }) } });
    const r = await get(`${srv.url}/`);
    expect(r.body).not.toMatch(/<script|<img|<b>/i);
    expect(r.body).toContain('data-vantage="isp&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(r.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(r.body).toContain(`<span class="label">${EVIL_ESCAPED}=x</span>`);
    const csp = r.headers['content-security-policy'] as string;
    const style = /<style>([\s\S]*?)<\/style>/.exec(r.body)![1];
    const hash = createHash('sha256').update(style).digest('base64');
    expect(csp).toBe(`default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers HEAD without a body', async () => {
    const srv = await start({}, { status: () => blockedReport() });
    const r = await get(`${srv.url}/`, {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(Number(r.headers['content-length'])).toBeGreaterThan(1000);
  });
});

describe('GET /apps/<id>', () => {
  const feed = (history: History) => ({ history, nextRound: () => null, config: () => ({ apps: [telegram, whatsapp], jitterMs: 0 }) });

  it('says a block seen in some trials only is intermittent, names the basis and the deciding diagnosis, and warns of a missing control', async () => {
    const report = blockedReport();
    report.apps[0] = verdict(telegram, 'isp', 'anomaly', {
      web: { status: 'anomaly', pattern: 'throttled', basis: 'handshake', diagnosis: 'handshake_timing', trials: { run: 3, blocked: 2 } },
      dns: { status: 'anomaly', pattern: 'dns.nxdomain', diagnosis: 'inconclusive', trials: { run: 3, blocked: 0 } },
    });
    report.controls = { resolver: 'unreachable', vantagesMissing: [{ id: 'abroad', state: 'walled' }] };
    const srv = await start({}, { status: () => report, page: feed(new History(4)) });
    const r = await get(`${srv.url}/apps/telegram`);
    const text = (id: string) => [...r.body.matchAll(/<tr data-vantage="isp" data-target="(\w+)">([\s\S]*?)<\/tr>/g)].find((m) => m[1] === id)![2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text('web')).toContain('anomaly intermittent: blocked in 2 of 3 trials throttled (handshake)');
    expect(text('web')).toContain('decided by handshake_timing');
    expect(text('dns')).toContain('0 of 3 trials blocked');
    expect(text('dns')).toContain('diagnosis inconclusive');
    const warning = /<div class="controls-missing" role="alert">([\s\S]*?)<\/div>/.exec(r.body)![1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(warning).toContain('the trusted control resolver did not answer');
    expect(warning).toContain('control vantage abroad is walled');
    const overview = await get(`${srv.url}/`);
    expect(overview.body).toContain('<div class="controls-missing" role="alert">');
  });

  it('shows each target from each vantage with status, pattern, failing step, failure, timings, history strip and since', async () => {
    const history = new History(4);
    const ok = blockedReport();
    ok.finishedAt = '2026-03-02T09:59:04.000Z';
    ok.apps[0] = verdict(telegram, 'isp', 'reachable');
    history.record(ok);
    history.record(blockedReport());
    const srv = await start({}, { status: () => blockedReport(), page: feed(history) });
    const r = await get(`${srv.url}/apps/telegram`);
    expect(r.status).toBe(200);
    const row = /<tr data-vantage="isp" data-target="web">([\s\S]*?)<\/tr>/.exec(r.body)![1];
    const text = row.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    expect(text).toContain('web https https://web.telegram.org/ blocked tls.sni_filter the handshake fails for this server name but succeeds with an innocuous one (SNI filtering) TLS handshake connection_reset');
    expect(text).toContain('dns 12 ms · connect 31 ms · tls 2 ms · total 50 ms');
    expect(text).toContain('since 2026-03-02 10:00:04 UTC');
    expect(row).toContain('<td class="cell st-blocked">');
    expect([...row.matchAll(/<li class="st-(\w+)" title="([^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      'ok 2026-03-02 09:59:04 UTC: ok',
      'blocked 2026-03-02 10:00:04 UTC: blocked (tls.sni_filter)',
    ]);
    // The evidence: DNS answers against the control's, the certificate, the fingerprint, the diagnosis steps.
    const ev = /<details class="evidence" id="ev-isp-web" open>([\s\S]*?)<\/details>/.exec(r.body)![1];
    expect(ev).toContain('<th>control (control_resolver)</th><td><span class="mono">149.154.167.99</span>');
    expect(ev).toContain('<dt>SHA-256</dt><dd><span class="mono">' + 'ab'.repeat(32));
    expect(ev).toContain('<strong>Matched fingerprint</strong> <span class="mono">isp.blockpage</span>');
    expect(ev).toMatch(/<table class="diagnosis">.*sni_swap.*149\.154\.167\.99:443 sni=example\.com.*success/s);
    expect(ev).toContain('<strong>Why:</strong> <span class="mono">reset after the ClientHello</span>');
    // The offline vantage's targets say why they were not judged.
    expect(r.body).toMatch(/id="ev-office-web"[^>]*>[\s\S]*?Not judged:<\/strong> <span class="mono">vantage_offline/);
  });

  it('shows evidence strings from hostile servers as text: titles, headers, certificate subjects, fingerprints, failure strings', async () => {
    const srv = await start({}, { status: () => blockedReport(), page: feed(new History(3)) });
    const r = await get(`${srv.url}/apps/telegram`);
    expect(r.status).toBe(200);
    expect(r.body).not.toMatch(/<script/i);
    // Title, server header, location, certificate subject, SAN, fingerprint pattern, diagnosis detail, unknown evidence, failure string.
    const count = r.body.split(EVIL_ESCAPED).length - 1;
    expect(count).toBeGreaterThanOrEqual(9);
    expect(r.body).toContain(`<dd class="title"><span class="mono">${EVIL_ESCAPED}</span></dd>`);
    expect(r.body).toContain(`<span class="mono">CN=${EVIL_ESCAPED}</span>`);
    expect(r.body).toContain(`<td class="failure"><span class="mono">unknown_failure: ${EVIL_ESCAPED}</span></td>`);
    // A Location header is text, never a link.
    expect(r.body).toContain(`javascript:${EVIL_ESCAPED}`);
    expect(r.body).not.toMatch(/href="javascript/i);
  });

  it('answers 404 with a page for an app nobody configured, escaping the id it echoes', async () => {
    const srv = await start({}, { status: () => blockedReport(), page: feed(new History(3)) });
    const nope = await get(`${srv.url}/apps/nope`);
    expect(nope.status).toBe(404);
    expect(nope.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(nope.body).toContain('No app named <code>nope</code>');
    const evil = await get(`${srv.url}/apps/%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    expect(evil.status).toBe(404);
    expect(evil.body).toContain('No app named <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(evil.body).not.toMatch(/<script/i);
    expect((await get(`${srv.url}/apps/`)).status).toBe(404);
    expect((await get(`${srv.url}/apps/telegram/extra`)).status).toBe(404);
    expect((await get(`${srv.url}/apps/%E0%A4%A`)).status).toBe(404);
  });
});

describe('auth', () => {
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

  it('requires basic credentials on / and /apps/<id>', async () => {
    const srv = await start({ auth: { type: 'basic', username: 'ops', password: 'pw' } }, { status: () => blockedReport() });
    for (const path of ['/', '/apps/telegram', '/apps/nope']) {
      const r = await get(`${srv.url}${path}`);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="blockwatch", charset="UTF-8"');
      expect(r.body).not.toContain('telegram');
      expect((await get(`${srv.url}${path}`, { authorization: basic('ops', 'nope') })).status).toBe(401);
    }
    expect((await get(`${srv.url}/`, { authorization: basic('ops', 'pw') })).status).toBe(200);
    expect((await get(`${srv.url}/apps/telegram`, { authorization: basic('ops', 'pw') })).status).toBe(200);
  });

  it('requires the bearer token on / and /apps/<id>', async () => {
    const srv = await start({ auth: { type: 'bearer', token: 'tok' } }, { status: () => blockedReport() });
    expect((await get(`${srv.url}/`)).status).toBe(401);
    expect((await get(`${srv.url}/apps/telegram`, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get(`${srv.url}/apps/telegram`, { authorization: 'Bearer tok' })).status).toBe(200);
  });
});

describe('every status and pattern of the vocabulary', () => {
  it('shows each pattern in a cell of its status colour, each app status, and why an offline vantage is offline', async () => {
    const vantages = PATTERNS.map((_, i) => `v${i}`);
    const statuses = ['reachable', 'degraded', 'anomaly', 'blocked', 'down', 'unknown'] as const;
    const report: Report = {
      schema: 'blockwatch.report/v1',
      startedAt: '2026-03-02T10:00:00.000Z',
      finishedAt: '2026-03-02T10:00:04.000Z',
      vantages: [
        ...vantages.map((id) => ({ id, online: true, state: 'online' as const, reason: null, control: false, labels: {} })),
        { id: 'cut', online: false, state: 'offline', reason: 'link', control: false, labels: {} },
      ],
      apps: [
        ...PATTERNS.map((p, i) => verdict(telegram, vantages[i], 'blocked', { web: { status: 'blocked', pattern: p } })),
        ...vantages.map((v, i) => verdict(whatsapp, v, statuses[i % statuses.length])),
        verdict(telegram, 'cut', 'unknown'),
        verdict(whatsapp, 'cut', 'unknown'),
      ],
    };
    const srv = await start({}, { status: () => report });
    const r = await get(`${srv.url}/`);
    PATTERNS.forEach((p, i) => expect(cell(r.body, 'telegram', vantages[i])).toMatch(new RegExp(`^st-blocked\\|blocked ${p.replace('.', '\\.')}( |$)`)));
    vantages.forEach((v, i) => expect(cell(r.body, 'whatsapp', v).split('|')[0]).toBe(`st-${statuses[i % statuses.length]}`));
    expect(r.body).toContain('<span class="badge vs-offline" title="no canary answers: its verdicts are unknown">offline (link)</span>');
    expect(r.body).toContain('this host has no route for its traffic: its own link is down');
  });
});
