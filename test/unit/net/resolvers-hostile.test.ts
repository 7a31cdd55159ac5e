// Resolvers against hostile DNS servers on loopback: bad rdata, pointer loops, TC set, spoofed sources, floods, 500 answers, CNAME loops, a DoH server that never speaks TLS.
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { dnsEngine } from '../../../src/engines/dns.js';
import { tcpEngine } from '../../../src/engines/tcp.js';
import { DirectConnector } from '../../../src/net/connectors/index.js';
import { DohResolver, TcpResolver, UdpResolver } from '../../../src/net/resolvers/index.js';
import { repliesSettled, MAX_REPLIES_KEPT } from '../../../src/net/resolvers/udp.js';
import { MAX_ANSWERS_KEPT } from '../../../src/net/resolvers/wire.js';
import { makeContext } from '../../support/probe-context.js';
import { answer, framed, manyAnswers, pointerLoop, startRawDns, type RawDns } from '../../support/raw-dns.js';
import { acceptSilently, listen, neverAccepting, type Listener } from '../../support/tcp-servers.js';

let servers: Array<RawDns | Listener> = [];
const track = <T extends RawDns | Listener>(s: T): T => (servers.push(s), s);
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function raw(h: Parameters<typeof startRawDns>[0]): Promise<RawDns> {
  const s = await startRawDns(h);
  servers.push(s);
  return s;
}

function udpResolver(s: RawDns, replyWindowMs = 50): UdpResolver {
  return new UdpResolver(s.host, s.port, { replyWindowMs, retransmitMs: 200, tcpFallback: new DirectConnector() });
}

const opts = (ms = 2000) => ({ signal: AbortSignal.timeout(ms), origin: performance.now() });

/** A reply to `q` whose single A record has only `rdataBytes` of its 4 address bytes. */
function shortA(q: dnsPacket.DecodedPacket, rdlength: number, keep: number): Buffer {
  const full = answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '127.0.0.1' }]);
  // rdlength sits just before the 4 rdata bytes at the end of the packet.
  const out = Buffer.from(full.subarray(0, full.length - 4 + keep));
  out.writeUInt16BE(rdlength, full.length - 6);
  return out;
}

