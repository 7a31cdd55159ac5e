// The direct dial (the TLS socket opens its own connection) records what the wrapped dial (the
// connector's socket, wrapped) records, against every kind of peer: same failures, operations,
// connect and handshake records; and it counts the wire's bytes as the wrapped socket does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsEngine } from '../../../src/engines/https.js';
import { tlsEngine } from '../../../src/engines/tls.js';
import { connectTlsDirect, directTls } from '../../../src/engines/tls-direct.js';
import type { Measurement } from '../../../src/model/index.js';
import { DirectConnector } from '../../../src/net/connectors/index.js';
import type { Connector } from '../../../src/net/types.js';
import { runCA } from '../../support/run-pki.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { acceptSilently, closedPort, closeOnData, listen, resetOnAccept, resetOnData, type Listener } from '../../support/tcp-servers.js';
import { pages, startHttpsServer, startTlsServer, testPki, type Running } from '../../support/tls-servers.js';

const pki = testPki(['app.test']);
const stranger = runCA('untrusted CA');
let dns: DnsServer;
let good: Running;
let web: Running;
let wrongName: Running;
let untrusted: Running;
let resetting: Listener;
let resetAtOnce: Listener;
let closing: Listener;
let silent: Listener;
let garbage: Listener;
let refused: number;

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
  good = await startTlsServer(pki.leaf);
  web = await startHttpsServer(pki.leaf, pages);
  wrongName = await startTlsServer(pki.ca.issue(['other.test'], { ips: [] }));
  untrusted = await startTlsServer(stranger.issue(['app.test'], { ips: ['127.0.0.1'] }));
  resetting = await resetOnData();
  resetAtOnce = await resetOnAccept();
  closing = await closeOnData();
  silent = await acceptSilently();
  garbage = await listen((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
  refused = await closedPort();
});
afterAll(async () => {
  for (const s of [dns, good, web, wrongName, untrusted, resetting, resetAtOnce, closing, silent, garbage]) await s.close();
});

/** A connector that opens the same plain connection but does not say so: the engines wrap its socket. */
const wrapping = (): Connector => {
  const d = new DirectConnector();
  return { describe: 'wrapped', connect: (ip, port, o) => d.connect(ip, port, o) };
};

/** What the two dials must agree on (times differ). */
function shape(m: Measurement): unknown {
  return {
    failure: m.failure,
    operation: m.operation,
    connects: m.tcp_connect.map((c) => ({ ip: c.ip, port: c.port, status: c.status })),
    handshakes: m.tls_handshakes.map((h) => ({ ...h, t0: undefined, t: undefined })),
    requests: m.requests.map((r) => ({ failure: r.failure, code: r.response?.code ?? null, length: r.response?.body_length ?? null })),
  };
}

const both = async (run: (connector: Connector) => Promise<Measurement>): Promise<[unknown, unknown]> => [shape(await run(new DirectConnector())), shape(await run(wrapping()))];
const ctx = (connector: Connector, timeoutMs = 3000) => makeContext({ dns, connector, extraCA: [pki.ca.cert], timeoutMs });
const tlsTo = (port: number, host = 'app.test') => (c: Connector) => tlsEngine({ id: 't', kind: 'tls', host, port }, ctx(c));

describe('the direct dial records what the wrapped dial records', () => {
  it('uses the direct dial for a direct connector, and not for one that only connects', () => {
    expect(directTls(ctx(new DirectConnector()))).toBe(true);
    expect(directTls(ctx(wrapping()))).toBe(false);
  });

  it.each([
    ['a validated handshake', () => good.port, 'app.test'],
    ['a certificate for another name', () => wrongName.port, 'app.test'],
    ['an untrusted certificate', () => untrusted.port, 'app.test'],
    ['a handshake by address (checked against IP SANs)', () => good.port, '127.0.0.1'],
    ['a reset answering the ClientHello', () => resetting.port, 'app.test'],
    ['a reset as the connection is accepted', () => resetAtOnce.port, 'app.test'],
    ['a close answering the ClientHello', () => closing.port, 'app.test'],
    ['plain text answering the ClientHello', () => garbage.port, 'app.test'],
    ['a refused connection', () => refused, 'app.test'],
  ])('%s', async (_name, port, host) => {
    const [direct, wrapped] = await both(tlsTo(port(), host));
    expect(direct).toEqual(wrapped);
  });

  it('a server that never answers the ClientHello: both end at the deadline, in the handshake', async () => {
    const [direct, wrapped] = await both((c) => tlsEngine({ id: 't', kind: 'tls', host: 'app.test', port: silent.port }, ctx(c, 400)));
    expect(direct).toEqual(wrapped);
    expect(direct).toMatchObject({ failure: 'generic_timeout_error', operation: 'tls_handshake' });
  });

  it('an https exchange: the same response, and the wire counted under the TLS socket', async () => {
    const target = { id: 'w', kind: 'https' as const, url: `https://127.0.0.1:${web.port}/` };
    const direct = await httpsEngine(target, ctx(new DirectConnector()));
    const wrapped = await httpsEngine(target, ctx(wrapping()));
    expect(shape(direct)).toEqual(shape(wrapped));
    expect(direct.failure).toBeNull();
    // The wire carries the records: more than the body, and the same count either way but for
    // what differs between two of the server's connections (a byte or two of its flight).
    const wire = direct.requests[0].response!.wire_bytes!;
    expect(wire).toBeGreaterThan(direct.requests[0].response!.body_length + 1000);
    expect(Math.abs(wire - wrapped.requests[0].response!.wire_bytes!)).toBeLessThanOrEqual(8);
  });

  it('keeps the wire count once the socket is closed', async () => {
    const c = ctx(new DirectConnector());
    const r = await connectTlsDirect('127.0.0.1', good.port, 'app.test', [], undefined, c, performance.now());
    const hs = r!.handshake!;
    expect(hs.record.validated).toBe(true);
    const before = hs.wire!.bytesRead;
    // The server's flight: at least its certificate.
    expect(before).toBeGreaterThan(500);
    hs.tlsSocket!.destroy();
    await new Promise((resolve) => hs.tlsSocket!.once('close', resolve));
    expect(hs.wire!.bytesRead).toBe(before);
  });
});
