// The QUIC Initial exchange over real loopback UDP: what the client sends, and how it reads silent, refusing, scripted and hostile servers.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectDatagramConnector } from '../../../src/net/datagram/index.js';
import { INITIAL_PTO_MS, ptoSchedule, quicInitialExchange, RESERVED_VERSION, TP, type QuicExchangeOptions } from '../../../src/net/quic/index.js';
import type { DatagramChannel } from '../../../src/net/types.js';
import {
  ackFrame,
  closeFrame,
  cryptoFrameAt,
  handshakePacket,
  replyTo,
  retryPacket,
  serverHello,
  startScriptedServer,
  versionNegotiation,
  type Script,
  type ScriptedServer,
} from '../../support/quic-scripted.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function channelTo(port: number): Promise<DatagramChannel> {
  const ch = await new DirectDatagramConnector().open('127.0.0.1', port, { signal: AbortSignal.timeout(2000) });
  cleanup.push(() => ch.close());
  return ch;
}

async function scripted(script: Script): Promise<ScriptedServer> {
  const s = await startScriptedServer(script);
  cleanup.push(() => s.close());
  return s;
}

/** Runs one exchange against a port, timing it from the moment its deadline (deadlineMs, default 5 s) starts. */
async function exchange(port: number, o: Partial<QuicExchangeOptions> & { deadlineMs?: number } = {}) {
  const { deadlineMs = 5000, ...rest } = o;
  const ch = await channelTo(port);
  const started = performance.now();
  const hs = await quicInitialExchange(ch, { signal: AbortSignal.timeout(deadlineMs), sni: 'app.test', alpn: ['h3'], ...rest });
  return { hs, elapsedMs: performance.now() - started };
}

/** A bound UDP socket that never answers. */
function silentListener(): Promise<{ sock: Socket; port: number }> {
  return new Promise((res) => {
    const sock = createSocket('udp4');
    sock.bind(0, '127.0.0.1', () => res({ sock, port: (sock.address() as AddressInfo).port }));
    cleanup.push(() => sock.close());
  });
}

const hello = (): Buffer => cryptoFrameAt(0, serverHello());

/**
 * The server's view once it has read `n` Initials: an exchange can end (at its deadline) before
 * this process got round to the server socket's reads, on a busy machine.
 */
async function seenBy(s: ScriptedServer, n: number): Promise<ScriptedServer['seen']> {
  while (s.seen.length < n) await new Promise((r) => setTimeout(r, 10));
  return s.seen;
}

describe('the client Initial', () => {
  it('is one 1200-byte QUIC v1 datagram with 8-byte connection IDs and a TLS 1.3 ClientHello for the SNI and ALPN', async () => {
    const s = await scripted(() => []);
    await exchange(s.port, { deadlineMs: 300 });
    const [i] = await seenBy(s, 1);
    expect(s.strays).toBe(0);
    expect(i.size).toBe(1200);
    expect(i.version).toBe(1);
    expect(i.dcid).toHaveLength(8);
    expect(i.scid).toHaveLength(8);
    expect(i.pn).toBe(0);
    const h = i.hello!;
    expect(h.sni).toBe('app.test');
    expect(h.alpn).toEqual(['h3']);
    // RFC 9001 §8.4: no legacy session id in QUIC.
    expect(h.sessionId).toHaveLength(0);
    expect(h.cipherSuites).toEqual([0x1301, 0x1302, 0x1303]);
    expect(h.keyShareGroups).toEqual([0x001d]);
    expect(h.extensions.get(43)!.toString('hex')).toBe('020304');
    expect(h.extensions.get(51)!.subarray(6)).toHaveLength(32);
    // RFC 9000 §7.3: initial_source_connection_id is the Initial's SCID.
    expect(h.transportParameters!.get(TP.initial_source_connection_id)!.equals(i.scid)).toBe(true);
    expect(h.transportParameters!.has(TP.initial_max_data)).toBe(true);
  });

  it('carries no server_name extension when there is no SNI', async () => {
    const s = await scripted(() => []);
    const { hs } = await exchange(s.port, { sni: null, deadlineMs: 300 });
    expect(hs.server_name).toBe('');
    const [i] = await seenBy(s, 1);
    expect(i.hello!.extensions.has(0)).toBe(false);
    expect(i.hello!.sni).toBeNull();
  });

  it('offers a fresh key share and connection IDs each time', async () => {
    const s = await scripted(() => []);
    await exchange(s.port, { deadlineMs: 200 });
    await exchange(s.port, { deadlineMs: 200 });
    const [a, b] = await seenBy(s, 2);
    expect(a.dcid.equals(b.dcid)).toBe(false);
    expect(a.scid.equals(b.scid)).toBe(false);
    expect(a.hello!.extensions.get(51)!.equals(b.hello!.extensions.get(51)!)).toBe(false);
  });
});

