// Resolvers against hostile DNS servers on loopback: bad rdata, TC set, spoofed sources, reply floods, a DoH server that never speaks TLS.
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectConnector } from '../../../src/net/connectors/index.js';
import { DohResolver, UdpResolver } from '../../../src/net/resolvers/index.js';
import { repliesSettled, MAX_REPLIES_KEPT } from '../../../src/net/resolvers/udp.js';
import { answer, framed, startRawDns, type RawDns } from '../../support/raw-dns.js';
import { acceptSilently, type Listener } from '../../support/tcp-servers.js';

let servers: Array<RawDns | Listener> = [];
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
    expect(performance.now() - t0).toBeLessThan(2500);
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
    const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => doh.query(`q${i}.test`, 'A', opts(1000))));
    const elapsed = performance.now() - t0;
    await doh.close();
    expect(rs.map((r) => r.failure)).toEqual(Array(6).fill('generic_timeout_error'));
    expect(elapsed).toBeLessThan(2000);
  });
});
