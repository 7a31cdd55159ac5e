// TLS servers at fault on loopback: garbage for a ServerHello, long and wide certificate chains, expired and wrong-name certificates.
import { randomBytes } from 'node:crypto';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SANS_KEPT } from '../../../src/engines/certs.js';
import { tlsEngine } from '../../../src/engines/tls.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { pump } from '../../support/hostile-servers.js';
import type { Leaf, TestCA } from '../../support/pki.js';
import { runCA } from '../../support/run-pki.js';
import { makeContext } from '../../support/probe-context.js';
import { roundOf, verdictLine } from '../../support/round.js';
import { listen, serve, type Listener } from '../../support/tcp-servers.js';

const ca = runCA();
const stranger = runCA('hostile root');
let dns: DnsServer;
const servers: Listener[] = [];

/** A TLS server presenting `leaf.chain` (leaf and intermediates). */
async function tlsServer(leaf: Leaf): Promise<Listener> {
  const server = createTlsServer({ cert: leaf.chain, key: leaf.key }, (s) => s.on('error', () => {}));
  server.on('tlsClientError', () => {});
  const l = await serve(server as never, '127.0.0.1');
  servers.push(l);
  return l;
}

/** `depth` intermediates below `root`, then a leaf for app.test: the server sends depth + 1 certificates. */
function deepChain(root: TestCA, depth: number): Leaf {
  let issuer = root;
  for (let i = 0; i < depth; i++) issuer = issuer.intermediate(`intermediate ${i + 1}`);
  return issuer.issue(['app.test'], { ips: ['127.0.0.1'] });
}

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
});
afterAll(async () => {
  for (const s of [dns, ...servers]) await s.close();
});

const ctx = (o: Parameters<typeof makeContext>[0] = {}) => makeContext({ dns, extraCA: [ca.cert], ...o });
const tlsTarget = (port: number) => ({ id: 't', kind: 'tls' as const, host: '127.0.0.1', port, sni: 'app.test' });

describe('a TLS server that answers the ClientHello with garbage', () => {
  it('fails the handshake as ssl_failed_handshake at once, for a few bytes of garbage', async () => {
    const l = await listen((s) => s.once('data', () => s.write(randomBytes(4096))));
    servers.push(l);
    const t0 = performance.now();
    const m = await tlsEngine(tlsTarget(l.port), ctx({ timeoutMs: 30_000 }));
    // The garbage ended it, far from the 30 s deadline (however busy the machine).
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(m).toMatchObject({ failure: 'ssl_failed_handshake', operation: 'tls_handshake' });
    expect(m.tls_handshakes).toHaveLength(1);
    expect(m.tls_handshakes[0]).toMatchObject({ failure: 'ssl_failed_handshake', validated: false, peer_certificates: [] });
  });

  it('stops reading an endless stream of garbage: the server is cut off after a few kilobytes', async () => {
    let sent: Promise<number> = Promise.resolve(0);
    const chunk = randomBytes(16_384);
    const l = await listen((s) => s.once('data', () => void (sent = pump(s, chunk))));
    servers.push(l);
    const m = await tlsEngine(tlsTarget(l.port), ctx({ timeoutMs: 5000 }));
    expect(m).toMatchObject({ failure: 'ssl_failed_handshake', operation: 'tls_handshake' });
    // What the server managed to write before the client went: socket buffers, not megabytes.
    expect(await sent).toBeLessThan(4 * 1024 * 1024);
  });

  it('is not ok in a round: a handshake broken after the ClientHello is tls.reset (an anomaly with no control vantage)', async () => {
    const l = await listen((s) => s.once('data', () => s.write(randomBytes(512))));
    servers.push(l);
    const r = await roundOf({ targets: `  - { id: t, kind: tls, host: 127.0.0.1, port: ${l.port}, sni: app.test }`, dnsPort: dns.port, ca: ca.cert });
    expect(verdictLine(r)).toBe('anomaly/tls.reset/ssl_failed_handshake/tls_handshake');
  });
});

