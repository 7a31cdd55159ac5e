/**
 * The status page in a real browser against `blockwatch run` in the censorship
 * lab, with basic auth on and JavaScript off. The lab applies SNI filtering to
 * one app mid-run; headless Chromium, running in the client namespace beside
 * the daemon, must see that app's cell at the censored vantage say blocked and
 * tls.sni_filter in the blocked colour, follow the cell's link to the app page
 * and find the target rows, their history strip and the time the block began.
 * Screenshots are kept under test-artifacts/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { STATE_COLOURS, STATUS_COLOURS } from '../../src/server/page/style.js';
import { artifactPath, chromiumAvailable, launchBrowser, rgb, type TestBrowser } from '../support/browser.js';
import { eventually, startDaemon, type Daemon } from '../support/daemon.js';
import { Lab } from './lab.js';
import { scenarioByName } from './scenarios.js';
import { isRoot } from './sh.js';

const canRun = (isRoot() && chromiumAvailable()) || Boolean(process.env.CI);
if (!canRun) console.warn('status page lab browser test skipped: needs root (the lab) and Chromium at /usr/bin/chromium; CI has both');

const BLOCKED = 'tls-sni-reset';
const FINE = 'baseline';
const USER = 'ops';
const PASSWORD = 'lab-page-pw';

let lab: Lab;
let daemon: Daemon;
let chromium: TestBrowser;

/** Round summaries from the daemon's log: how many apps had each status. */
const rounds = () => daemon.logs.filter((l) => l.msg === 'round done').map((l) => (l.apps ?? {}) as Record<string, number>);

async function openPage(path: string, opts: { auth?: boolean } = {}): Promise<{ page: Page; status: number | undefined; csp: string | undefined }> {
  const page = await chromium.browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.setJavaScriptEnabled(false);
  if (opts.auth !== false) await page.authenticate({ username: USER, password: PASSWORD });
  const res = await page.goto(daemon.url + path, { waitUntil: 'load' });
  return { page, status: res?.status(), csp: res?.headers()['content-security-policy'] };
}

const text = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim());
const background = (page: Page, selector: string) => page.$eval(selector, (e) => getComputedStyle(e).backgroundColor);

