// The udp engine (STUN Binding to every address of a target) against coturn, scripted servers and proxies on loopback; and the udp target's config shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/config/targets.js';
import type { ConfigIssue } from '../../../src/config/issues.js';
import { probe } from '../../../src/engines/registry.js';
import { udpEngine } from '../../../src/engines/udp.js';
import { PHASES_OF_KIND } from '../../../src/metrics/labels.js';
import { targetInput, type UdpTarget } from '../../../src/model/index.js';
import { makeDatagramConnector } from '../../../src/net/datagram/index.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { startSocks5Proxy, type Proxy } from '../../support/proxies.js';
import { closedUdpPort, errorFor, hasTurnserver, startCoturn, startScripted, successFor, type Coturn, type ScriptedServer } from '../../support/stun-servers.js';

const udp = (host: string, port: number): UdpTarget => ({ id: 'relay', kind: 'udp', host, port });

let dns: DnsServer;
beforeAll(async () => {
  dns = await startDnsServer((name) => {
    if (name === 'relay.test') return { kind: 'answer', a: ['127.0.0.1'], aaaa: ['::1'] };
    if (name === 'nx.test') return { kind: 'rcode', rcode: 'NXDOMAIN' };
    return { kind: 'silent' };
  });
});
afterAll(() => dns.close());

describe('udp target', () => {
  it('is configured as { id, kind: udp, host, port }, port 3478 by default (RFC 8489 §9), and nothing else', () => {
    const issues: ConfigIssue[] = [];
    expect(parseTarget({ id: 'stun', kind: 'udp', host: 'stun.example.org' }, 'app.yaml', 'targets[0]', '.', issues)).toEqual({
      id: 'stun',
      kind: 'udp',
      host: 'stun.example.org',
      port: 3478,
    });
    expect(parseTarget({ id: 's', kind: 'udp', host: 'h', port: 3479, sni: 'x' }, 'app.yaml', 'targets[1]', '.', issues)).toBeNull();
    expect(issues.map((i) => i.path)).toEqual(['targets[1].sni']);
    expect(targetInput(udp('2001:db8::1', 3478))).toBe('[2001:db8::1]:3478');
    expect(PHASES_OF_KIND.udp).toEqual(['dns', 'ttfb', 'total']);
  });
});

