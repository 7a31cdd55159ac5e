// Alert receivers at fault on loopback: a webhook that hangs, fails forever, answers a huge body or hangs up mid-request; Alertmanager down for an hour; and what /metrics says meanwhile.
import type { Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Alerter } from '../../../src/alerts/index.js';
import { DeliveryQueue, backoff } from '../../../src/alerts/delivery.js';
import { postJson } from '../../../src/alerts/receivers/post.js';
import { Metrics } from '../../../src/metrics/index.js';
import type { AlertsConfig, Receiver, VantageState } from '../../../src/model/index.js';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { pump } from '../../support/hostile-servers.js';
import { growthDuring } from '../../support/memory.js';
import { parseExposition } from '../../support/exposition.js';
import { config, telegram, verdict, whatsapp } from '../metrics/fixture.js';
import { Counter, receiverServer, until, type ReceiverServer } from './receiver-server.js';

const logger = pino({ level: 'silent' });
const isp: VantageState = { id: 'isp', online: true, state: 'online', control: false, labels: {} };
const t0 = new Date('2024-05-01T10:00:00.000Z');
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);
const MB = 1024 * 1024;

const servers: ReceiverServer[] = [];
const queues: DeliveryQueue[] = [];
const alerters: Alerter[] = [];
const listeners: RunningServer[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) q.stop();
  for (const a of alerters.splice(0)) a.stop();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(...args: Parameters<typeof receiverServer>): Promise<ReceiverServer> {
  const s = await receiverServer(...args);
  servers.push(s);
  return s;
}

/** A receiver that is "down" until `up()`: it takes connections and drops them unanswered, so its port stays ours. */
async function downUntilUp(): Promise<ReceiverServer & { up(): void }> {
  let isUp = false;
  const s = await server();
  s.server.prependListener('connection', (sock: Socket) => {
    if (!isUp) sock.destroy();
  });
  return Object.assign(s, { up: () => void (isUp = true) });
}

function queue(url: string, counter: Counter, opts: Partial<ConstructorParameters<typeof DeliveryQueue>[4]> = {}, timeoutMs = 5000): DeliveryQueue {
  const o = { maxAttempts: 5, baseDelayMs: 2, maxDelayMs: 10, capacity: 100, ...opts };
  const q = new DeliveryQueue('ops', (body, signal) => postJson({ url, body, headers: {}, timeoutMs, signal }), counter, logger, o);
  queues.push(q);
  return q;
}

describe('a webhook at fault', () => {
  it('that hangs: each attempt ends at the receiver timeout and is retried; once it answers, the payload is delivered once', async () => {
    let hang = true;
    const s = await server((_, res) => {
      if (!hang) res.end('ok');
    });
    const c = new Counter();
    const q = queue(s.url, c, {}, 150);
    q.enqueue('"alert"');
    // enqueue never waits on the receiver: it has returned with the payload still waiting.
    expect([q.pending, q.delivered]).toEqual([1, 0]);
    await until(() => (c.counts['ops:failure'] ?? 0) >= 3, 'three timed-out attempts');
    expect(q.pending).toBe(1);
    hang = false;
    await until(() => q.delivered === 1, 'delivery once it answers');
    expect(s.received.every((r) => r.body === '"alert"')).toBe(true);
    expect(q.dropped).toBe(0);
  });

  it('that answers 500 forever: retried with exponential back-off up to the cap, never dropped while the queue has room', async () => {
    const at: number[] = [];
    const s = await server((_, res) => {
      at.push(performance.now());
      res.statusCode = 500;
      res.end();
    });
    const c = new Counter();
    const opts = { baseDelayMs: 20, maxDelayMs: 160, maxAttempts: 3 };
    const q = queue(s.url, c, opts);
    q.enqueue('"alert"');
    await until(() => at.length >= 8, 'eight attempts', 20_000);
    // Each wait is at least half its step (equal jitter); a busy machine only makes waits longer.
    const gaps = at.slice(1).map((x, i) => x - at[i]);
    for (let i = 0; i < 7; i++) expect(gaps[i]).toBeGreaterThanOrEqual(backoff(i + 1, opts, () => 0) - 3);
    expect(q.pending).toBe(1);
    expect(q.dropped).toBe(0);
    expect(c.drops).toEqual({});
  });

  it('that answers with a huge body: the reply is read no further than 64 KiB, and a 200 counts as delivered', async () => {
    let sent: Promise<number> = Promise.resolve(0);
    const s = await server((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      sent = pump(res, Buffer.alloc(65_536, 0x61));
    });
    const c = new Counter();
    const q = queue(s.url, c);
    const { peak } = await growthDuring(async () => {
      q.enqueue('"alert"');
      await until(() => q.delivered === 1, 'delivery');
    });
    expect(c.counts).toEqual({ 'ops:success': 1 });
    expect(peak).toBeLessThan(16 * MB);
    // The server's endless body ends because the client hung up.
    await sent;
  });

  it('that hangs up mid-request: counted as a failure and retried until it takes the payload whole', async () => {
    let cut = 3;
    const s = await server();
    s.server.prependListener('request', (req) => {
      if (cut > 0) {
        cut--;
        // Hang up once the head has arrived, with the megabyte of body still on its way.
        req.socket.destroy();
      }
    });
    const c = new Counter();
    const q = queue(s.url, c);
    q.enqueue(JSON.stringify({ alert: 'x'.repeat(MB) }));
    await until(() => q.delivered === 1, 'delivery after three cut requests');
    expect(c.counts).toEqual({ 'ops:failure': 3, 'ops:success': 1 });
    expect(s.received).toHaveLength(1);
    expect(JSON.parse(s.received[0].body).alert).toHaveLength(MB);
  });
});

