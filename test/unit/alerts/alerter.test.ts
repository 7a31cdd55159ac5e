/** The Alerter end to end: webhook and Alertmanager payloads on the wire. */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Alerter } from '../../../src/alerts/index.js';
import type { AlertsConfig, Receiver, VantageState } from '../../../src/model/index.js';
import { config, telegram, verdict } from '../metrics/fixture.js';
import { Counter, receiverServer, until, type ReceiverServer } from './receiver-server.js';

const logger = pino({ level: 'silent' });
const isp: VantageState = { id: 'isp', online: true, state: 'online', reason: null, control: false, labels: {} };
const blocked = verdict(telegram, 'isp', 'blocked', { web: { status: 'blocked', pattern: 'http.451', failure: null, operation: null } });
const reachable = verdict(telegram, 'isp', 'reachable');
const t0 = new Date('2024-05-01T10:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

const servers: ReceiverServer[] = [];
const alerters: Alerter[] = [];
afterEach(async () => {
  for (const a of alerters.splice(0)) a.stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(receivers: (url: string) => Receiver[], over: Partial<AlertsConfig> = {}) {
  const s = await receiverServer();
  servers.push(s);
  const counter = new Counter();
  const alerts: AlertsConfig = { ...config().alerts, resolveAfter: 1, resendMs: 60_000, receivers: receivers(s.url), ...over };
  const alerter = new Alerter({ alerts, counter, logger, delivery: { baseDelayMs: 2, maxDelayMs: 10 } });
  alerters.push(alerter);
  return { s, counter, alerter };
}

const rx = (name: string, type: Receiver['type'], url: string, headers: Record<string, string> = {}): Receiver => ({ name, type, url, headers, timeoutMs: 5000 });

describe('Alerter', () => {
  it('posts Alertmanager webhook payloads, version 4, on firing and on resolve', async () => {
    const { s, counter, alerter } = await setup((url) => [rx('ops', 'webhook', `${url}/hook?token=x`, { authorization: 'Bearer s3cret' })]);
    alerter.observeRound(isp, [blocked], t0);
    alerter.observeRound(isp, [reachable], at(60));
    await until(() => s.received.length === 2, 'two posts');
    expect(s.received[0].url).toBe('/hook?token=x');
    expect(s.received[0].headers.authorization).toBe('Bearer s3cret');
    expect(s.received[0].headers['content-type']).toBe('application/json');
    const [fired, resolved] = s.received.map((r) => JSON.parse(r.body));
    const labels = { alertname: 'BlockwatchAppBlocked', vantage: 'isp', app: 'telegram', status: 'blocked', pattern: 'http.451', severity: 'critical' };
    expect(fired).toEqual({
      version: '4',
      groupKey: '{}:{alertname="BlockwatchAppBlocked", app="telegram", vantage="isp"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'ops',
      groupLabels: { alertname: 'BlockwatchAppBlocked', vantage: 'isp', app: 'telegram' },
      commonLabels: labels,
      commonAnnotations: fired.alerts[0].annotations,
      externalURL: 'http://probe-1:9464',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: fired.commonAnnotations,
          startsAt: '2024-05-01T10:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://probe-1:9464/api/v1/status',
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        },
      ],
    });
    expect(fired.commonAnnotations.summary).toBe('telegram is blocked at isp (http.451)');
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts[0].endsAt).toBe('2024-05-01T10:01:00.000Z');
    expect(resolved.alerts[0].fingerprint).toBe(fired.alerts[0].fingerprint);
    // The server records a request before the sender sees the reply: wait for the count too.
    await until(() => counter.counts['ops:success'] === 2, 'two successes counted');
    expect(counter.counts).toEqual({ 'ops:success': 2 });
  });

  it('posts to Alertmanager /api/v2/alerts, re-sends while firing, and sends endsAt on resolve', async () => {
    const { s, alerter } = await setup((url) => [rx('am', 'alertmanager', `${url}/`)]);
    alerter.observeRound(isp, [blocked], t0);
    await until(() => s.received.length === 1, 'first post');
    alerter.tick(at(30)); // before resendMs: nothing
    alerter.tick(at(60));
    await until(() => s.received.length === 2, 're-send');
    alerter.observeRound(isp, [reachable], at(90));
    await until(() => s.received.length === 3, 'resolve');
    alerter.tick(at(200)); // nothing firing: no re-send
    expect(s.received.map((r) => `${r.method} ${r.url}`)).toEqual(Array(3).fill('POST /api/v2/alerts'));
    const bodies = s.received.map((r) => JSON.parse(r.body));
    const labels = { alertname: 'BlockwatchAppBlocked', vantage: 'isp', app: 'telegram', status: 'blocked', pattern: 'http.451', severity: 'critical' };
    expect(bodies[0]).toEqual([
      { labels, annotations: bodies[0][0].annotations, startsAt: '2024-05-01T10:00:00.000Z', endsAt: '2024-05-01T10:04:00.000Z', generatorURL: 'http://probe-1:9464/api/v1/status' },
    ]);
    expect(bodies[1].map((a: { startsAt: string; endsAt: string }) => [a.startsAt, a.endsAt])).toEqual([['2024-05-01T10:00:00.000Z', '2024-05-01T10:05:00.000Z']]);
    expect(bodies[2].map((a: { endsAt: string }) => a.endsAt)).toEqual(['2024-05-01T10:01:30.000Z']);
  });

  it('repeats a firing alert to the webhook every repeatMs', async () => {
    const { s, alerter } = await setup((url) => [rx('ops', 'webhook', url)], { repeatMs: 3600_000 });
    alerter.observeRound(isp, [blocked], t0);
    alerter.tick(at(1800));
    alerter.tick(at(3600));
    await until(() => s.received.length === 2, 'repeat');
    expect(s.received.map((r) => JSON.parse(r.body).status)).toEqual(['firing', 'firing']);
  });

  it('keeps a receiver queue across a reload that leaves it unchanged, and seeds a new Alertmanager with firing alerts', async () => {
    const { s, alerter } = await setup((url) => [rx('ops', 'webhook', url)]);
    alerter.observeRound(isp, [blocked], t0);
    await until(() => s.received.length === 1, 'webhook post');
    const am = await receiverServer();
    servers.push(am);
    alerter.reconfigure({ ...config().alerts, resolveAfter: 1, resendMs: 60_000, receivers: [rx('ops', 'webhook', s.url), rx('am', 'alertmanager', am.url)] });
    alerter.tick(at(60));
    await until(() => am.received.length === 1, 'alertmanager re-send');
    expect(JSON.parse(am.received[0].body)[0].labels.alertname).toBe('BlockwatchAppBlocked');
    expect(s.received.length).toBe(1);
  });
});