describe('long and wide certificate chains', () => {
  it('a 20-certificate chain from an unknown root is ssl_unknown_authority, and at most 8 certificates are kept', { timeout: 60_000 }, async () => {
    const leaf = deepChain(stranger, 19);
    expect(leaf.chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(20);
    const l = await tlsServer(leaf);
    const m = await tlsEngine(tlsTarget(l.port), ctx());
    expect(m).toMatchObject({ failure: 'ssl_unknown_authority', operation: 'tls_handshake' });
    const certs = m.tls_handshakes[0].peer_certificates;
    expect(certs).toHaveLength(8);
    expect(certs[0].subject).toContain('CN=app.test');
    expect(certs[1].subject).toContain('CN=intermediate 19');
  });

  it('a 20-certificate chain up to a trusted root validates, and only its leaf is kept', { timeout: 60_000 }, async () => {
    const l = await tlsServer(deepChain(ca, 19));
    const m = await tlsEngine(tlsTarget(l.port), ctx());
    expect(m.failure).toBeNull();
    expect(m.tls_handshakes[0].validated).toBe(true);
    expect(m.tls_handshakes[0].peer_certificates).toHaveLength(1);
  });

  it(`a certificate naming 2,000 hosts keeps the first ${MAX_SANS_KEPT} of them`, async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `host-${i}.example.org`);
    const l = await tlsServer(stranger.issue(['app.test', ...names]));
    const m = await tlsEngine(tlsTarget(l.port), ctx());
    expect(m).toMatchObject({ failure: 'ssl_unknown_authority', operation: 'tls_handshake' });
    const san = m.tls_handshakes[0].peer_certificates[0].san;
    expect(san).toHaveLength(MAX_SANS_KEPT);
    expect(san.slice(0, 2)).toEqual(['app.test', 'host-0.example.org']);
  });
});

describe('certificates that do not validate', () => {
  it('an expired certificate is ssl_invalid_certificate, the chain recorded with its dates', async () => {
    const l = await tlsServer(ca.issue(['app.test'], { ips: ['127.0.0.1'], validity: { from: '20200101000000Z', to: '20200201000000Z' } }));
    const m = await tlsEngine(tlsTarget(l.port), ctx());
    expect(m).toMatchObject({ failure: 'ssl_invalid_certificate', operation: 'tls_handshake' });
    expect(m.tls_handshakes[0].peer_certificates[0].notAfter).toBe('2020-02-01T00:00:00.000Z');
  });

  it('an expired certificate is tls.mitm in a round (an anomaly with no control vantage)', async () => {
    const l = await tlsServer(ca.issue(['app.test'], { ips: ['127.0.0.1'], validity: { from: '20200101000000Z', to: '20200201000000Z' } }));
    const r = await roundOf({ targets: `  - { id: t, kind: tls, host: 127.0.0.1, port: ${l.port}, sni: app.test }`, dnsPort: dns.port, ca: ca.cert });
    expect(verdictLine(r)).toBe('anomaly/tls.mitm/ssl_invalid_certificate/tls_handshake');
  });

  it('a certificate for another name is tls.mitm in a round, and no request is sent over it', async () => {
    let requests = 0;
    const leaf = ca.issue(['other.test'], { ips: ['127.0.0.2'] });
    const server = createTlsServer({ cert: leaf.chain, key: leaf.key }, (s) => {
      s.on('error', () => {});
      s.on('data', () => requests++);
    });
    server.on('tlsClientError', () => {});
    const l = await serve(server as never, '127.0.0.1');
    servers.push(l);
    const r = await roundOf({ targets: `  - { id: w, kind: https, url: "https://127.0.0.1:${l.port}/" }`, dnsPort: dns.port, ca: ca.cert });
    expect(verdictLine(r)).toBe('anomaly/tls.mitm/ssl_invalid_hostname/tls_handshake');
    expect(requests).toBe(0);
  });
});