describe('no answer', () => {
  it('a silent listener gives generic_timeout_error at the deadline, after sends on the PTO schedule (1 s, doubling)', async () => {
    const silent = await silentListener();
    const arrivals: number[] = [];
    silent.sock.on('message', () => arrivals.push(performance.now()));
    const deadline = 3500;
    const before = performance.now();
    const { hs, elapsedMs } = await exchange(silent.port, { deadlineMs: deadline });
    expect(hs.failure).toBe('generic_timeout_error');
    expect(hs.response).toBeNull();
    expect(hs.received).toBe(0);
    // 0, 999 and 2997 ms fall before a 3.5 s deadline (RFC 9002 §6.2: kInitialRtt 333 ms, PTO 999 ms, doubling).
    expect(ptoSchedule(deadline)).toEqual([0, INITIAL_PTO_MS, 3 * INITIAL_PTO_MS]);
    expect(hs.sent).toBe(3);
    while (arrivals.length < 3) await new Promise((r) => setTimeout(r, 10));
    expect(arrivals).toHaveLength(3);
    // Timed from before the exchange began: a busy machine only delays a timer or a read, so each
    // Initial arrives no earlier than its place in the schedule (less a millisecond of timer
    // rounding), and the second short of where a wrong schedule (a 2 s first PTO) would put it.
    // Gaps between arrivals would not do: a read delayed more than the next one shortens the gap.
    expect(arrivals[1] - before).toBeGreaterThanOrEqual(INITIAL_PTO_MS - 2);
    expect(arrivals[1] - before).toBeLessThan(2 * INITIAL_PTO_MS);
    expect(arrivals[2] - before).toBeGreaterThanOrEqual(3 * INITIAL_PTO_MS - 2);
    // Ended by the deadline (the failure says so), not before it.
    expect(elapsedMs).toBeGreaterThanOrEqual(deadline - 5);
    expect(hs.t - hs.t0).toBeGreaterThanOrEqual(3.4);
  });

  it('a closed UDP port (ICMP port unreachable) gives connection_refused at once', async () => {
    const gone = await silentListener();
    const port = gone.port;
    await new Promise<void>((r) => gone.sock.close(() => r()));
    cleanup.pop();
    // No retransmission and a long deadline: only the refusal can end it, and with one Initial sent.
    const { hs } = await exchange(port, { ptoMs: 60_000, deadlineMs: 30_000 });
    expect(hs.failure).toBe('connection_refused');
    expect(hs.response).toBeNull();
    expect(hs.sent).toBe(1);
  });

  it('a shutdown (an abort that is not a deadline) is interrupted, not a timeout', async () => {
    const silent = await silentListener();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const { hs } = await exchange(silent.port, { signal: ac.signal });
    expect(hs.failure).toBe('interrupted');
  });

  it('a channel whose socket was closed under it fails the exchange instead of throwing', async () => {
    const silent = await silentListener();
    const ch = await channelTo(silent.port);
    // The real socket behind the channel, closed behind the channel's back: the send fails, and
    // the channel reports it as an error (never a throw out of the exchange).
    (ch as unknown as { sock: Socket }).sock.close();
    const hs = await quicInitialExchange(ch, { signal: AbortSignal.timeout(2000), sni: 'app.test', alpn: ['h3'] });
    expect(hs.sent).toBe(1);
    expect(hs.received).toBe(0);
    expect(hs.response).toBeNull();
    expect(hs.failure).toMatch(/^unknown_failure: /);
  });

  it('an already expired deadline sends nothing', async () => {
    const silent = await silentListener();
    const ac = new AbortController();
    ac.abort(new DOMException('deadline', 'TimeoutError'));
    const { hs } = await exchange(silent.port, { signal: ac.signal });
    expect(hs).toMatchObject({ sent: 0, received: 0, response: null, failure: 'generic_timeout_error' });
  });
});

