// The quic engine: resolve through the vantage, then a QUIC Initial per address, against caddy (HTTP/3) and silent or refusing ports.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quicEngine } from '../../../src/engines/quic.js';
import { probe } from '../../../src/engines/registry.js';
import { makeDatagramConnector } from '../../../src/net/datagram/index.js';
import { CI, HAVE_CADDY, startCaddyH3, type Caddy } from '../../support/caddy.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { testPki } from '../../support/tls-servers.js';

let dns: DnsServer;
let caddy: Caddy | undefined;
let silent: { sock: Socket; port: number };
let closedPort: number;

function bindUdp(): Promise<{ sock: Socket; port: number }> {
  return new Promise((res) => {
    const sock = createSocket('udp4');
    sock.bind(0, '127.0.0.1', () => res({ sock, port: (sock.address() as AddressInfo).port }));
  });
}

beforeAll(async () => {
  dns = await startDnsServer((name) => {
    if (name === 'app.test') return { kind: 'answer', a: ['127.0.0.1'] };
    // Two addresses: the first one's port is closed on 127.0.0.2, the second is the server.
    if (name === 'two.test') return { kind: 'answer', a: ['127.0.0.2', '127.0.0.1'] };
    return { kind: 'rcode', rcode: 'NXDOMAIN' };
  });
  silent = await bindUdp();
  const gone = await bindUdp();
  closedPort = gone.port;
  await new Promise<void>((r) => gone.sock.close(() => r()));
  if (HAVE_CADDY || CI) caddy = await startCaddyH3(['app.test', 'two.test'], testPki(['app.test', 'two.test']).leaf);
});
afterAll(async () => {
  await dns.close();
  silent.sock.close();
  await caddy?.close();
});

describe.skipIf(!HAVE_CADDY && !CI)('quic engine against caddy', () => {
  it('resolves the name and gets a ServerHello: an ok measurement with dns and tls timings', async () => {
    const m = await quicEngine({ id: 'h3', kind: 'quic', host: 'app.test', port: caddy!.port }, makeContext({ dns }));
    expect(m.failure).toBeNull();
    expect(m.operation).toBeNull();
    expect(m.queries.map((q) => q.query_type)).toEqual(['A', 'AAAA']);
    expect(m.quic_handshakes).toHaveLength(1);
    expect(m.quic_handshakes![0]).toMatchObject({
      address: `127.0.0.1:${caddy!.port}`,
      server_name: 'app.test',
      alpn: ['h3'],
      response: 'initial',
      server_hello: true,
      failure: null,
    });
    expect(m.timings.dns).toBeGreaterThan(0);
    expect(m.timings.tls).toBeGreaterThan(0);
    expect(m.timings.tls).toBeLessThan(m.timings.total);
    expect(m.timings.connect).toBeUndefined();
  });

  it('is the engine the registry runs for kind quic', async () => {
    const m = await probe({ id: 'h3', kind: 'quic', host: 'app.test', port: caddy!.port }, makeContext({ dns }));
    expect(m.quic_handshakes?.[0].server_hello).toBe(true);
  });

  it('sends the sni and alpn the target names', async () => {
    const m = await quicEngine({ id: 'h3', kind: 'quic', host: '127.0.0.1', port: caddy!.port, sni: 'app.test', alpn: ['h3', 'h3-29'] }, makeContext({ dns }));
    expect(m.queries).toEqual([]);
    expect(m.quic_handshakes![0]).toMatchObject({ server_name: 'app.test', alpn: ['h3', 'h3-29'], server_hello: true });
  });

  it('tries the next address when the first refuses, recording both attempts', async () => {
    const m = await quicEngine({ id: 'h3', kind: 'quic', host: 'two.test', port: caddy!.port }, makeContext({ dns }));
    // Nothing listens on 127.0.0.2 at caddy's port: ICMP port unreachable.
    expect(m.quic_handshakes!.map((h) => [h.address, h.failure])).toEqual([
      [`127.0.0.2:${caddy!.port}`, 'connection_refused'],
      [`127.0.0.1:${caddy!.port}`, null],
    ]);
    expect(m.failure).toBeNull();
    expect(m.timings.tls).toBeGreaterThan(0);
  });
});

describe('quic engine without an answer', () => {
  it('an address literal sends no SNI and resolves nothing; a silent port times out as quic_handshake', async () => {
    const m = await quicEngine({ id: 'h3', kind: 'quic', host: '127.0.0.1', port: silent.port }, makeContext({ dns, timeoutMs: 600 }));
    expect(m.queries).toEqual([]);
    expect(m.failure).toBe('generic_timeout_error');
    expect(m.operation).toBe('quic_handshake');
    expect(m.quic_handshakes).toHaveLength(1);
    expect(m.quic_handshakes![0]).toMatchObject({ server_name: '', sent: 1, received: 0, response: null, failure: 'generic_timeout_error' });
    expect(m.timings.tls).toBeUndefined();
  });

  it('a closed port is connection_refused', async () => {
    const m = await quicEngine({ id: 'h3', kind: 'quic', host: 'app.test', port: closedPort }, makeContext({ dns }));
    expect(m.failure).toBe('connection_refused');
    expect(m.operation).toBe('quic_handshake');
  });

  it('a name that does not resolve fails at resolve and sends nothing', async () => {
    const m = await quicEngine({ id: 'h3', kind: 'quic', host: 'nx.test', port: 443 }, makeContext({ dns }));
    expect(m.failure).toBe('dns_nxdomain_error');
    expect(m.operation).toBe('resolve');
    expect(m.quic_handshakes).toEqual([]);
  });

  it('a vantage behind an HTTP CONNECT proxy (it cannot carry UDP) records proxy_refused and stops there', async () => {
    const datagrams = makeDatagramConnector({ proxy: { type: 'http', host: '127.0.0.1', port: 3128 } });
    const m = await quicEngine({ id: 'h3', kind: 'quic', host: 'two.test', port: 443 }, makeContext({ dns, datagrams }));
    expect(m.failure).toMatch(/^unknown_failure: proxy_refused \(udp: /);
    expect(m.operation).toBe('quic_handshake');
    expect(m.quic_handshakes).toHaveLength(1);
    expect(m.quic_handshakes![0]).toMatchObject({ address: '127.0.0.2:443', sent: 0, received: 0, response: null });
  });
});
