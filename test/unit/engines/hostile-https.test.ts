// HTTPS servers at fault on loopback: oversized and trickled heads, an invalid status line, a gzip bomb, an endless body, a server that never reads.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsEngine } from '../../../src/engines/https.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { chunked, gzipBomb, head, pump, rawHttpServer, trickle } from '../../support/hostile-servers.js';
import { growthDuring } from '../../support/memory.js';
import { makeContext } from '../../support/probe-context.js';
import { roundOf, verdictLine } from '../../support/round.js';
import { listen, type Listener } from '../../support/tcp-servers.js';
import { testPki } from '../../support/tls-servers.js';

const pki = testPki(['app.test']);
let dns: DnsServer;
const servers: Listener[] = [];

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
});
afterAll(async () => {
  for (const s of [dns, ...servers]) await s.close();
});

async function https(onRequest: Parameters<typeof rawHttpServer>[0]): Promise<Listener> {
  const l = await rawHttpServer(onRequest, pki.leaf);
  servers.push(l);
  return l;
}

const ctx = (o: Parameters<typeof makeContext>[0] = {}) => makeContext({ dns, extraCA: [pki.ca.cert], ...o });
const target = (port: number, extra: object = {}) => ({ id: 'w', kind: 'https' as const, url: `https://app.test:${port}/`, ...extra });
const MB = 1024 * 1024;

describe('response heads a client must not swallow', () => {
  it('1 MB of headers fails as http_request_failed in http_round_trip, keeping none of them', async () => {
    const l = await https((s) => {
      s.write('HTTP/1.1 200 OK\r\n');
      // One header line after another, 1 MB in all, never the blank line that ends the head.
      void pump(s, Buffer.from(`x-filler: ${'a'.repeat(1014)}\r\n`), MB);
    });
    const { result: m, peak } = await growthDuring(() => httpsEngine(target(l.port), ctx()));
    expect(m).toMatchObject({ failure: 'http_request_failed', operation: 'http_round_trip' });
    expect(m.requests[0]).toMatchObject({ response: null, failure: 'http_request_failed' });
    expect(peak).toBeLessThan(8 * MB);
  });

  it('10,000 headers fail as http_request_failed in http_round_trip', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `x-h${i}: v`);
    const l = await https((s) => s.end(head('HTTP/1.1 200 OK', [...lines, 'content-length: 0'])));
    const m = await httpsEngine(target(l.port), ctx());
    expect(m).toMatchObject({ failure: 'http_request_failed', operation: 'http_round_trip' });
  });

  it('headers at a byte a second end at the probe deadline as generic_timeout_error in http_round_trip', async () => {
    const l = await https((s) => trickle(s, head('HTTP/1.1 200 OK', ['content-length: 2']) + 'ok', 1000));
    const t0 = performance.now();
    const m = await httpsEngine(target(l.port), ctx({ timeoutMs: 1500 }));
    // At the deadline, not before: each byte is progress, but the deadline is the probe's, not an idle timer's.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1498);
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'http_round_trip' });
    expect(m.requests[0].response).toBeNull();
  });

  it('an invalid status line fails as http_request_failed in http_round_trip', async () => {
    const l = await https((s) => s.end('HTTP/1.1 2OO Fine\r\ncontent-length: 0\r\n\r\n'));
    const m = await httpsEngine(target(l.port), ctx());
    expect(m).toMatchObject({ failure: 'http_request_failed', operation: 'http_round_trip' });
  });

  it('101 Switching Protocols to a plain GET fails as http_request_failed in http_round_trip, not as an unknown failure', async () => {
    const s = await https((sock) => sock.write('HTTP/1.1 101 Whatever\r\ncontent-length: 0\r\n\r\n'));
    const m = await httpsEngine(target(s.port), ctx({ timeoutMs: 1000 }));
    expect([m.failure, m.operation]).toEqual(['http_request_failed', 'http_round_trip']);
  });

  it('a response that is no HTTP at all fails as http_request_failed, and is not ok in a round', async () => {
    const l = await https((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    const r = await roundOf({ targets: `  - { id: w, kind: https, url: "https://127.0.0.1:${l.port}/" }`, dnsPort: dns.port, ca: pki.ca.cert });
    expect(verdictLine(r)).toBe('anomaly/http.reset/http_request_failed/http_round_trip');
  });
});

