/** Delivery queues against real loopback receivers: retries, back-off, bounds, drain. */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryQueue, backoff } from '../../../src/alerts/delivery.js';
import { postJson } from '../../../src/alerts/receivers/post.js';
import { Counter, receiverServer, until, type ReceiverServer } from './receiver-server.js';

const logger = pino({ level: 'silent' });
const fast = { maxAttempts: 5, baseDelayMs: 2, maxDelayMs: 10, capacity: 100 };
const servers: ReceiverServer[] = [];
const queues: DeliveryQueue[] = [];

afterEach(async () => {
  for (const q of queues.splice(0)) q.stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function queue(name: string, url: string, counter: Counter, opts = fast, timeoutMs = 5000): DeliveryQueue {
  const q = new DeliveryQueue(name, (body, signal) => postJson({ url, body, headers: {}, timeoutMs, signal }), counter, logger, opts);
  queues.push(q);
  return q;
}

async function server(...args: Parameters<typeof receiverServer>) {
  const s = await receiverServer(...args);
  servers.push(s);
  return s;
}

describe('DeliveryQueue', () => {
  it('retries a receiver that fails three times, then delivers, counting every attempt', async () => {
    let calls = 0;
    const s = await server((_, res) => {
      res.statusCode = ++calls <= 3 ? 503 : 200;
      res.end();
    });
    const c = new Counter();
    const q = queue('ops', s.url, c);
    q.enqueue('{"n":1}');
    await until(() => q.delivered === 1, 'delivery');
    expect(s.received.map((r) => r.body)).toEqual(['{"n":1}', '{"n":1}', '{"n":1}', '{"n":1}']);
    expect(c.counts).toEqual({ 'ops:failure': 3, 'ops:success': 1 });
  });

  it('gives up on a payload the receiver rejects (4xx) after maxAttempts, counts it, and goes on with the next', async () => {
    const s = await server((r, res) => {
      res.statusCode = r.body === '"bad"' ? 400 : 204;
      res.end();
    });
    const c = new Counter();
    const q = queue('ops', s.url, c, { ...fast, maxAttempts: 3 });
    q.enqueue('"bad"');
    q.enqueue('"good"');
    await until(() => q.delivered === 1, 'delivery');
    expect(s.received.map((r) => r.body)).toEqual(['"bad"', '"bad"', '"bad"', '"good"']);
    expect(q.dropped).toBe(1);
    expect(c.counts).toEqual({ 'ops:failure': 3, 'ops:success': 1 });
    expect(c.drops).toEqual({ 'ops:rejected': 1 });
  });

  it('never gives up on a receiver that is down (5xx, 408, 429): attempts go past maxAttempts until it takes the payload', async () => {
    let calls = 0;
    const statuses = [500, 503, 408, 429, 502, 500, 504, 503];
    const s = await server((_, res) => {
      res.statusCode = statuses[calls++] ?? 200;
      res.end();
    });
    const c = new Counter();
    const q = queue('ops', s.url, c, { ...fast, maxAttempts: 3 });
    q.enqueue('"alert"');
    await until(() => q.delivered === 1, 'delivery after eight failures');
    expect(s.received).toHaveLength(statuses.length + 1);
    expect(q.dropped).toBe(0);
    expect(c.counts).toEqual({ 'ops:failure': statuses.length, 'ops:success': 1 });
    expect(c.drops).toEqual({});
  });

  it('returns from enqueue at once and keeps other receivers flowing while one never answers', async () => {
    const silent = await server(() => undefined);
    const healthy = await server();
    const c = new Counter();
    const stuck = queue('stuck', silent.url, c, fast, 20_000);
    const ok = queue('ok', healthy.url, c);
    stuck.enqueue('"a"');
    expect(stuck.pending).toBe(1);
    ok.enqueue('"b"');
    await until(() => ok.delivered === 1, 'healthy delivery');
    await until(() => silent.received.length === 1, 'request at the silent receiver');
    expect(stuck.delivered).toBe(0);
    expect(stuck.pending).toBe(1);
    expect(c.counts).toEqual({ 'ok:success': 1 });
  });

  it('drops the oldest payload when the queue is full, and counts it', async () => {
    let release: (() => void) | null = null;
    const s = await server((_, res) => {
      release = () => res.end();
    });
    const c = new Counter();
    const q = queue('ops', s.url, c, { ...fast, capacity: 2 });
    q.enqueue('"1"');
    await until(() => s.received.length === 1, 'first request');
    q.enqueue('"2"');
    q.enqueue('"3"'); // full: "1" (in flight) is dropped from the queue
    q.enqueue('"4"'); // full: "2" goes
    expect(q.dropped).toBe(2);
    expect(c.drops).toEqual({ 'ops:queue_full': 2 });
    release!();
    await until(() => s.received.length === 2, 'second request');
    release!();
    await until(() => s.received.length === 3, 'third request');
    release!();
    await until(() => q.delivered === 3 && q.pending === 0, 'queue empty');
    expect(s.received.map((r) => r.body)).toEqual(['"1"', '"3"', '"4"']);
  });

  it('delivers to a receiver that was down once it comes back', async () => {
    // "Down" drops every connection unanswered; the port stays ours, so no other test can take it meanwhile.
    let up = false;
    const s = await server();
    s.server.on('connection', (socket) => {
      if (!up) socket.destroy();
    });
    const c = new Counter();
    const q = queue('ops', s.url, c, { ...fast, maxAttempts: 1000, maxDelayMs: 20 });
    q.enqueue('"alert"');
    await until(() => (c.counts['ops:failure'] ?? 0) >= 2, 'failed attempts');
    expect(s.received).toEqual([]);
    up = true;
    await until(() => q.delivered === 1, 'delivery after the receiver came back');
    expect(s.received.map((r) => r.body)).toEqual(['"alert"']);
  });

  it('drain delivers what is queued, skipping the back-off, and reports what is left', async () => {
    let calls = 0;
    const s = await server((_, res) => {
      res.statusCode = ++calls === 1 ? 503 : 200;
      res.end();
    });
    const q = queue('ops', s.url, new Counter(), { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000 });
    q.enqueue('"1"');
    q.enqueue('"2"');
    await until(() => calls === 1, 'first, failed attempt'); // now waiting out a 30–60 s back-off
    expect(await q.drain(5000)).toBe(0);
    expect(s.received.map((r) => r.body)).toEqual(['"1"', '"1"', '"2"']);

    const down = await server((_, res) => {
      res.statusCode = 503;
      res.end();
    });
    const q2 = queue('down', down.url, new Counter(), { ...fast, maxAttempts: 1_000_000 });
    q2.enqueue('"x"');
    expect(await q2.drain(200)).toBe(1);
    expect(q2.pending).toBe(0);
  });

  it('backs off exponentially up to the cap, with half of each step random', () => {
    const o = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoff(a, o, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoff(a, o, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});
