// The https engine: resolve, connect, TLS and GET against loopback HTTPS servers; redirects, caps, stalls, throughput.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { httpsEngine, MAX_REDIRECTS, TOO_MANY_REDIRECTS } from '../../../src/engines/https.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { listen, type Listener } from '../../support/tcp-servers.js';
import { pages, startHttpServer, startHttpsServer, testPki, type Running } from '../../support/tls-servers.js';

const pki = testPki(['app.test', 'other.test']);
let dns: DnsServer;
let web: Running;
let plain: Running;
let resetter: Listener;
/** Called when the HTTPS server has a request (fromRequest arms it). */
let onRequest: (() => void) | null = null;

beforeAll(async () => {
  dns = await startDnsServer((name) =>
    name.endsWith('.test') && name !== 'nx.test' ? { kind: 'answer', a: ['127.0.0.1'] } : { kind: 'rcode', rcode: 'NXDOMAIN' },
  );
  web = await startHttpsServer(pki.leaf, (req, res) => {
    onRequest?.();
    pages(req, res);
  });
  plain = await startHttpServer(pages);
  resetter = await listen((s) => s.once('data', () => s.resetAndDestroy()));
});
afterAll(async () => {
  for (const s of [dns, web, plain, resetter]) await s.close();
});

const ctx = (o: Parameters<typeof makeContext>[0] = {}) => makeContext({ dns, extraCA: [pki.ca.cert], ...o });
/**
 * A probe deadline of `ms` that starts once the server has the request, so that what it ends
 * is the wait for the response however long a loaded machine took to get there (a guard of
 * 60 s for the rest). It aborts as AbortSignal.timeout does, with a TimeoutError.
 */
