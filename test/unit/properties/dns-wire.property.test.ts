// Properties of the DNS parsers over untrusted bytes: the wire decoder, the TCP framing reader, and the UDP, TCP and DoH resolvers fed by hostile servers.
import { isIPv4, isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsEngine } from '../../../src/engines/dns.js';
import { DirectConnector } from '../../../src/net/connectors/index.js';
import { NetError, toFailure } from '../../../src/net/errors.js';
import { DohResolver, TcpResolver, UdpResolver } from '../../../src/net/resolvers/index.js';
import { readFramed, TCP_REPLY_CAP } from '../../../src/net/resolvers/tcp.js';
import { MAX_REPLIES_KEPT, repliesSettled } from '../../../src/net/resolvers/udp.js';
import { decodeReply, MAX_ANSWERS_KEPT } from '../../../src/net/resolvers/wire.js';
import { buildReply, isNamedFailure, mutation, mutate, replySpec, type ReplySpec } from '../../support/arbitrary.js';
import { head, rawHttpServer } from '../../support/hostile-servers.js';
import { makeContext } from '../../support/probe-context.js';
import { framed, startRawDns, type RawDns } from '../../support/raw-dns.js';
import { listen, type Listener } from '../../support/tcp-servers.js';
import { testPki } from '../../support/tls-servers.js';

/** A real reply to mutate: every record type the decoder validates. */
const REAL = dnsPacket.encode({
  type: 'response',
  id: 4242,
  flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
  questions: [{ type: 'A', name: 'app.test' }],
  answers: [
    { type: 'CNAME', name: 'app.test', ttl: 60, data: 'edge.app.test' },
    { type: 'A', name: 'edge.app.test', ttl: 60, data: '192.0.2.1' },
    { type: 'AAAA', name: 'edge.app.test', ttl: 60, data: '2001:db8::1' },
    { type: 'TXT', name: 'edge.app.test', ttl: 60, data: 'v=spf1 -all' },
  ],
});

/** What the decoder may do with any bytes: return a reply whose every answer is valid and bounded, or throw dns_server_misbehaving. */
function checkDecode(buf: Buffer): void {
  let r: ReturnType<typeof decodeReply>;
  try {
    r = decodeReply(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(NetError);
    expect((err as NetError).failure).toBe('dns_server_misbehaving');
    return;
  }
  expect(r.answers.length).toBeLessThanOrEqual(MAX_ANSWERS_KEPT);
  expect(r.answersDropped).toBeGreaterThanOrEqual(0);
  for (const a of r.answers) {
    if (a.answer_type === 'A') expect(isIPv4(a.value)).toBe(true);
    else if (a.answer_type === 'AAAA') expect(isIPv6(a.value)).toBe(true);
    else expect(a.value.length).toBeGreaterThan(0);
  }
}

describe('decodeReply', () => {
  it('never throws anything but dns_server_misbehaving, and keeps only valid, bounded answers, for random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => checkDecode(Buffer.from(bytes))), { numRuns: 3000 });
  });

  it('… for real replies with bytes flipped, cut short or padded', () => {
    fc.assert(fc.property(mutation, (m) => checkDecode(mutate(REAL, m))), { numRuns: 3000 });
  });

  it('… for replies a hostile resolver builds: many answers, any rcode, TC, then bent', () => {
    const q = dnsPacket.decode(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'app.test' }] }));
    fc.assert(fc.property(replySpec, (spec) => checkDecode(buildReply(spec, q))), { numRuns: 2000 });
  });
});