describe.skipIf(!hasTurnserver())('udp engine against coturn (skipped when turnserver, Debian package coturn, is not installed)', () => {
  let coturn: Coturn;
  let proxy: Proxy;
  beforeAll(async () => {
    coturn = await startCoturn();
    proxy = await startSocks5Proxy();
  });
  afterAll(async () => {
    await coturn?.close();
    await proxy?.close();
  });

  it('answers from an address literal: one exchange, the mapped address, ttfb = its RTT', async () => {
    const m = await probe(udp('127.0.0.1', coturn.port), makeContext({ dns }));
    expect(m).toMatchObject({ failure: null, operation: null, queries: [], tcp_connect: [] });
    expect(m.udp_exchanges).toHaveLength(1);
    const [x] = m.udp_exchanges!;
    expect(x).toMatchObject({ address: `127.0.0.1:${coturn.port}`, protocol: 'stun', sent: 1, failure: null });
    expect(x.mapped_address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(m.timings.ttfb).toBe(x.rtt);
    expect(m.timings.dns).toBeUndefined();
    expect(m.timings.total).toBeGreaterThanOrEqual(m.timings.ttfb!);
  });

  it('resolves a name through the vantage and asks every address, IPv4 and IPv6', async () => {
    const m = await udpEngine(udp('relay.test', coturn.port), makeContext({ dns }));
    expect(m.failure).toBeNull();
    expect(m.queries.map((q) => q.query_type)).toEqual(['A', 'AAAA']);
    expect(m.timings.dns).toBeGreaterThan(0);
    expect(m.udp_exchanges!.map((x) => [x.address, x.failure])).toEqual([
      [`127.0.0.1:${coturn.port}`, null],
      [`[::1]:${coturn.port}`, null],
    ]);
    expect(m.udp_exchanges![1].mapped_address).toMatch(/^\[::1\]:\d+$/);
  });

  it('reaches coturn through a SOCKS5 vantage, which the server sees as the proxy’s relay', async () => {
    const datagrams = makeDatagramConnector({ proxy: { type: 'socks5', host: proxy.host, port: proxy.port } });
    const m = await udpEngine(udp('127.0.0.1', coturn.port), makeContext({ dns, datagrams }));
    expect(m.failure).toBeNull();
    expect(m.udp_exchanges![0].mapped_address).toBe(proxy.udpRelays.at(-1));
    expect(m.timings.ttfb).toBeGreaterThan(0);
  });
});

describe('udp engine failures', () => {
  const servers: ScriptedServer[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('fails with connection_refused (operation read) on a closed port', async () => {
    const m = await udpEngine(udp('127.0.0.1', await closedUdpPort()), makeContext({ dns }));
    expect(m).toMatchObject({ failure: 'connection_refused', operation: 'read' });
    expect(m.udp_exchanges).toHaveLength(1);
    expect(m.timings.ttfb).toBeUndefined();
  });

  it('records the resolver’s failure and sends nothing when the name does not resolve', async () => {
    const m = await udpEngine(udp('nx.test', 3478), makeContext({ dns }));
    expect(m).toMatchObject({ failure: 'dns_nxdomain_error', operation: 'resolve', udp_exchanges: [] });
  });

  it('is ok when one address answers while another is silent, and records both', async () => {
    const silent = await startScripted(() => []);
    const answering = await startScripted((req) => [successFor(req, { address: '192.0.2.7', port: 4242 })], '::1', silent.port);
    servers.push(silent, answering);
    const named = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'], aaaa: ['::1'] }));
    const m = await udpEngine(udp('both.test', silent.port), makeContext({ dns: named, timeoutMs: 1200 }));
    await named.close();
    expect(m.failure).toBeNull();
    expect(m.udp_exchanges!.map((x) => x.failure)).toEqual(['generic_timeout_error', null]);
    expect(m.udp_exchanges![1].mapped_address).toBe('192.0.2.7:4242');
    expect(m.timings.ttfb).toBe(m.udp_exchanges![1].rtt);
  });

  it('is answered (no failure) when the relay answers with a Binding error: the path works; the exchange keeps the error', async () => {
    const refusing = await startScripted((req) => [errorFor(req, 401, 'Unauthorized')]);
    servers.push(refusing);
    const m = await udpEngine(udp('127.0.0.1', refusing.port), makeContext({ dns }));
    expect(m).toMatchObject({ failure: null, operation: null });
    expect(m.udp_exchanges![0]).toMatchObject({ failure: 'unknown_failure: stun_error 401', mapped_address: null });
    expect(m.udp_exchanges![0].replies.map((r) => r.kind)).toEqual(['binding_error']);
    expect(m.timings.ttfb).toBe(m.udp_exchanges![0].rtt);
  });

  it('is the vantage’s failure (proxy_refused, operation connect) behind an HTTP CONNECT proxy, with nothing sent', async () => {
    const datagrams = makeDatagramConnector({ proxy: { type: 'http', host: '127.0.0.1', port: 3128 } });
    const m = await udpEngine(udp('127.0.0.1', 3478), makeContext({ dns, datagrams }));
    expect(m.failure).toMatch(/^unknown_failure: proxy_refused \(udp: /);
    expect(m.operation).toBe('connect');
    expect(m.udp_exchanges).toEqual([expect.objectContaining({ address: '127.0.0.1:3478', sent: 0, replies: [], rtt: null })]);
  });

  it('is the vantage’s failure behind a SOCKS5 proxy that refuses UDP ASSOCIATE', async () => {
    const refusing = await startSocks5Proxy(undefined, { udp: false });
    const datagrams = makeDatagramConnector({ proxy: { type: 'socks5', host: refusing.host, port: refusing.port } });
    const m = await udpEngine(udp('127.0.0.1', 3478), makeContext({ dns, datagrams }));
    await refusing.close();
    expect(m).toMatchObject({ failure: 'unknown_failure: proxy_refused (udp associate: CommandNotSupported)', operation: 'connect' });
  });
});
