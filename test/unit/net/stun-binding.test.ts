// The STUN Binding transaction against a real STUN server (coturn) and scripted hostile ones on loopback.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectDatagramConnector } from '../../../src/net/datagram/index.js';
import { deadline } from '../../../src/net/deadline.js';
import { MAX_RECORDED_REPLIES, sendOffsetMs, stunBinding } from '../../../src/net/stun/index.js';
import type { UdpExchange } from '../../../src/model/index.js';
import {
  closedUdpPort,
  errorFor,
  hasTurnserver,
  startCoturn,
  startScripted,
  successFor,
  type Coturn,
  type ScriptedServer,
} from '../../support/stun-servers.js';

/** Runs one transaction to 127.0.0.1:port (or [::1]) under a deadline of `ms`. */
async function exchange(port: number, ms: number, extra: { rtoMs?: number; host?: string } = {}): Promise<UdpExchange> {
  const d = deadline(ms);
  const origin = performance.now();
  const ch = await new DirectDatagramConnector().open(extra.host ?? '127.0.0.1', port, { signal: d.signal });
  try {
    return await stunBinding(ch, { signal: d.signal, origin, rtoMs: extra.rtoMs });
  } finally {
    ch.close();
    d.dispose();
  }
}

describe.skipIf(!hasTurnserver())('against coturn (skipped when turnserver, Debian package coturn, is not installed)', () => {
  let coturn: Coturn;
  beforeAll(async () => {
    coturn = await startCoturn();
  });
  afterAll(() => coturn?.close());

  it('gets a Binding success with the mapped address 127.0.0.1 and the socket’s port, and an RTT', async () => {
    const d = deadline(5000);
    const ch = await new DirectDatagramConnector().open('127.0.0.1', coturn.port, { signal: d.signal });
    const local = (ch as unknown as { sock: import('node:dgram').Socket }).sock.address().port;
    const x = await stunBinding(ch, { signal: d.signal, origin: performance.now() });
    ch.close();
    d.dispose();
    expect(x).toMatchObject({ address: `127.0.0.1:${coturn.port}`, protocol: 'stun', sent: 1, replies_dropped: 0, failure: null });
    expect(x.mapped_address).toBe(`127.0.0.1:${local}`);
    expect(x.rtt).toBeGreaterThan(0);
    expect(x.rtt).toBeLessThan(1);
    expect(x.replies).toEqual([{ t: expect.any(Number), from: `127.0.0.1:${coturn.port}`, bytes: expect.any(Number), kind: 'binding_success' }]);
    expect(x.t).toBeGreaterThanOrEqual(x.t0);
  });

  it('gets an IPv6 mapped address over ::1 (XOR with the cookie and the transaction id)', async () => {
    const x = await exchange(coturn.port, 5000, { host: '::1' });
    expect(x.failure).toBeNull();
    expect(x.mapped_address).toMatch(/^\[::1\]:\d+$/);
  });
});