describe('Alertmanager down for an hour', () => {
  const blocked = verdict(telegram, 'isp', 'blocked', { web: { status: 'blocked', pattern: 'http.451', failure: null, operation: null } });
  const down = verdict(whatsapp, 'isp', 'down', { e1: { status: 'down', pattern: null, failure: 'connection_refused', operation: 'connect' } });
  const rx = (url: string): Receiver => ({ name: 'am', type: 'alertmanager', url, headers: {}, timeoutMs: 2000 });

  function alerter(url: string, counter: Counter | Metrics, capacity: number): Alerter {
    const alerts: AlertsConfig = { ...config().alerts, resolveAfter: 1, resendMs: 60_000, receivers: [rx(url)] };
    // Back-off in milliseconds stands in for minutes: the hour passes through `now`, not the clock.
    const a = new Alerter({ alerts, counter, logger, delivery: { baseDelayMs: 2, maxDelayMs: 20, capacity } });
    alerters.push(a);
    return a;
  }

  it('queues every re-send while it is down, loses none, and delivers them in order when it is back', async () => {
    const am = await downUntilUp();
    const c = new Counter();
    const a = alerter(am.url, c, 100);
    a.observeRound(isp, [blocked, down], minutes(0));
    for (let m = 1; m <= 60; m++) a.tick(minutes(m));
    await until(() => (c.counts['am:failure'] ?? 0) >= 10, 'failed attempts while down');
    expect(am.received).toEqual([]);
    am.up();
    // The first notification and one re-send a minute: 61 payloads, none dropped.
    await until(() => am.received.length === 61, 'every queued payload', 20_000);
    expect(c.drops).toEqual({});
    const batches = am.received.map((r) => JSON.parse(r.body) as Array<{ labels: Record<string, string>; endsAt: string }>);
    expect(batches.every((b) => b.map((x) => x.labels.alertname).sort().join() === 'BlockwatchAppBlocked,BlockwatchAppDown')).toBe(true);
    // In order: the last delivered carries the freshest endsAt (four re-send intervals past the last tick).
    expect(batches.at(-1)![0].endsAt).toBe(minutes(64).toISOString());
    expect(batches.map((b) => b[0].endsAt)).toEqual([...batches.map((b) => b[0].endsAt)].sort());
  });

  it('past a bounded queue, drops the oldest and counts each in blockwatch_alerts_dropped_total; /metrics answers all along', async () => {
    const am = await downUntilUp();
    const metrics = new Metrics({ version: '9.9.9', defaultMetrics: false });
    metrics.configure(config({ alerts: { ...config().alerts, receivers: [rx(am.url)] } }));
    const listener = await startServer({ config: { host: '127.0.0.1', port: 0, enableReload: false }, metrics, status: () => null, ready: () => true, logger });
    listeners.push(listener);
    const a = alerter(am.url, metrics, 20);
    a.observeRound(isp, [blocked], minutes(0));
    for (let m = 1; m <= 60; m++) a.tick(minutes(m));
    const scrape = async () => {
      const t = performance.now();
      const r = await fetch(`${listener.url}/metrics`, { signal: AbortSignal.timeout(5000) });
      const text = await r.text();
      return { ms: performance.now() - t, series: parseExposition(text) };
    };
    // Let a few attempts fail before looking.
    await new Promise((r) => setTimeout(r, 100));
    const during = await scrape();
    expect(during.ms).toBeLessThan(1000);
    // 61 payloads into a queue of 20: the 41 oldest went, each counted; none rejected.
    expect(during.series.get('blockwatch_alerts_dropped_total{reason="queue_full",receiver="am"}')).toBe(41);
    expect(during.series.get('blockwatch_alerts_dropped_total{reason="rejected",receiver="am"}')).toBe(0);
    expect(during.series.get('blockwatch_alerts_sent_total{receiver="am",result="failure"}')).toBeGreaterThan(0);
    am.up();
    await until(() => am.received.length === 20, 'the 20 payloads kept', 20_000);
    const endsAt = am.received.map((r) => (JSON.parse(r.body) as Array<{ endsAt: string }>)[0].endsAt);
    expect(endsAt[0]).toBe(minutes(41 + 4).toISOString());
    expect(endsAt.at(-1)).toBe(minutes(60 + 4).toISOString());
  });
});
