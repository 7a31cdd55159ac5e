/**
 * The status page in a real browser against `blockwatch run` in the censorship
 * lab, with basic auth on and JavaScript off. Mid-run the lab applies one
 * scenario per app status (SNI filtering, a lying resolver, a 451, a blocked
 * non-essential function, an outage, a block no control can confirm); headless
 * Chromium, running in the client namespace beside the daemon, must show every
 * app's status and pattern at every vantage as the scenario catalogue expects,
 * in the status's colour, follow a blocked cell's link to the app page and
 * find each target's status, pattern, failing step, history strip and the time
 * the block began. Screenshots are kept under test-artifacts/.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COLOURS, STATUS_COLOURS } from '../../src/server/page/style.js';
import { artifactPath, chromiumAvailable, launchBrowser, rgb, type TestBrowser } from '../support/browser.js';
import { eventually, type Daemon } from '../support/daemon.js';
import { Lab } from './lab.js';
import { startLabDaemon } from './lab-daemon.js';
import { scenarioByName } from './scenarios.js';
import { isRoot } from './sh.js';
import { VANTAGES } from './verdicts.js';

const canRun = (isRoot() && chromiumAvailable()) || Boolean(process.env.CI);
if (!canRun) console.warn('status page lab browser test skipped: needs root (the lab) and Chromium at /usr/bin/chromium; CI has both');

const BLOCKED = 'tls-sni-reset';
/** Together they give every app status: reachable, blocked, degraded, down, anomaly and unknown (the control that could not probe). */
const SCENARIOS = ['baseline', BLOCKED, 'dns-nxdomain', 'http-451', 'degraded', 'outage-service', 'anomaly-no-control'].map(scenarioByName);
const USER = 'ops';
const PASSWORD = 'lab-page-pw';

/** How many apps the scenarios expect in each status, over both vantages: what a round's log line says once they all hold. */
const EXPECTED_COUNTS: Record<string, number> = {};
for (const s of SCENARIOS) for (const v of VANTAGES) EXPECTED_COUNTS[s.expect[v].app] = (EXPECTED_COUNTS[s.expect[v].app] ?? 0) + 1;
const sameCounts = (a: Record<string, number>) => Object.keys({ ...a, ...EXPECTED_COUNTS }).every((k) => (a[k] ?? 0) === (EXPECTED_COUNTS[k] ?? 0));

/** The patterns an app shows: those of its blocked and anomaly targets, without repeats. */
function appPatterns(targets: Record<string, readonly [string, string | null, ...unknown[]]>): string[] {
  return [...new Set(Object.values(targets).flatMap(([, p]) => (p ? [p] : [])))];
}

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
    daemon = await startLabDaemon(lab, {
      name: 'page',
      apps: SCENARIOS.map((x) => x.name),
      edit: (config) => {
        config.server = { listen: '127.0.0.1:0', auth: { basic: { username: USER, password: { env: 'BW_PAGE_PASSWORD' } } }, page: { history: 150 } };
        config.alerts = { ...(config.alerts as object), receivers: [] };
      },
      env: { BW_PAGE_PASSWORD: PASSWORD },
    });
    // A good round first, then the censorship: the history strip shows the change. It keeps 150
    // rounds (10 min at this schedule), so the good one is still on it however long the tests before take.
    for (const x of SCENARIOS) await lab.apply(x);
    const before = rounds().length;
    await eventually(async () => rounds().slice(before).filter(sameCounts).length >= 2, 90_000);
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

  it('shows every app at every vantage with the status and pattern the lab expects, in its colour, with JavaScript off', async () => {
    const { page, status, csp } = await openPage('/');
    expect(status).toBe(200);
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; /);
    for (const s of SCENARIOS) {
      for (const v of VANTAGES) {
        const want = s.expect[v];
        const cell = `td[data-app="${s.name}"][data-vantage="${v}"]`;
        const patterns = appPatterns(want.targets);
        const shown = await text(page, cell);
        expect(shown.split(' since ')[0], `${s.name}@${v}`).toBe([want.app, ...(patterns.length ? [patterns.join(', ')] : [])].join(' '));
        expect(await background(page, cell), `${s.name}@${v}`).toBe(rgb(STATUS_COLOURS[want.app]));
      }
    }
    // The block began after the first round; the others have held since the daemon first saw them.
    expect(await text(page, `td[data-app="${BLOCKED}"][data-vantage="isp"]`)).toMatch(/^blocked tls\.sni_filter since 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s ago\)$/);
    expect(await text(page, 'td[data-app="baseline"][data-vantage="isp"]')).toMatch(/^reachable since first seen 20/);
    // Both vantages online, with their labels.
    expect(await text(page, 'tr[data-vantage="isp"]')).toBe('isp online canaries answer no country=XX isp=lab');
    expect(await background(page, 'tr[data-vantage="isp"] .badge')).toBe(rgb(STATE_COLOURS.online));
    expect(await text(page, 'tr[data-vantage="abroad"]')).toBe('abroad online canaries answer yes country=YY');
    expect(await text(page, '#next-round')).toMatch(/^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in \d s\)$/);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    await page.screenshot({ path: artifactPath('page-lab-overview.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('shows the status and pattern of every target on each app page as the lab expects', async () => {
    for (const s of SCENARIOS) {
      const { page, status } = await openPage(`/apps/${s.name}`);
      expect(status).toBe(200);
      for (const v of VANTAGES) {
        for (const [id, [st, pattern]] of Object.entries(s.expect[v].targets)) {
          const row = `tr[data-vantage="${v}"][data-target="${id}"]`;
          const cells = await page.$$eval(`${row} > td`, (tds) => tds.map((td) => (td as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
          expect([cells[3], cells[4].split(' ')[0]], `${s.name}/${id}@${v}`).toEqual([st, pattern ?? '—']);
          expect(await background(page, `${row} td.cell`), `${s.name}/${id}@${v}`).toBe(rgb(STATUS_COLOURS[st]));
        }
      }
      await page.close();
    }
  }, 60_000);

  it('follows the cell to the app page: target rows, failing step, history strip and when the block began', async () => {
    const { page } = await openPage('/');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`td[data-app="${BLOCKED}"][data-vantage="isp"] a`)]);
    expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe(`/apps/${BLOCKED}#v-isp`);

    for (const target of ['tls', 'web']) {
      const row = `tr[data-vantage="isp"][data-target="${target}"]`;
      const cells = await page.$$eval(`${row} > td`, (tds) => tds.map((td) => (td as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
      expect(cells.slice(3, 7)).toEqual([
        'blocked',
        // The pattern, then the follow-up that decided it.
        'tls.sni_filter the handshake fails for this server name but succeeds with an innocuous one (SNI filtering) decided by sni_swap',
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