describe('answers', () => {
  it('a lost first Initial is retransmitted with the next packet number, and the retransmission answered', async () => {
    const s = await scripted((i, n) => (n === 0 ? [] : [{ dgram: replyTo(i, Buffer.concat([ackFrame(i.pn), hello()])) }]));
    const { hs } = await exchange(s.port, { ptoMs: 100 });
    expect(hs).toMatchObject({ sent: 2, received: 1, response: 'initial', server_hello: true, failure: null });
    expect(s.seen.map((i) => i.pn)).toEqual([0, 1]);
    expect(s.seen[1].dcid.equals(s.seen[0].dcid)).toBe(true);
    expect(s.seen[1].scid.equals(s.seen[0].scid)).toBe(true);
  });

  it('waits a bounded moment after an ACK-only Initial for the ServerHello, timing the answer from the first packet', async () => {
    const s = await scripted((i) => [{ dgram: replyTo(i, ackFrame(i.pn), 0) }, { dgram: replyTo(i, hello(), 1), delayMs: 1000 }]);
    const { hs, elapsedMs } = await exchange(s.port, { graceMs: 5000, deadlineMs: 30_000, ptoMs: 60_000 });
    expect(hs).toMatchObject({ sent: 1, received: 2, response: 'initial', server_hello: true, failure: null });
    expect(elapsedMs).toBeGreaterThanOrEqual(995);
    // t marks the first answer (the ACK), not the ServerHello that came a second later (a busy
    // machine may read the ACK late, but not most of a second late).
    expect((hs.t - hs.t0) * 1000).toBeLessThan(elapsedMs - 500);
  });

  it('an ACK-only Initial with nothing after it still counts as an answer, once the grace runs out', async () => {
    const s = await scripted((i) => [{ dgram: replyTo(i, ackFrame(i.pn)) }]);
    const { hs, elapsedMs } = await exchange(s.port, { graceMs: 150, deadlineMs: 30_000, ptoMs: 60_000 });
    expect(hs).toMatchObject({ sent: 1, received: 1, response: 'initial', server_hello: false, failure: null });
    expect(elapsedMs).toBeGreaterThanOrEqual(145);
    // The grace ended it, not the 30 s deadline.
    expect(elapsedMs).toBeLessThan(15_000);
  });

  it('a CONNECTION_CLOSE in a server Initial is an answer and ends the exchange at once', async () => {
    // 0x0178: crypto error, TLS alert no_application_protocol (120).
    const s = await scripted((i) => [{ dgram: replyTo(i, closeFrame(0x0178, 'no application protocol')) }]);
    const { hs, elapsedMs } = await exchange(s.port, { graceMs: 30_000, deadlineMs: 60_000 });
    expect(hs).toMatchObject({ response: 'initial', server_hello: false, failure: null });
    // Neither the 30 s grace nor the deadline: the close itself.
    expect(elapsedMs).toBeLessThan(15_000);
  });

  it('reassembles a ServerHello split across two datagrams that arrive in reverse order', async () => {
    const sh = serverHello();
    const s = await scripted((i) => [
      { dgram: replyTo(i, cryptoFrameAt(40, sh.subarray(40)), 0) },
      { dgram: replyTo(i, cryptoFrameAt(0, sh.subarray(0, 40)), 1), delayMs: 20 },
    ]);
    const { hs } = await exchange(s.port, { graceMs: 1000 });
    expect(hs).toMatchObject({ received: 2, response: 'initial', server_hello: true, failure: null });
  });

  it('reads a datagram coalescing a server Initial and a Handshake packet', async () => {
    const s = await scripted((i) => [
      { dgram: Buffer.concat([replyTo(i, Buffer.concat([ackFrame(0), hello()])), handshakePacket(i.scid, Buffer.from('5e5e5e5e5e5e5e5e', 'hex'))]) },
    ]);
    const { hs } = await exchange(s.port);
    expect(hs).toMatchObject({ received: 1, response: 'initial', server_hello: true, failure: null });
  });

  it('names the first packet type: a Handshake packet ahead of the Initial', async () => {
    const s = await scripted((i) => [
      { dgram: handshakePacket(i.scid, Buffer.from('5e5e5e5e5e5e5e5e', 'hex')) },
      { dgram: replyTo(i, hello()), delayMs: 20 },
    ]);
    const { hs } = await exchange(s.port, { graceMs: 1000 });
    expect(hs).toMatchObject({ received: 2, response: 'handshake', server_hello: true, failure: null });
  });

  it('a Retry with a valid integrity tag is an answer', async () => {
    const s = await scripted((i) => [{ dgram: retryPacket({ odcid: i.dcid, dcid: i.scid, scid: randomBytes(8), token: Buffer.from('retry-token') }) }]);
    const { hs } = await exchange(s.port);
    expect(hs).toMatchObject({ sent: 1, received: 1, response: 'retry', server_hello: false, failure: null });
  });

  it('Version Negotiation for the reserved version lists what the server speaks', async () => {
    const s = await scripted((i) => [{ dgram: versionNegotiation(i.scid, i.dcid, [0x00000001, 0x6b3343cf]) }]);
    const { hs } = await exchange(s.port, { version: RESERVED_VERSION });
    expect(s.seen[0].version).toBe(RESERVED_VERSION);
    expect(s.seen[0].size).toBe(1200);
    expect(hs).toMatchObject({ response: 'version_negotiation', versions: [1, 0x6b3343cf], failure: null });
  });
});