describe('UDP resolver against hostile servers', () => {
  it('refuses an A record with 2-byte rdata as dns_server_misbehaving, never as an address', async () => {
    const s = await raw({ udp: (q, _m, reply) => reply(shortA(q, 2, 2)) });
    const r = await udpResolver(s).query('bad.test', 'A', opts());
    expect(r.answers).toEqual([]);
    expect(r.failure).toBe('dns_server_misbehaving');
  });

  it('refuses an A record whose length runs past the end of the packet', async () => {
    const s = await raw({ udp: (q, _m, reply) => reply(shortA(q, 4, 2)) });
    const r = await udpResolver(s).query('bad.test', 'A', opts());
    expect(r.answers).toEqual([]);
    expect(r.failure).toBe('dns_server_misbehaving');
  });

  it('falls back to TCP when the UDP reply has TC set, and takes the TCP answer', async () => {
    const s = await raw({
      udp: (q, _m, reply) => reply(answer(q, [], dnsPacket.TRUNCATED_RESPONSE)),
      tcp: (q, sock) => sock.write(framed(answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.44' }]))),
    });
    const r = await udpResolver(s).query('big.test', 'A', opts());
    await repliesSettled(r);
    expect(r.failure).toBeNull();
    expect(r.answers.map((a) => a.value)).toEqual(['192.0.2.44']);
    expect(r.replies.map((x) => [x.truncated ?? false, x.transport ?? 'udp'])).toEqual([
      [true, 'udp'],
      [false, 'tcp'],
    ]);
  });

  it('bounds a TCP fallback that trickles a byte a second by the probe deadline', async () => {
    const s = await raw({
      udp: (q, _m, reply) => reply(answer(q, [], dnsPacket.TRUNCATED_RESPONSE)),
      tcp: (q, sock) => {
        const bytes = framed(answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.45' }]));
        let i = 0;
        const t = setInterval(() => (i < bytes.length && !sock.destroyed ? sock.write(bytes.subarray(i, ++i)) : clearInterval(t)), 1000);
        sock.on('close', () => clearInterval(t));
      },
    });
    const t0 = performance.now();
    const r = await udpResolver(s).query('trickle.test', 'A', opts(1500));
    // At the query's deadline, not before: the trickle's progress does not extend it.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1498);
    expect(r.failure).toBe('generic_timeout_error');
    expect(r.answers).toEqual([]);
  });

  it('accepts replies only from the queried address and port: a spoofed one is neither taken nor called injection', async () => {
    const s = await raw({
      udp: (q, _m, reply, from) => {
        s.spoofer.send(answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '203.0.113.9' }]), from.port, from.address);
        setTimeout(() => reply(answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.46' }])), 30);
      },
    });
    const r = await udpResolver(s, 100).query('spoofed.test', 'A', opts());
    await repliesSettled(r);
    expect(r.answers.map((a) => a.value)).toEqual(['192.0.2.46']);
    expect(r.replies).toHaveLength(1);
    expect(r.replies[0].from).toBe(`127.0.0.1:${s.port}`);
  });

  it('keeps a bounded number of replies from a flood and counts the rest', async () => {
    const s = await raw({
      udp: (q, _m, reply) => {
        for (let i = 0; i < 2000; i++) reply(answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: `192.0.2.${i % 250}` }]));
      },
    });
    const r = await udpResolver(s, 300).query('flood.test', 'A', opts());
    await repliesSettled(r);
    expect(r.replies.length).toBe(MAX_REPLIES_KEPT);
    expect(r.replies_dropped).toBeGreaterThan(100);
    expect(r.replies.length + (r.replies_dropped ?? 0)).toBeLessThanOrEqual(2000);
    expect(JSON.stringify(r).length).toBeLessThan(20_000);
  });
});

describe('DoH resolver against a server that accepts TCP and never speaks TLS', () => {
  it('answers every query by its deadline, even more queries than the pool has connections', async () => {
    const mute = await acceptSilently();
    servers.push(mute);
    const doh = new DohResolver(`https://127.0.0.1:${mute.port}/dns-query`, new DirectConnector(), []);
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => doh.query(`q${i}.test`, 'A', opts(3000))));
    const elapsed = performance.now() - t0;
    await doh.close();
    expect(rs.map((r) => r.failure)).toEqual(Array(6).fill('generic_timeout_error'));
    // Queries queued for one of the pool's 4 connections end at their own deadline, not after
    // a connection's: within one deadline and short of two (a margin no busy machine eats).
    expect(elapsed).toBeGreaterThanOrEqual(2998);
    expect(elapsed).toBeLessThan(6000);
  });
});