describe('hostile and silent peers', () => {
  const servers: ScriptedServer[] = [];
  const scripted = async (reply: Parameters<typeof startScripted>[0]): Promise<ScriptedServer> => {
    const s = await startScripted(reply);
    servers.push(s);
    return s;
  };
  afterAll(() => servers.forEach((s) => s.close()));

  it('reports a closed port (ICMP port unreachable) as connection_refused', async () => {
    const x = await exchange(await closedUdpPort(), 3000);
    expect(x).toMatchObject({ failure: 'connection_refused', sent: 1, mapped_address: null, rtt: null });
  });

  it('times out on a silent listener at the deadline, after the sends RFC 8489’s schedule fits in it', async () => {
    const silent = await scripted(() => []);
    const started = performance.now();
    // Sends at 0, 0.5 and 1.5 s; the fourth would go at 3.5 s.
    const x = await exchange(silent.port, 2500);
    const took = (performance.now() - started) / 1000;
    expect(x).toMatchObject({ failure: 'generic_timeout_error', sent: 3, replies: [], replies_dropped: 0, mapped_address: null, rtt: null });
    expect(silent.received).toHaveLength(3);
    expect(took).toBeGreaterThanOrEqual(2.49);
    expect(took).toBeLessThan(3);
  });

  it('sends Rc = 7 requests, each RTO gap doubling, and gives up Rm = 16 RTOs after the last', async () => {
    const silent = await scripted(() => []);
    const rto = 40;
    const started = performance.now();
    const x = await exchange(silent.port, 10_000, { rtoMs: rto });
    const took = performance.now() - started;
    expect(x).toMatchObject({ failure: 'generic_timeout_error', sent: 7 });
    expect(silent.received).toHaveLength(7);
    // Measured from before the first send: a busy event loop can only make an arrival look later.
    // RFC 8489 §6.2.1's example, in RTOs: sends at 0, 500, 1500, 3500, 7500, 15500 and 31500 ms for an RTO of 500 ms.
    const rfc = [0, 1, 3, 7, 15, 31, 63];
    silent.received.forEach((r, k) => expect(r.at - started).toBeGreaterThanOrEqual(rfc[k] * rto - 2));
    expect(rfc.map((_, k) => sendOffsetMs(k, 500))).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    // Last send at 63 RTO, then 16 RTO of waiting: 79 RTO in all, well before the 10 s deadline.
    expect(took).toBeGreaterThanOrEqual(79 * rto - 3);
    expect(took).toBeLessThan(79 * rto + 1500);
  });

  it('does not accept a success response for another transaction id', async () => {
    const liar = await scripted((req, from) => [successFor(req, from, { txid: randomBytes(12) })]);
    const x = await exchange(liar.port, 1200);
    expect(x.failure).toBe('generic_timeout_error');
    expect(x.mapped_address).toBeNull();
    expect(x.replies.length).toBe(x.sent);
    expect(x.replies.every((r) => r.kind === 'other')).toBe(true);
  });

  it('takes the genuine response that follows a wrong one, and records both', async () => {
    const s = await scripted((req, from) => [successFor(req, from, { txid: randomBytes(12) }), successFor(req, from)]);
    const x = await exchange(s.port, 3000);
    expect(x.failure).toBeNull();
    expect(x.replies.map((r) => r.kind)).toEqual(['other', 'binding_success']);
    expect(x.mapped_address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('records a flood up to the cap, counts the rest, and still finds the answer at its end', async () => {
    const flood = 100;
    const s = await scripted((req, from) => [...Array.from({ length: flood }, () => randomBytes(64)), successFor(req, from)]);
    const x = await exchange(s.port, 5000);
    expect(x.failure).toBeNull();
    expect(x.replies).toHaveLength(MAX_RECORDED_REPLIES);
    expect(x.replies.every((r) => r.kind === 'other' && r.bytes === 64)).toBe(true);
    expect(x.replies_dropped).toBe(flood + 1 - MAX_RECORDED_REPLIES);
    expect(x.mapped_address).not.toBeNull();
  });

  it('reports an error response as unknown_failure: stun_error <code>, with the RTT of the answer', async () => {
    const s = await scripted((req) => [errorFor(req, 400, 'Bad Request')]);
    const x = await exchange(s.port, 3000);
    expect(x).toMatchObject({ failure: 'unknown_failure: stun_error 400', sent: 1, mapped_address: null });
    expect(x.replies.map((r) => r.kind)).toEqual(['binding_error']);
    expect(x.rtt).toBeGreaterThan(0);
  });

  it('measures the RTT from the last send before the answer', async () => {
    let n = 0;
    // Lose the first two requests, as a lossy path does; answer the third (sent at 1.5 s).
    const s = await scripted((req, from) => (++n < 3 ? [] : [successFor(req, from)]));
    const x = await exchange(s.port, 5000);
    expect(x).toMatchObject({ failure: null, sent: 3 });
    expect(x.rtt).toBeLessThan(0.4);
    expect(x.t - x.t0).toBeGreaterThan(1.4);
  });

  it('ends at once when the signal has already fired, with nothing sent', async () => {
    const s = await scripted(() => []);
    const ch = await new DirectDatagramConnector().open('127.0.0.1', s.port, { signal: AbortSignal.timeout(1000) });
    const ac = new AbortController();
    ac.abort(new DOMException('deadline', 'TimeoutError'));
    const x = await stunBinding(ch, { signal: ac.signal, origin: performance.now() });
    ch.close();
    expect(x).toMatchObject({ failure: 'generic_timeout_error', sent: 0 });
  });

  it('calls a shutdown interrupted, not a timeout', async () => {
    const s = await scripted(() => []);
    const ac = new AbortController();
    const ch = await new DirectDatagramConnector().open('127.0.0.1', s.port, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const x = await stunBinding(ch, { signal: ac.signal, origin: performance.now() });
    ch.close();
    expect(x).toMatchObject({ failure: 'interrupted', sent: 1 });
  });
});