describe('bodies a client must not keep', () => {
  it('never inflates a gzip bomb: keeps the first bodyBytes of the compressed bytes as they came', async () => {
    const bomb = await gzipBomb(256 * MB);
    expect(bomb.length).toBeLessThan(MB);
    const l = await https((s) => {
      s.write(head('HTTP/1.1 200 OK', ['content-type: text/html', 'content-encoding: gzip', `content-length: ${bomb.length}`]));
      s.end(bomb);
    });
    const { result: m, peak, retained } = await growthDuring(() => httpsEngine(target(l.port), ctx({ bodyBytes: 16_384 })));
    expect(m.failure).toBeNull();
    const res = m.requests[0].response!;
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res).toMatchObject({ code: 200, body_length: 16_384, body_is_truncated: true });
    expect(res.body_sha256).toBe(createHash('sha256').update(bomb.subarray(0, 16_384)).digest('hex'));
    // Inflating even a little of 256 MB would show here.
    expect(peak).toBeLessThan(16 * MB);
    expect(retained).toBeLessThan(4 * MB);
  });

  it('reads an endless chunked body only to bodyBytes and hangs up: the server writes a bounded amount', async () => {
    let sent: Promise<number> = Promise.resolve(0);
    const l = await https((s) => {
      s.write(head('HTTP/1.1 200 OK', ['content-type: application/octet-stream', 'transfer-encoding: chunked']));
      sent = pump(s, Buffer.alloc(16_384, 0x61), Infinity, chunked);
    });
    const { result: m, peak, retained } = await growthDuring(() => httpsEngine(target(l.port), ctx({ bodyBytes: 65_536 })));
    expect(m.failure).toBeNull();
    expect(m.requests[0].response).toMatchObject({ code: 200, body_length: 65_536, body_is_truncated: true });
    // The pump ends only because the client hung up; what it wrote sits in socket buffers (tcp_rmem and tcp_wmem), not in the probe.
    expect(await sent).toBeLessThan(40 * MB);
    expect(peak).toBeLessThan(16 * MB);
    expect(retained).toBeLessThan(4 * MB);
  });

  it('an endless body under a throughput check reads transfer.bytes, then stops', async () => {
    let sent: Promise<number> = Promise.resolve(0);
    const l = await https((s) => {
      s.write(head('HTTP/1.1 200 OK', ['transfer-encoding: chunked']));
      sent = pump(s, Buffer.alloc(16_384, 0x62), Infinity, chunked);
    });
    const m = await httpsEngine(target(l.port, { transfer: { bytes: 200_000 } }), ctx({ bodyBytes: 4096 }));
    expect(m.failure).toBeNull();
    expect(m.transfer).toMatchObject({ bytes: 200_000, complete: true });
    expect(m.requests[0].response?.body_length).toBe(4096);
    // The pump ends only because the client hung up; what it wrote sits in socket buffers (tcp_rmem and tcp_wmem), not in the probe.
    expect(await sent).toBeLessThan(40 * MB);
  });
});

describe('servers that accept and then do nothing', () => {
  it('a server that accepts and never reads ends at the deadline as generic_timeout_error in tls_handshake', async () => {
    const l = await listen((s) => s.pause());
    servers.push(l);
    const t0 = performance.now();
    const m = await httpsEngine(target(l.port), ctx({ timeoutMs: 800 }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(798);
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'tls_handshake' });
    expect(m.tcp_connect[0].status.success).toBe(true);
  });
});
