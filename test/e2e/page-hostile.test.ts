/**
 * A hostile server's strings on the status page, in a real browser: a loopback
 * daemon probes a local HTTPS server whose blockpage carries `<script>` in a
 * header, in the body (reaching evidence through the matched fingerprint) and
 * quotes and entities in its title. Chromium, with JavaScript on, must show
 * them as literal text and run nothing.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, chromiumAvailable, launchBrowser, type TestBrowser } from '../support/browser.js';
import { eventually, startDaemon, type Daemon } from '../support/daemon.js';
import { startHttpsServer, testPki, type Running } from '../support/tls-servers.js';

const canRun = chromiumAvailable() || Boolean(process.env.CI);
if (!canRun) console.warn('status page browser test skipped: no Chromium at /usr/bin/chromium (CI installs it)');

const PAYLOAD = '<script>window.__pwned=1;alert(1)</script>';
/** The engine keeps a title's text as sent, entities and all: the page must show exactly this. */
const TITLE = `Blocked &lt;script&gt;alert(2)&lt;/script&gt; "quoted" & 'single'`;
const BODY = `<html><head><title>${TITLE}</title></head><body>${PAYLOAD}<p>This resource is blocked.</p></body></html>`;

let server: Running;
let daemon: Daemon;
let chromium: TestBrowser;

beforeAll(async () => {
  const { ca, leaf } = testPki(['hostile.test']);
  server = await startHttpsServer(leaf, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', server: PAYLOAD });
    res.end(BODY);
  });
  const dir = mkdtempSync(join(tmpdir(), 'bw-page-hostile-'));
  mkdirSync(join(dir, 'probes'));
  mkdirSync(join(dir, 'fingerprints'));
  writeFileSync(
    join(dir, 'probes', 'hostile.yaml'),
    `id: hostile\nname: Hostile app\nsources: ["loopback test"]\ntargets:\n  - { id: web, kind: https, url: "https://127.0.0.1:${server.port}/" }\n`,
  );
  // The fingerprint matches the script in the body, so that body text reaches the evidence.
  writeFileSync(
    join(dir, 'fingerprints', 'http.yaml'),
    `- { name: test.hostile, location: body, type: contains, pattern: ${JSON.stringify(PAYLOAD)}, countries: [XX], source: "loopback test" }\n`,
  );
  writeFileSync(
    join(dir, 'blockwatch.yaml'),
    `probes: ./probes
fingerprints: ./fingerprints
schedule: { cron: "*/2 * * * * *", jitter: 0s, timeout: 3s }
vantages: [ { id: direct } ]
tls: { extraCA: ${ca.certFile} }
server: { listen: "127.0.0.1:0" }
alerts: { confirm: { attempts: 1, spacing: 100ms } }
`,
  );
  daemon = await startDaemon(join(dir, 'blockwatch.yaml'));
  await eventually(async () => (await daemon.get('/readyz')).status === 200, 20_000);
  chromium = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await daemon?.stop('SIGTERM');
  await server?.close();
});

describe.skipIf(!canRun)('hostile evidence on the status page', () => {
  it('is shown as text and never run, with JavaScript enabled', async () => {
    const page = await chromium.browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const res = await page.goto(`${daemon.url}/apps/hostile`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-/);

    // The verdict the hostile page earned.
    const row = await page.$eval('tr[data-vantage="direct"][data-target="web"]', (tr) => (tr as HTMLElement).innerText);
    expect(row).toContain('blocked');
    expect(row).toContain('http.blockpage');
    expect(row).toContain('HTTP response');

    const ev = '#ev-direct-web';
    expect(await page.$eval(`${ev} dd.title`, (e) => (e as HTMLElement).innerText)).toBe(TITLE);
    const text = await page.$eval(ev, (e) => (e as HTMLElement).innerText);
    // The server header and the fingerprint pattern, verbatim.
    expect(text.split(PAYLOAD).length - 1).toBe(2);

    // Nothing ran: no script element exists, the payload's global is unset, no dialog opened.
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: artifactPath('page-hostile.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