describe('readFramed (DNS over TCP framing)', () => {
  let server: Listener;
  /** What the server sends on the next connection: chunks, then close or hold. */
  let script: { chunks: Uint8Array[]; close: boolean } = { chunks: [], close: true };
  beforeAll(async () => {
    server = await listen((s) => {
      for (const c of script.chunks) s.write(c);
      if (script.close) s.end();
    });
  });
  afterAll(() => server.close());

  it('yields at most the declared length (never more than 65,535 bytes), or rejects with a named failure; never hangs past the signal', async () => {
    const chunks = fc.oneof(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }),
      // A length prefix that lies about what follows.
      fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 600 })).map(([n, body]) => {
        const h = Buffer.alloc(2);
        h.writeUInt16BE(n);
        return [h, body];
      }),
    );
    await fc.assert(
      fc.asyncProperty(chunks, fc.boolean(), async (cs, close) => {
        script = { chunks: cs, close };
        const sock = await new DirectConnector().connect('127.0.0.1', server.port, { signal: AbortSignal.timeout(1000) });
        try {
          const buf = await readFramed(sock, AbortSignal.timeout(100));
          const all = Buffer.concat(cs);
          expect(buf.length).toBe(all.readUInt16BE(0));
          expect(buf.length).toBeLessThanOrEqual(TCP_REPLY_CAP);
        } catch (err) {
          const f = toFailure(err, 'resolve').failure;
          expect(['eof_error', 'dns_server_misbehaving', 'generic_timeout_error', 'connection_reset']).toContain(f);
        } finally {
          sock.destroy();
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('resolvers fed arbitrary replies by hostile servers', () => {
  let spec: ReplySpec = { kind: 'bytes', bytes: new Uint8Array(), keepId: false };
  let dns: RawDns;
  let doh: Listener;
  const pki = testPki(['doh.test']);
  beforeAll(async () => {
    dns = await startRawDns({
      udp: (q, _m, reply) => reply(buildReply(spec, q)),
      tcp: (q, sock) => sock.end(framed(buildReply(spec, q))),
    });
    // DoH asks with id 0 and a real question; the server answers with the spec's bytes.
    doh = await rawHttpServer((s) => {
      const q = dnsPacket.decode(dnsPacket.encode({ type: 'query', id: 0, questions: [{ type: 'A', name: 'app.test' }] }));
      const body = buildReply(spec, q);
      s.end(Buffer.concat([Buffer.from(head('HTTP/1.1 200 OK', ['content-type: application/dns-message', `content-length: ${body.length}`])), body]));
    }, pki.leaf);
  });
  afterAll(async () => {
    await dns.close();
    await doh.close();
  });

  /** A query ends with a named failure or a validated answer, keeps bounded replies and answers, and never throws. */
  const check = (q: Awaited<ReturnType<UdpResolver['query']>>): void => {
    expect(isNamedFailure(q.failure)).toBe(true);
    expect(q.replies.length).toBeLessThanOrEqual(MAX_REPLIES_KEPT);
    expect(q.answers.length).toBeLessThanOrEqual(MAX_ANSWERS_KEPT);
    for (const a of q.answers) if (a.answer_type !== 'CNAME') expect(isIPv4(a.value) || isIPv6(a.value)).toBe(true);
    if (q.failure === null) expect(q.answers.some((a) => a.answer_type === q.query_type)).toBe(true);
    expect(JSON.stringify(q).length).toBeLessThan(32_000);
  };
  const opts = () => ({ signal: AbortSignal.timeout(200), origin: performance.now() });

  it('UDP (with its TCP fallback after TC)', async () => {
    const udp = new UdpResolver(dns.host, dns.port, { replyWindowMs: 0, retransmitMs: 1000, tcpFallback: new DirectConnector() });
    await fc.assert(
      fc.asyncProperty(replySpec, async (s) => {
        spec = s;
        const q = await udp.query('app.test', 'A', opts());
        await repliesSettled(q);
        check(q);
      }),
      { numRuns: 40 },
    );
  });

  it('TCP', async () => {
    const tcp = new TcpResolver(dns.host, dns.port, new DirectConnector());
    await fc.assert(
      fc.asyncProperty(replySpec, async (s) => {
        spec = s;
        check(await tcp.query('app.test', 'A', opts()));
      }),
      { numRuns: 120 },
    );
  });

  it('DoH', async () => {
    const r = new DohResolver(`https://127.0.0.1:${doh.port}/dns-query`, new DirectConnector(), [pki.ca.cert]);
    try {
      await fc.assert(
        fc.asyncProperty(replySpec, async (s) => {
          spec = s;
          check(await r.query('app.test', 'A', { signal: AbortSignal.timeout(2000), origin: performance.now() }));
        }),
        { numRuns: 80 },
      );
    } finally {
      await r.close();
    }
  });

  it('the dns engine returns a measurement with a named failure (or none), whatever the resolver heard', async () => {
    const udp = new UdpResolver(dns.host, dns.port, { replyWindowMs: 0, retransmitMs: 1000, tcpFallback: new DirectConnector() });
    await fc.assert(
      fc.asyncProperty(replySpec, async (s) => {
        spec = s;
        const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'app.test', queryTypes: ['A'] }, makeContext({ resolver: udp, timeoutMs: 200 }));
        expect(isNamedFailure(m.failure)).toBe(true);
        if (m.failure !== null) expect(m.operation).toBe('resolve');
      }),
      { numRuns: 25 },
    );
  });
});