describe.skipIf(!canRun)('the status page in a browser, against the daemon in the lab', () => {
  beforeAll(async () => {
    lab = await Lab.up({ cron: '*/4 * * * * *', timeout: '3s' });
    const config = parse(readFileSync(lab.configFile, 'utf8')) as Record<string, unknown>;
    config.apps = [BLOCKED, FINE];
    config.server = { listen: '127.0.0.1:0', auth: { basic: { username: USER, password: { env: 'BW_PAGE_PASSWORD' } } }, page: { history: 12 } };
    config.alerts = { ...(config.alerts as object), receivers: [] };
    const file = join(lab.dir, 'page.yaml');
    writeFileSync(file, stringify(config));
    daemon = await startDaemon(file, ['ip', 'netns', 'exec', lab.ns.client], { BW_PAGE_PASSWORD: PASSWORD });
    await eventually(async () => (await daemon.get('/readyz')).status === 200, 30_000);
    // A good round first, then the block: the history strip shows the change.
    await lab.apply(scenarioByName(BLOCKED));
    const before = rounds().length;
    await eventually(async () => rounds().slice(before).filter((r) => (r.blocked ?? 0) >= 1).length >= 2, 60_000);
    chromium = await launchBrowser({ netns: lab.ns.client });
  }, 150_000);

  afterAll(async () => {
    await chromium?.close();
    await daemon?.stop('SIGTERM');
    await lab?.down();
  }, 90_000);

  it('refuses a browser without credentials', async () => {
    // Headless Chromium has no one to ask: it gives up on the Basic challenge rather than show the page.
    await expect(openPage('/', { auth: false })).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    const wrong = await chromium.browser.newPage();
    await wrong.authenticate({ username: USER, password: 'wrong' });
    // With wrong ones it gets the 401 and nothing of the page.
    const res = await wrong.goto(`${daemon.url}/apps/${BLOCKED}`);
    expect(res?.status()).toBe(401);
    expect(await wrong.$eval('body', (b) => (b as HTMLElement).innerText.trim())).toBe('unauthorized');
    await wrong.close();
  }, 30_000);

  it('shows the blocked app in the blocked colour with its pattern, the others reachable, with JavaScript off', async () => {
    const { page, status, csp } = await openPage('/');
    expect(status).toBe(200);
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; /);
    const cell = `td[data-app="${BLOCKED}"][data-vantage="isp"]`;
    expect(await text(page, cell)).toMatch(/^blocked tls\.sni_filter since 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s ago\)$/);
    expect(await background(page, cell)).toBe(rgb(STATUS_COLOURS.blocked));
    for (const [app, vantage] of [[BLOCKED, 'abroad'], [FINE, 'isp'], [FINE, 'abroad']]) {
      const other = `td[data-app="${app}"][data-vantage="${vantage}"]`;
      expect(await text(page, other)).toMatch(/^reachable since first seen /);
      expect(await background(page, other)).toBe(rgb(STATUS_COLOURS.reachable));
    }
    // Both vantages online, with their labels.
    expect(await text(page, 'tr[data-vantage="isp"]')).toBe('isp online canaries answer no country=XX isp=lab');
    expect(await background(page, 'tr[data-vantage="isp"] .badge')).toBe(rgb(STATE_COLOURS.online));
    expect(await text(page, 'tr[data-vantage="abroad"]')).toBe('abroad online canaries answer yes country=YY');
    expect(await text(page, '#next-round')).toMatch(/^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in \d s\)$/);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    await page.screenshot({ path: artifactPath('page-lab-overview.png'), fullPage: true });
    await page.close();
  }, 30_000);

  it('follows the cell to the app page: target rows, failing step, history strip and when the block began', async () => {
    const { page } = await openPage('/');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`td[data-app="${BLOCKED}"][data-vantage="isp"] a`)]);
    expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe(`/apps/${BLOCKED}#v-isp`);

    for (const target of ['tls', 'web']) {
      const row = `tr[data-vantage="isp"][data-target="${target}"]`;
      const cells = await page.$$eval(`${row} > td`, (tds) => tds.map((td) => (td as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
      expect(cells.slice(3, 7)).toEqual([
        'blocked',
        'tls.sni_filter the handshake fails for this server name but succeeds with an innocuous one (SNI filtering)',
        'TLS handshake',
        'connection_reset',
      ]);
      expect(await background(page, `${row} td.cell`)).toBe(rgb(STATUS_COLOURS.blocked));
      // The strip: good rounds, then blocked ones, oldest first; the block began at its first blocked mark.
      const marks = await page.$$eval(`${row} ol.strip li`, (lis) => lis.map((li) => [li.getAttribute('data-status'), li.getAttribute('title')] as const));
      const statuses = marks.map(([s]) => s);
      const firstBlocked = statuses.indexOf('blocked');
      expect(firstBlocked).toBeGreaterThan(0);
      expect(statuses.slice(0, firstBlocked).every((s) => s === 'ok')).toBe(true);
      expect(statuses.slice(firstBlocked).every((s) => s === 'blocked')).toBe(true);
      expect(statuses.length - firstBlocked).toBeGreaterThanOrEqual(2);
      const began = marks[firstBlocked][1]!.split(': ')[0];
      expect(await text(page, `${row} td.began`)).toMatch(new RegExp(`^since ${began} \\(\\d+ s ago\\)$`));
      expect(await background(page, `${row} ol.strip li:last-child`)).toBe(rgb(STATUS_COLOURS.blocked));
    }
    // The evidence is open for a blocked target, and names the SNI swap that proved the filter.
    const evidence = await text(page, '#ev-isp-web');
    expect(evidence).toContain('sni_swap');
    expect(evidence).toMatch(/sni_swap \S+:443 sni=\S+ success/);
    // From the control vantage the same targets are fine.
    expect((await text(page, 'tr[data-vantage="abroad"][data-target="web"]')).split(' ').slice(3, 4)).toEqual(['ok']);
    await page.screenshot({ path: artifactPath('page-lab-app.png'), fullPage: true });
    await page.close();
  }, 30_000);
});
