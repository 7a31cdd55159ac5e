// The tls engine and tlsStep: handshakes against test-CA, wrong-name, untrusted, resetting and closing servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStep, tlsStep } from '../../../src/engines/steps.js';
import { tlsEngine } from '../../../src/engines/tls.js';
import { runCA } from '../../support/run-pki.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { closeOnData, listen, resetOnData, type Listener } from '../../support/tcp-servers.js';
import { startTlsServer, testPki, type Running } from '../../support/tls-servers.js';

const pki = testPki(['app.test']);
const stranger = runCA('untrusted CA');
let dns: DnsServer;
let good: Running;
let untrusted: Running;
let reset: Listener;
let closing: Listener;
let stall: Listener;

beforeAll(async () => {
  dns = await startDnsServer((name) =>
    name === 'app.test' || name === 'other.test' ? { kind: 'answer', a: ['127.0.0.1'], aaaa: ['::1'] } : { kind: 'rcode', rcode: 'NXDOMAIN' },
  );
  good = await startTlsServer(pki.leaf);
  untrusted = await startTlsServer(stranger.issue(['app.test'], { ips: ['127.0.0.1'] }));
  reset = await resetOnData();
  closing = await closeOnData();
  stall = await listen(() => {});
});
afterAll(async () => {
  for (const s of [dns, good, untrusted, reset, closing, stall]) await s.close();
});

const ctx = (o: Parameters<typeof makeContext>[0] = {}) => makeContext({ dns, extraCA: [pki.ca.cert], ...o });

describe('tls engine', () => {
  it('completes and validates a handshake, recording version, cipher, ALPN and the chain', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: 'app.test', port: good.port }, ctx());
    expect(m.failure).toBeNull();
    const hs = m.tls_handshakes[0];
    expect(hs).toMatchObject({ address: `127.0.0.1:${good.port}`, server_name: 'app.test', validated: true, failure: null, negotiated_protocol: 'h2' });
    expect(hs.tls_version).toMatch(/^TLSv1\.[23]$/);
    expect(hs.cipher_suite).toMatch(/^TLS_/);
    expect(hs.peer_certificates[0].san).toEqual(['app.test', '127.0.0.1', '0:0:0:0:0:0:0:1']);
    expect(hs.peer_certificates[0].issuer).toContain('CN=blockwatch test CA');
    expect(hs.peer_certificates[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.timings.tls).toBeGreaterThan(0);
  });

  it('offers the ALPN protocols the target names', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: 'app.test', port: good.port, alpn: ['http/1.1'] }, ctx());
    expect(m.tls_handshakes[0].negotiated_protocol).toBe('http/1.1');
  });

  it('trusts the target ca as well as ctx.extraCA', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: 'app.test', port: good.port, ca: [pki.ca.cert] }, ctx({ extraCA: [] }));
    expect(m.tls_handshakes[0].validated).toBe(true);
  });

  it('records a certificate for another name as ssl_invalid_hostname, with the chain', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: 'other.test', port: good.port }, ctx());
    expect(m).toMatchObject({ failure: 'ssl_invalid_hostname', operation: 'tls_handshake' });
    expect(m.tls_handshakes[0]).toMatchObject({ validated: false, failure: 'ssl_invalid_hostname' });
    expect(m.tls_handshakes[0].peer_certificates[0].subject).toContain('CN=app.test');
  });

  it('records a certificate from an unknown CA as ssl_unknown_authority (a MITM looks like this)', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: 'app.test', port: untrusted.port }, ctx());
    expect(m).toMatchObject({ failure: 'ssl_unknown_authority', operation: 'tls_handshake' });
    expect(m.tls_handshakes[0].peer_certificates[0].issuer).toContain('CN=untrusted CA');
  });

  it('reports a reset after the ClientHello as connection_reset in tls_handshake, trying each address', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: 'app.test', port: reset.port }, ctx());
    expect(m).toMatchObject({ failure: 'connection_reset', operation: 'tls_handshake' });
    expect(m.tls_handshakes[0]).toMatchObject({ failure: 'connection_reset', validated: false, server_name: 'app.test' });
    // ::1 has no listener on that port: its connect is refused and recorded too.
    expect(m.tcp_connect.map((c) => c.ip)).toEqual(['127.0.0.1', '::1']);
  });

  it('reports a close after the ClientHello as eof_error', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: '127.0.0.1', port: closing.port, sni: 'app.test' }, ctx());
    expect(m).toMatchObject({ failure: 'eof_error', operation: 'tls_handshake' });
  });

  it('reports a silent server as generic_timeout_error at the deadline', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: '127.0.0.1', port: stall.port, sni: 'app.test' }, ctx({ timeoutMs: 1000 }));
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'tls_handshake' });
  });

  it('validates an address-only target against the certificate IP SANs', async () => {
    const m = await tlsEngine({ id: 't', kind: 'tls', host: '127.0.0.1', port: good.port }, ctx());
    expect(m.tls_handshakes[0]).toMatchObject({ server_name: '', validated: true });
  });
});

describe('tlsStep (SNI swap)', () => {
  it('repeats a handshake to the same address with another SNI', async () => {
    const c = ctx();
    const origin = performance.now();
    const { socket } = await connectStep('127.0.0.1', good.port, c, origin);
    const r = await tlsStep(socket!, '127.0.0.1', good.port, 'example.com', ['http/1.1'], undefined, c, origin);
    r.tlsSocket?.destroy();
    // The handshake completes (no filter here); the certificate does not cover example.com.
    expect(r.record).toMatchObject({ server_name: 'example.com', failure: 'ssl_invalid_hostname', validated: false });
    expect(r.record.tls_version).not.toBeNull();
  });
});
