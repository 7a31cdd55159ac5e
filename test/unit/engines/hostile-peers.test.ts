// Engines and rounds against hostile peers on loopback: resets while a socket waits, reset-after-accept races, redirect loops.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpEngine } from '../../../src/engines/tcp.js';
import { DirectConnector, HttpConnectConnector, Socks5Connector } from '../../../src/net/connectors/index.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { startConnectProxy, startSocks5Proxy, type Proxy } from '../../support/proxies.js';
import { roundOf as roundWith } from '../../support/round.js';
import { listen, neverAccepting, resetOnAccept, type Listener } from '../../support/tcp-servers.js';
import { startHttpsServer, testPki, type Running } from '../../support/tls-servers.js';

const pki = testPki(['app.test', 'loop.test']);
let dns: DnsServer;
let resetLater: Listener;
let silent: Awaited<ReturnType<typeof neverAccepting>>;
let resetter: Listener;
let loop: Running;
let echo: Listener;
let socks: Proxy;
let connect: Proxy;

beforeAll(async () => {
  // Accepts, then resets 300 ms later; the same port on 127.0.0.2 never accepts.
  resetLater = await listen((s) => void setTimeout(() => s.resetAndDestroy(), 300));
  silent = await neverAccepting('127.0.0.2', resetLater.port);
  await silent.fill();
  resetter = await resetOnAccept();
  loop = await startHttpsServer(pki.leaf, (req, res) => res.writeHead(302, { location: req.url ?? '/' }).end());
  echo = await listen((s) => s.pipe(s));
  socks = await startSocks5Proxy();
  connect = await startConnectProxy();
  dns = await startDnsServer((name) => (name === 'two.test' ? { kind: 'answer', a: ['127.0.0.1', '127.0.0.2'] } : { kind: 'answer', a: ['127.0.0.1'] }));
});
afterAll(async () => {
  for (const s of [dns, resetLater, silent, resetter, loop, echo, socks, connect]) await s.close();
});

describe('a connected socket is never without an error listener', () => {
  const connectors = () => [
    ['direct', new DirectConnector()],
    ['socks5', new Socks5Connector({ type: 'socks5', host: socks.host, port: socks.port })],
    ['http connect', new HttpConnectConnector({ type: 'http', host: connect.host, port: connect.port })],
  ] as const;

  it('survives an error on a socket nobody reads yet, whichever connector opened it', async () => {
    for (const [name, c] of connectors()) {
      const s: Socket = await c.connect('127.0.0.1', echo.port, { signal: AbortSignal.timeout(2000) });
      expect(() => s.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), name).not.toThrow();
      s.destroy();
    }
  });

  it('tcp engine: one address accepts then resets while another never answers — the probe ends, the process stays up', async () => {
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: 'two.test', port: resetLater.port }, makeContext({ dns, timeoutMs: 1500 }));
    expect(m.tcp_connect.map((c) => [c.ip, c.status.success, c.status.failure])).toEqual([
      ['127.0.0.1', true, null],
      ['127.0.0.2', false, 'generic_timeout_error'],
    ]);
    expect(m.failure).toBeNull();
    // Past the peer's reset: nothing unhandled surfaced meanwhile (vitest fails the run on one).
    await new Promise((r) => setTimeout(r, 400));
  });
});

/** One round of one app on loopback. */
const roundOf = (targets: string) => roundWith({ targets, dnsPort: dns.port, ca: pki.ca.cert });

describe('verdicts against hostile peers are the same every run', () => {
  // Addresses, not names: a name answered with 127.0.0.1 is a bogon, which would decide first.
  // Which of the two patterns a reset-right-after-accept gives is the kernel's race: when the
  // RST lands before the ClientHello is written, the client's stack reports a plain close
  // (Node: "disconnected before secure TLS connection"), indistinguishable from a FIN. What
  // must never vary is that the handshake failed and no connect "passes" as a control.
  it('a TLS server resetting right after accept is anomaly at the TLS handshake (reset or close) in every run, never tcp.refused', { timeout: 30_000 }, async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = await roundOf(`  - { id: api, kind: tls, host: 127.0.0.1, port: ${resetter.port}, sni: app.test }`);
      const t = r.report.apps[0].targets[0];
      seen.add(`${t.status}/${t.pattern}/${t.failure}/${t.operation}`);
    }
    expect(['anomaly/tls.reset/connection_reset/tls_handshake', 'anomaly/tls.eof/eof_error/tls_handshake']).toEqual(expect.arrayContaining([...seen]));
  });

  it('a redirect loop is not ok: the target never reached a final response', async () => {
    const r = await roundOf(`  - { id: web, kind: https, url: "https://127.0.0.1:${loop.port}/a" }`);
    const t = r.report.apps[0].targets[0];
    expect([t.status, t.failure, t.operation]).toEqual(['anomaly', 'unknown_failure: too_many_redirects', 'http_round_trip']);
    expect(r.report.apps[0].status).toBe('anomaly');
  });
});
