// The hello exchange and the tls engine's hand-written path against hostile loopback servers: alert, reset, close, silence, garbage, an endless answer; each gives its failure with operation tls_handshake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { loadHelloProfiles } from '../../../src/config/hellos.js';
import { tlsEngine } from '../../../src/engines/tls.js';
import { DirectConnector } from '../../../src/net/connectors/index.js';
import { helloExchange, parseClientHello, type ClientHello, type HelloProfile } from '../../../src/net/tls-hello/index.js';
import { SHIPPED_HELLOS } from '../../../src/package-root.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { pump } from '../../support/hostile-servers.js';
import { makeContext } from '../../support/probe-context.js';
import { closeOnData, listen, resetOnData, type Listener } from '../../support/tcp-servers.js';
import { startTlsServer, testPki, type Running } from '../../support/tls-servers.js';

const chromium: HelloProfile = loadHelloProfiles(SHIPPED_HELLOS).profiles.get('chromium')!;
const pki = testPki(['app.test']);

/** Calls `answer` once the client's whole ClientHello has arrived (it is parsed, so a server sees a real hello). */
function afterHello(answer: (s: Socket, hello: ClientHello) => void): Promise<Listener> {
  return listen((s) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const h = parseClientHello(buf);
      if (h instanceof Error) return;
      s.off('data', onData);
      answer(s, h);
    };
    s.on('data', onData);
  });
}

const record = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);

let servers: Record<string, Listener | Running>;
let dns: DnsServer;
const seen: ClientHello[] = [];

beforeAll(async () => {
  dns = await startDnsServer((name) => (name === 'app.test' ? { kind: 'answer', a: ['127.0.0.1'], aaaa: [] } : { kind: 'rcode', rcode: 'NXDOMAIN' }));
  servers = {
    good: await startTlsServer(pki.leaf),
    // handshake_failure, fatal: what a server that likes nothing offered says (RFC 8446 §6.2).
    alert: await afterHello((s, h) => {
      seen.push(h);
      s.write(record(21, Buffer.from([2, 40])));
    }),
    reset: await resetOnData(),
    close: await closeOnData(),
    silent: await afterHello(() => {}),
    garbage: await afterHello((s) => s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')),
    // Handshake records of another message, without end: the byte cap stops the read.
    endless: await afterHello((s) => {
      void pump(s, record(22, Buffer.concat([Buffer.from([11, 0, 0x40, 0]), Buffer.alloc(0x3ff0)])));
    }),
  };
});
afterAll(async () => {
  for (const s of [...Object.values(servers ?? {}), dns]) await s?.close();
});

async function exchange(server: string, timeoutMs = 5000) {
  const signal = AbortSignal.timeout(timeoutMs);
  const port = servers[server].port;
  const socket = await new DirectConnector().connect('127.0.0.1', port, { signal });
  return helloExchange(socket, { profile: chromium, sni: 'app.test', signal, ip: '127.0.0.1', port });
}

describe('helloExchange', () => {
  it('records an alert with its level, description and name, as ssl_failed_handshake', async () => {
    const hs = await exchange('alert');
    expect(hs).toMatchObject({ failure: 'ssl_failed_handshake', server_response: 'alert', alert: { level: 2, description: 40, name: 'handshake_failure' }, tls_version: null });
    // The server read a whole, parseable hello with the target's name.
    expect(seen.at(-1)!.serverName).toBe('app.test');
  });

  it('maps a reset to connection_reset, a close to eof_error, silence to generic_timeout_error at the deadline', async () => {
    expect(await exchange('reset')).toMatchObject({ failure: 'connection_reset', server_response: null });
    expect(await exchange('close')).toMatchObject({ failure: 'eof_error', server_response: null });
    expect(await exchange('silent', 300)).toMatchObject({ failure: 'generic_timeout_error', server_response: null });
  });

  it('calls anything that is not TLS, or no ServerHello within the byte cap, ssl_failed_handshake', async () => {
    expect(await exchange('garbage')).toMatchObject({ failure: 'ssl_failed_handshake', server_response: null, alert: null });
    expect(await exchange('endless')).toMatchObject({ failure: 'ssl_failed_handshake', server_response: null });
  });
});

describe('the tls engine with a hand-written hello', () => {
  const ctx = (timeoutMs = 5000) => makeContext({ dns, timeoutMs });
  const target = (server: string, extra: object = {}) => ({ id: 't', kind: 'tls' as const, host: 'app.test', port: servers[server].port, hello: 'chromium', ...extra });

  it('is ok at the ServerHello: no failure, the record says which hello spoke and what answered', async () => {
    const m = await tlsEngine(target('good', { ech: 'none' }), ctx());
    expect(m.failure).toBeNull();
    expect(m.operation).toBeNull();
    expect(m.tcp_connect).toHaveLength(1);
    expect(m.tls_handshakes).toHaveLength(1);
    expect(m.tls_handshakes[0]).toMatchObject({ address: `127.0.0.1:${servers.good.port}`, server_name: 'app.test', hello: 'chromium', ech: false, server_response: 'server_hello', validated: false, failure: null, tls_version: 'TLSv1.3' });
    expect(m.timings.tls).toBeGreaterThan(0);
  });

  for (const [server, failure] of [
    ['alert', 'ssl_failed_handshake'],
    ['reset', 'connection_reset'],
    ['close', 'eof_error'],
    ['silent', 'generic_timeout_error'],
    ['garbage', 'ssl_failed_handshake'],
  ] as const) {
    it(`fails with ${failure} at tls_handshake against a server that answers with ${server}`, async () => {
      const m = await tlsEngine(target(server), ctx(server === 'silent' ? 400 : 5000));
      expect(m.failure).toBe(failure);
      expect(m.operation).toBe('tls_handshake');
      expect(m.tls_handshakes[0]).toMatchObject({ failure, hello: 'chromium', ech: true });
    });
  }

  it('keeps node:tls for hello: node and no hello at all', async () => {
    for (const extra of [{ hello: 'node' }, { hello: undefined }]) {
      const m = await tlsEngine(target('good', extra), makeContext({ dns, extraCA: [pki.ca.cert] }));
      expect(m.failure).toBeNull();
      expect(m.tls_handshakes[0]).toMatchObject({ validated: true });
      expect(m.tls_handshakes[0].server_response).toBeUndefined();
    }
  });
});
