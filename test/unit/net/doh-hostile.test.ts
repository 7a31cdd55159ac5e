// DoH resolvers against hostile servers on loopback: wrong content type, 50 MB and endless bodies, slow heads and bodies, HTTP errors, 500 answers.
import dnsPacket from 'dns-packet';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectConnector } from '../../../src/net/connectors/index.js';
import { DohResolver } from '../../../src/net/resolvers/index.js';
import { DOH_REPLY_CAP } from '../../../src/net/resolvers/doh.js';
import { MAX_ANSWERS_KEPT } from '../../../src/net/resolvers/wire.js';
import { chunked, head, pump, rawHttpServer, trickle } from '../../support/hostile-servers.js';
import { growthDuring } from '../../support/memory.js';
import { manyAnswers } from '../../support/raw-dns.js';
import type { Listener } from '../../support/tcp-servers.js';
import { testPki } from '../../support/tls-servers.js';

const pki = testPki(['doh.test']);
const servers: Listener[] = [];
const resolvers: DohResolver[] = [];
afterAll(async () => {
  for (const r of resolvers) await r.close();
  for (const s of servers) await s.close();
});

const MB = 1024 * 1024;
const QUESTION: dnsPacket.DecodedPacket = { type: 'query', id: 0, flags: 0, questions: [{ type: 'A', name: 'app.test', class: 'IN' }] } as dnsPacket.DecodedPacket;
/** A good answer for app.test, id 0 as DoH asks. */
const GOOD = dnsPacket.encode({
  type: 'response',
  id: 0,
  flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
  questions: [{ type: 'A', name: 'app.test' }],
  answers: [{ type: 'A', name: 'app.test', ttl: 60, data: '192.0.2.80' }],
});

/** A DoH resolver asking a raw HTTPS server that answers as `onRequest` writes. */
async function doh(onRequest: Parameters<typeof rawHttpServer>[0]): Promise<DohResolver> {
  const l = await rawHttpServer(onRequest, pki.leaf);
  servers.push(l);
  const r = new DohResolver(`https://127.0.0.1:${l.port}/dns-query`, new DirectConnector(), [pki.ca.cert]);
  resolvers.push(r);
  return r;
}

/** A query; by default under a deadline no busy machine reaches, for answers whose end is not the deadline's doing. */
const ask = (r: DohResolver, ms = 30_000) => r.query('app.test', 'A', { signal: AbortSignal.timeout(ms), origin: performance.now() });

describe('DoH resolver against hostile servers', () => {
  it('takes a well-formed application/dns-message answer (the baseline the cases below break)', async () => {
    const r = await doh((s) => s.end(Buffer.concat([Buffer.from(head('HTTP/1.1 200 OK', ['content-type: application/dns-message', `content-length: ${GOOD.length}`])), GOOD])));
    const q = await ask(r);
    expect(q.failure).toBeNull();
    expect(q.answers.map((a) => a.value)).toEqual(['192.0.2.80']);
  });

  it('refuses a reply that is not application/dns-message, even when its bytes are a DNS answer', async () => {
    const r = await doh((s) => s.end(Buffer.concat([Buffer.from(head('HTTP/1.1 200 OK', ['content-type: text/html', `content-length: ${GOOD.length}`])), GOOD])));
    const q = await ask(r);
    expect(q).toMatchObject({ failure: 'dns_server_misbehaving', answers: [], replies: [] });
  });

  it('refuses a declared 50 MB body before reading it', async () => {
    let sent: Promise<number> = Promise.resolve(0);
    const r = await doh((s) => {
      s.write(head('HTTP/1.1 200 OK', ['content-type: application/dns-message', `content-length: ${50 * MB}`]));
      sent = pump(s, Buffer.alloc(65_536), 50 * MB);
    });
    const { result: q, peak } = await growthDuring(() => ask(r));
    expect(q).toMatchObject({ failure: 'dns_server_misbehaving', answers: [] });
    expect(peak).toBeLessThan(16 * MB);
    // The server stops once the client hangs up; what it wrote sits in socket buffers.
    expect(await sent).toBeLessThan(50 * MB);
  });

  it(`stops an endless chunked body at ${DOH_REPLY_CAP} bytes`, async () => {
    let sent: Promise<number> = Promise.resolve(0);
    const r = await doh((s) => {
      s.write(head('HTTP/1.1 200 OK', ['content-type: application/dns-message', 'transfer-encoding: chunked']));
      sent = pump(s, Buffer.alloc(16_384), Infinity, chunked);
    });
    const t0 = performance.now();
    const { result: q, peak, retained } = await growthDuring(() => ask(r));
    // The cap ended it, far from the deadline.
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(q).toMatchObject({ failure: 'dns_server_misbehaving', answers: [] });
    expect(await sent).toBeGreaterThan(DOH_REPLY_CAP);
    expect(peak).toBeLessThan(16 * MB);
    expect(retained).toBeLessThan(4 * MB);
  });

  it('ends a head sent a byte a second at the query deadline as generic_timeout_error', async () => {
    const r = await doh((s) => trickle(s, head('HTTP/1.1 200 OK', ['content-type: application/dns-message', `content-length: ${GOOD.length}`]), 1000));
    const t0 = performance.now();
    const q = await ask(r, 1200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1198);
    expect(q).toMatchObject({ failure: 'generic_timeout_error', rcode: null, replies: [] });
  });

  it('ends a body sent a byte a second at the query deadline as generic_timeout_error', async () => {
    const r = await doh((s) => {
      s.write(head('HTTP/1.1 200 OK', ['content-type: application/dns-message', `content-length: ${GOOD.length}`]));
      trickle(s, GOOD, 1000);
    });
    const t0 = performance.now();
    const q = await ask(r, 1200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1198);
    expect(q).toMatchObject({ failure: 'generic_timeout_error', rcode: null, replies: [] });
  });

  it('reports HTTP errors and redirects as dns_server_misbehaving, reading none of their bodies', async () => {
    for (const status of ['500 Internal Server Error', '404 Not Found', '403 Forbidden', '301 Moved Permanently', '429 Too Many Requests']) {
      const r = await doh((s) => {
        s.write(head(`HTTP/1.1 ${status}`, ['content-type: text/html', 'location: https://blocked.example/', 'transfer-encoding: chunked']));
        void pump(s, Buffer.alloc(16_384, 0x3c), Infinity, chunked);
      });
      const q = await ask(r);
      expect([status, q.failure]).toEqual([status, 'dns_server_misbehaving']);
    }
    const declared = await doh((s) => {
      s.write(head('HTTP/1.1 502 Bad Gateway', ['content-type: text/html', `content-length: ${10 * MB}`]));
      void pump(s, Buffer.alloc(65_536, 0x3c), 10 * MB);
    });
    expect((await ask(declared)).failure).toBe('dns_server_misbehaving');
  });

  it(`keeps ${MAX_ANSWERS_KEPT} of 500 answers, counting the rest`, async () => {
    const body = manyAnswers(QUESTION, 500);
    const r = await doh((s) => s.end(Buffer.concat([Buffer.from(head('HTTP/1.1 200 OK', ['content-type: application/dns-message', `content-length: ${body.length}`])), body])));
    const q = await ask(r);
    expect(q.failure).toBeNull();
    expect(q.answers).toHaveLength(MAX_ANSWERS_KEPT);
    expect(q.replies[0].answers_dropped).toBe(500 - MAX_ANSWERS_KEPT);
  });
});