function fromRequest(ms: number): AbortSignal {
  const ac = new AbortController();
  onRequest = () => {
    onRequest = null;
    setTimeout(() => ac.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
  };
  return AbortSignal.any([ac.signal, AbortSignal.timeout(60_000)]);
}
const target = (path: string, extra: object = {}) => ({ id: 'w', kind: 'https' as const, url: `https://app.test:${web.port}${path}`, ...extra });

describe('https engine', () => {
  it('walks every step and records the response', async () => {
    const m = await httpsEngine(target('/'), ctx());
    expect(m.failure).toBeNull();
    expect(m.queries.map((q) => q.query_type)).toEqual(['A', 'AAAA']);
    expect(m.tcp_connect[0].status.success).toBe(true);
    expect(m.tls_handshakes[0]).toMatchObject({ validated: true, negotiated_protocol: 'http/1.1' });
    const body = '<html><head><title>Hello app</title></head><body>fine</body></html>';
    expect(m.requests[0].response).toMatchObject({
      code: 200,
      title: 'Hello app',
      body_length: body.length,
      body_is_truncated: false,
      body_sha256: createHash('sha256').update(body).digest('hex'),
      body_sample: body,
    });
    expect(m.requests[0].response?.headers['x-test']).toBe('yes');
    for (const k of ['dns', 'connect', 'tls', 'ttfb', 'total'] as const) expect(m.timings[k]).toBeGreaterThan(0);
  });

  it('records a 451 as a response, not a failure', async () => {
    const m = await httpsEngine(target('/451'), ctx());
    expect(m.failure).toBeNull();
    expect(m.requests[0].response?.code).toBe(451);
  });

  it('follows a redirect to another host, each hop with its own resolve, connect and TLS', async () => {
    const m = await httpsEngine(target(`/redirect?to=${encodeURIComponent(`https://other.test:${web.port}/`)}`), ctx());
    expect(m.requests.map((r) => [r.request.url, r.response?.code])).toEqual([
      [`https://app.test:${web.port}/redirect?to=${encodeURIComponent(`https://other.test:${web.port}/`)}`, 302],
      [`https://other.test:${web.port}/`, 200],
    ]);
    expect(m.queries.map((q) => q.hostname)).toEqual(['app.test', 'app.test', 'other.test', 'other.test']);
    expect(m.tls_handshakes.map((h) => h.server_name)).toEqual(['app.test', 'other.test']);
  });

  it('follows a redirect to plain http (as blockpages do)', async () => {
    const m = await httpsEngine(target(`/redirect?to=${encodeURIComponent(`http://warning.test:${plain.port}/451`)}`), ctx());
    expect(m.requests[1]).toMatchObject({ request: { url: `http://warning.test:${plain.port}/451` }, response: { code: 451 } });
    expect(m.tls_handshakes).toHaveLength(1);
  });

  it(`stops after ${MAX_REDIRECTS} redirects and fails: a loop never reaches a final response`, async () => {
    const m = await httpsEngine(target('/loop'), ctx());
    expect(m.requests).toHaveLength(MAX_REDIRECTS + 1);
    expect(m.requests.every((r) => r.response?.code === 302)).toBe(true);
    expect(m.failure).toBe(TOO_MANY_REDIRECTS);
    expect(m.operation).toBe('http_round_trip');
  });

  it('reads the body only up to the cap and marks it truncated', async () => {
    const m = await httpsEngine(target('/big?n=1000000'), ctx({ bodyBytes: 10_000 }));
    expect(m.requests[0].response).toMatchObject({ body_length: 10_000, body_is_truncated: true });
    expect(m.requests[0].response?.body_sha256).toBe(createHash('sha256').update(Buffer.alloc(10_000, 0x62)).digest('hex'));
  });

  it('measures throughput over transfer.bytes, past the body cap', async () => {
    const m = await httpsEngine(target('/big?n=300000', { transfer: { bytes: 200_000 } }), ctx({ bodyBytes: 1000 }));
    expect(m.transfer).toMatchObject({ bytes: 200_000, complete: true });
    expect(m.transfer!.bitsPerSecond).toBeGreaterThan(0);
    expect(m.requests[0].response?.body_length).toBe(1000);
  });

  it('records an incomplete transfer when the body ends early', async () => {
    const m = await httpsEngine(target('/big?n=150000', { transfer: { bytes: 200_000 } }), ctx());
    expect(m.transfer).toMatchObject({ bytes: 150_000, complete: false });
  });

  it('fails with generic_timeout_error in http_round_trip when the server never answers', async () => {
    const m = await httpsEngine(target('/stall'), ctx({ signal: fromRequest(300) }));
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'http_round_trip' });
    expect(m.requests[0]).toMatchObject({ response: null, failure: 'generic_timeout_error' });
  });

  it('fails with generic_timeout_error in read when the body stalls, keeping what arrived', async () => {
    const m = await httpsEngine(target('/stall-body'), ctx({ signal: fromRequest(300) }));
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'read' });
    expect(m.requests[0].response).toMatchObject({ code: 200, body_length: 1000 });
  });

  it('ends a body read that stalls for limits.stall as stalled, before the deadline, with the bytes the connection carried', async () => {
    const t0 = performance.now();
    const m = await httpsEngine(target('/stall-body?n=15000'), ctx({ timeoutMs: 30_000, stallMs: 200 }));
    // The stall ended it, far from the 30 s deadline (however busy the machine).
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'read' });
    const res = m.requests[0].response!;
    expect(res).toMatchObject({ code: 200, body_length: 15_000, stalled: true });
    // Handshake, headers and body as they crossed the wire: more than the body alone.
    expect(res.wire_bytes).toBeGreaterThan(15_000);
    expect(res.wire_bytes).toBeLessThan(25_000);
  });

  it('does not call a slow transfer that keeps moving stalled', async () => {
    // A byte every 100 ms against a 1.5 s stall limit: a busy machine that delays one write by
    // more than a second would make a stall of it, which this is not.
    const m = await httpsEngine(target('/trickle?n=8&every=100'), ctx({ timeoutMs: 30_000, stallMs: 1500 }));
    expect(m.failure).toBeNull();
    expect(m.requests[0].response).toMatchObject({ body_length: 8 });
    expect(m.requests[0].response?.stalled).toBeUndefined();
  });

  it('fails with connection_reset when the server resets after the request', async () => {
    // A plain-HTTP URL: resetting a TLS server's socket from Node is not possible.
    const m = await httpsEngine({ id: 'w', kind: 'https', url: `http://app.test:${plain.port}/reset` }, ctx());
    expect(m).toMatchObject({ failure: 'connection_reset', operation: 'http_round_trip' });
  });

  it('stops at a certificate that does not validate and sends no request', async () => {
    const m = await httpsEngine(target('/'), ctx({ extraCA: [] }));
    expect(m).toMatchObject({ failure: 'ssl_unknown_authority', operation: 'tls_handshake', requests: [] });
  });

  it('fails with connection_reset in tls_handshake when the ClientHello is answered with a reset', async () => {
    const m = await httpsEngine({ id: 'w', kind: 'https', url: `https://app.test:${resetter.port}/` }, ctx());
    expect(m).toMatchObject({ failure: 'connection_reset', operation: 'tls_handshake' });
  });

  it('fails in resolve for a name that does not exist', async () => {
    const m = await httpsEngine({ id: 'w', kind: 'https', url: `https://nx.test:${web.port}/` }, ctx());
    expect(m).toMatchObject({ failure: 'dns_nxdomain_error', operation: 'resolve', tcp_connect: [] });
  });

  it('ends with interrupted when the probe is shut down', async () => {
    const ac = new AbortController();
    const p = httpsEngine(target('/stall'), ctx({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 100);
    const m = await p;
    expect(m).toMatchObject({ failure: 'interrupted' });
  });
});