describe('UDP resolver against replies that must not be taken', () => {
  it('ignores a reply whose name is a compression pointer to itself, and reports dns_server_misbehaving at the deadline', async () => {
    const s = await raw({ udp: (q, _m, reply) => reply(pointerLoop(q)) });
    const t0 = performance.now();
    const r = await udpResolver(s).query('loop.test', 'A', opts(600));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(598);
    expect(r).toMatchObject({ failure: 'dns_server_misbehaving', answers: [], replies: [] });
  });

  it('takes the right reply after a flood of replies with the wrong id, keeping none of those', async () => {
    const s = await raw({
      udp: (q, _m, reply) => {
        const wrong = answer({ ...q, id: (q.id! + 1) & 0xffff }, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.66' }]);
        // In bursts of 50 a turn of the event loop, as a network paces them: the client reads between
        // bursts (sent all at once from this process, they would overflow its socket buffer instead).
        let left = 1000;
        const burst = (): void => {
          for (let i = 0; i < 50 && left > 0; i++, left--) reply(wrong);
          if (left > 0) setImmediate(burst);
          else reply(answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.47' }]));
        };
        burst();
      },
    });
    const r = await udpResolver(s).query('ids.test', 'A', opts());
    await repliesSettled(r);
    expect(r.failure).toBeNull();
    expect(r.answers.map((a) => a.value)).toEqual(['192.0.2.47']);
    expect(r.replies).toHaveLength(1);
  });

  it(`keeps ${MAX_ANSWERS_KEPT} of 500 answers (the TCP answer after TC), counting the rest`, async () => {
    const s = await raw({
      udp: (q, _m, reply) => reply(answer(q, [], dnsPacket.TRUNCATED_RESPONSE)),
      tcp: (q, sock) => sock.write(framed(manyAnswers(q, 500))),
    });
    const r = await udpResolver(s).query('wide.test', 'A', opts());
    await repliesSettled(r);
    expect(r.failure).toBeNull();
    expect(r.answers).toHaveLength(MAX_ANSWERS_KEPT);
    expect(r.replies[1]).toMatchObject({ transport: 'tcp', answers_dropped: 500 - MAX_ANSWERS_KEPT });
    expect(JSON.stringify(r).length).toBeLessThan(10_000);
  });

  it('reports a CNAME loop (a → b → a) as dns_no_answer in resolve: no address, and no chase', async () => {
    const s = await raw({
      udp: (q, _m, reply) =>
        reply(
          answer(q, [
            { type: 'CNAME', name: 'a.loop.test', ttl: 60, data: 'b.loop.test' },
            { type: 'CNAME', name: 'b.loop.test', ttl: 60, data: 'a.loop.test' },
          ]),
        ),
    });
    const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'a.loop.test' }, makeContext({ resolver: udpResolver(s), timeoutMs: 2000 }));
    expect(m).toMatchObject({ failure: 'dns_no_answer', operation: 'resolve' });
    expect(m.queries.map((q) => q.answers.map((a) => a.value))).toEqual([
      ['b.loop.test', 'a.loop.test'],
      ['b.loop.test', 'a.loop.test'],
    ]);
  });
});

describe('TCP resolver against hostile servers', () => {
  const tcpResolver = (port: number) => new TcpResolver('127.0.0.1', port, new DirectConnector());

  it('reports a compression-pointer loop as dns_server_misbehaving at once', async () => {
    const s = await raw({ udp: () => {}, tcp: (q, sock) => sock.write(framed(pointerLoop(q))) });
    const t0 = performance.now();
    const r = await tcpResolver(s.port).query('loop.test', 'A', opts(30_000));
    // The reply ended it, far from the 30 s deadline (however busy the machine).
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r).toMatchObject({ failure: 'dns_server_misbehaving', answers: [] });
  });

  it('keeps the first addresses of 500, so an engine connects at most that many times', async () => {
    // Addresses 127.0.1.x and 127.0.2.x: loopback, nothing listens, each connect is refused at once.
    const s = await raw({ udp: () => {}, tcp: (q, sock) => sock.write(framed(manyAnswers(q, 500))) });
    const ctx = makeContext({ resolver: tcpResolver(s.port), timeoutMs: 30_000 });
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: 'wide.test', port: 9 }, ctx);
    expect(m.queries.find((q) => q.query_type === 'A')?.answers).toHaveLength(MAX_ANSWERS_KEPT);
    expect(m.tcp_connect).toHaveLength(MAX_ANSWERS_KEPT);
    expect(m).toMatchObject({ failure: 'connection_refused', operation: 'connect' });
  });

  it('reports a server that accepts and never reads as generic_timeout_error at the deadline', async () => {
    const l = track(await listen((sock) => sock.pause()));
    const r = await tcpResolver(l.port).query('mute.test', 'A', opts(500));
    expect(r).toMatchObject({ failure: 'generic_timeout_error', rcode: null, replies: [] });
  });

  it('reports a server that never accepts as generic_timeout_error at the deadline', async () => {
    const l = await neverAccepting();
    await l.fill();
    track(l);
    const t0 = performance.now();
    const r = await tcpResolver(l.port).query('syn.test', 'A', opts(500));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(498);
    expect(r).toMatchObject({ failure: 'generic_timeout_error', rcode: null, replies: [] });
  });
});
