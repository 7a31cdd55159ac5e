/**
 * The daemon in the censorship lab under an allowlist, a shutdown and a lost link:
 * `blockwatch run` in the client namespace, alerting to the lab's webhook sink. An
 * allowlist walls the isp vantage in: BlockwatchVantageWalled fires, and so does
 * BlockwatchAppBlocked for each foreign app, never for the domestic one. A shutdown and
 * a link gone down raise only BlockwatchVantageOffline, each with its reason.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Daemon } from '../support/daemon.js';
import { parseExposition, seriesKey as k } from '../support/exposition.js';
import { Lab } from './lab.js';
import { hasAlert as has, sinkAlerts, startLabDaemon, waitRounds as waitDaemonRounds, type WebhookAlert } from './lab-daemon.js';
import { WALLED_SCENARIOS } from './scenarios-walled.js';
import { isRoot } from './sh.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('walled-vantage daemon lab tests skipped: the censorship lab needs root (CI runs them as root)');

const scenario = (name: string) => WALLED_SCENARIOS.find((s) => s.name === name)!;
const DOMESTIC = 'allowlist-domestic';
const FOREIGN = ['allowlist-messenger', 'allowlist-chat'];
const APPS = [DOMESTIC, ...FOREIGN];

let lab: Lab;
let daemon: Daemon;

const alerts = () => sinkAlerts(lab);
const firing = (list: WebhookAlert[]) => [...new Set(list.filter((a) => a.status === 'firing').map((a) => `${a.labels.alertname}@${a.labels.vantage}${a.labels.app ? `/${a.labels.app}` : ''}`))].sort();

const waitRounds = (n: number) => waitDaemonRounds(daemon, n, 30_000);

async function metrics(): Promise<Map<string, number>> {
  return parseExposition((await daemon.get('/metrics')).text);
}

/** The isp vantage's state and reason as /metrics says them: the series whose value is 1. */
async function ispState(): Promise<string> {
  const m = await metrics();
  const state = ['online', 'walled', 'offline'].filter((s) => m.get(k('blockwatch_vantage_state', { vantage: 'isp', state: s })) === 1);
  const reason = ['shutdown', 'silent', 'link', 'unknown'].filter((r) => m.get(k('blockwatch_vantage_offline_reason', { vantage: 'isp', reason: r })) === 1);
  return [...state, ...reason].join('/');
}

describe.skipIf(!canRun)('blockwatch run in the censorship lab: walled, shut down, cut off', () => {
  beforeAll(async () => {
    lab = await Lab.up({ cron: '*/4 * * * * *', timeout: '3s', scenarios: WALLED_SCENARIOS });
    daemon = await startLabDaemon(lab, { apps: APPS });
  }, 120_000);

  // A failed test must not leave its censor for the next one.
  afterEach(async () => {
    await lab?.revert();
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await lab?.down();
  }, 90_000);

  it('starts online with every app reachable and raises nothing', async () => {
    await waitRounds(1);
    const report = JSON.parse((await daemon.get('/api/v1/status')).text);
    expect(report.vantages.map((v: { id: string; state: string }) => `${v.id}:${v.state}`)).toEqual(['isp:online', 'abroad:online']);
    expect(report.apps.filter((a: { status: string }) => a.status !== 'reachable')).toEqual([]);
    expect(await ispState()).toBe('online');
    expect(await alerts()).toEqual([]);
  }, 90_000);

  it('under an allowlist: BlockwatchVantageWalled, BlockwatchAppBlocked for each foreign app and none for the domestic one', async () => {
    await lab.apply(scenario(DOMESTIC).censor);
    const blocked = (app: string) => ({ alertname: 'BlockwatchAppBlocked', vantage: 'isp', app, pattern: 'tcp.timeout', severity: 'critical' });
    await eventually(async () => {
      const list = await alerts();
      return has(list, 'firing', { alertname: 'BlockwatchVantageWalled', vantage: 'isp', status: 'walled', severity: 'critical' }) && FOREIGN.every((a) => has(list, 'firing', blocked(a)));
    }, 120_000);
    await waitRounds(1);
    expect(firing(await alerts())).toEqual(['BlockwatchAppBlocked@isp/allowlist-chat', 'BlockwatchAppBlocked@isp/allowlist-messenger', 'BlockwatchVantageWalled@isp']);
    const report = JSON.parse((await daemon.get('/api/v1/status')).text);
    const isp = report.vantages.find((v: { id: string }) => v.id === 'isp');
    expect(isp).toMatchObject({ online: true, state: 'walled', reason: null });
    expect(isp.canaries.map((c: { id: string; scope: string; status: string }) => `${c.id}/${c.scope}:${c.status}`)).toEqual(['canary/foreign:failed', 'domestic-canary/domestic:ok']);
    expect(report.apps.find((a: { app: string; vantage: string }) => a.app === DOMESTIC && a.vantage === 'isp').status).toBe('reachable');
    const m = await metrics();
    expect(await ispState()).toBe('walled');
    expect(m.get(k('blockwatch_vantage_online', { vantage: 'isp' }))).toBe(1);
    expect(m.get(k('blockwatch_app_status', { vantage: 'isp', app: DOMESTIC, status: 'reachable' }))).toBe(1);

    await lab.revert();
    await eventually(async () => has(await alerts(), 'resolved', { alertname: 'BlockwatchVantageWalled', vantage: 'isp' }), 90_000);
    await eventually(async () => {
      const list = await alerts();
      return FOREIGN.every((a) => has(list, 'resolved', { alertname: 'BlockwatchAppBlocked', app: a }));
    }, 90_000);
    expect(await ispState()).toBe('online');
  }, 300_000);

  it('under a full shutdown: only BlockwatchVantageOffline, with reason shutdown', async () => {
    await lab.webhookSink.clear();
    await lab.apply(scenario('shutdown'));
    const offline = { alertname: 'BlockwatchVantageOffline', vantage: 'isp', status: 'offline', reason: 'shutdown', severity: 'warning' };
    await eventually(async () => has(await alerts(), 'firing', offline), 90_000);
    await waitRounds(1);
    expect(firing(await alerts())).toEqual(['BlockwatchVantageOffline@isp']);
    expect(await ispState()).toBe('offline/shutdown');
    expect((await metrics()).get(k('blockwatch_app_status', { vantage: 'isp', app: DOMESTIC, status: 'unknown' }))).toBe(1);
    await lab.revert();
    await eventually(async () => has(await alerts(), 'resolved', offline), 90_000);
    expect(firing(await alerts())).toEqual(['BlockwatchVantageOffline@isp']);
  }, 300_000);

  it("when the probe host's own link goes down: only BlockwatchVantageOffline, with reason link", async () => {
    await lab.webhookSink.clear();
    await lab.apply(scenario('link-down'));
    const offline = { alertname: 'BlockwatchVantageOffline', vantage: 'isp', status: 'offline', reason: 'link', severity: 'warning' };
    await eventually(async () => has(await alerts(), 'firing', offline), 90_000);
    await waitRounds(1);
    expect(firing(await alerts())).toEqual(['BlockwatchVantageOffline@isp']);
    expect(await ispState()).toBe('offline/link');
    await lab.revert();
    await eventually(async () => has(await alerts(), 'resolved', offline), 90_000);
    expect(await ispState()).toBe('online');
  }, 300_000);
});