describe('what does not count', () => {
  // Every datagram the server sends must be read before the deadline, on a busy machine too;
  // one Initial only (no PTO within it), so that the server answers once.
  const deadline = 2000;
  const once = { deadlineMs: deadline, ptoMs: 60_000 };

  it('a Retry whose tag is wrong is ignored', async () => {
    const s = await scripted((i) => [{ dgram: retryPacket({ odcid: i.dcid, dcid: i.scid, scid: randomBytes(8), token: Buffer.from('t'), tamper: true }) }]);
    const { hs } = await exchange(s.port, once);
    expect(hs).toMatchObject({ received: 1, response: null, failure: 'generic_timeout_error' });
  });

  it('Version Negotiation that lists the version offered, or names other connection IDs, is ignored', async () => {
    const s = await scripted((i) => [{ dgram: versionNegotiation(i.scid, i.dcid, [1]) }, { dgram: versionNegotiation(randomBytes(8), i.dcid, [2]) }]);
    const { hs } = await exchange(s.port, once);
    expect(hs).toMatchObject({ received: 2, response: null, failure: 'generic_timeout_error' });
  });

  it('a server Initial for another connection ID, or sealed with keys from another DCID, is ignored', async () => {
    const s = await scripted((i) => [
      { dgram: replyTo({ ...i, scid: randomBytes(8) }, hello()) },
      { dgram: replyTo({ ...i, dcid: randomBytes(8) }, hello()) },
    ]);
    const { hs } = await exchange(s.port, once);
    expect(hs).toMatchObject({ received: 2, response: null, server_hello: false, failure: 'generic_timeout_error' });
  });

  it('a flood of junk is counted up to the cap and answered by nothing', async () => {
    const s = await scripted(() => Array.from({ length: 100 }, () => ({ dgram: randomBytes(1 + Math.floor(Math.random() * 1400)) })));
    const { hs } = await exchange(s.port, { ...once, maxDatagrams: 32 });
    expect(hs).toMatchObject({ received: 32, response: null, failure: 'generic_timeout_error' });
  });
});
