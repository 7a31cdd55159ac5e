// The dns and tcp engines against a loopback DNS server and loopback listeners.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsEngine } from '../../../src/engines/dns.js';
import { tcpEngine } from '../../../src/engines/tcp.js';
import { engines, probe } from '../../../src/engines/registry.js';
import { TARGET_KINDS } from '../../../src/model/index.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { acceptSilently, closedPort, neverAccepting, type Listener } from '../../support/tcp-servers.js';

let dns: DnsServer;
let open4: Listener;
let open6: Listener;
let refusedPort: number;

beforeAll(async () => {
  open4 = await acceptSilently('127.0.0.1');
  open6 = await acceptSilently('::1');
  refusedPort = await closedPort();
  dns = await startDnsServer((name) => {
    if (name === 'dual.test') return { kind: 'answer', a: ['127.0.0.1'], aaaa: ['::1'] };
    if (name === 'v4.test') return { kind: 'answer', a: ['127.0.0.1'] };
    if (name === 'nx.test') return { kind: 'rcode', rcode: 'NXDOMAIN' };
    if (name === 'injected.test') return { kind: 'inject', forged: ['127.0.0.9'], real: ['127.0.0.1'], delayMs: 20 };
    return { kind: 'silent' };
  });
});
afterAll(async () => {
  await dns.close();
  await open4.close();
  await open6.close();
});

describe('dns engine', () => {
  it('asks A and AAAA and succeeds with the answers', async () => {
    const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'dual.test' }, makeContext({ dns }));
    expect(m.queries.map((q) => [q.query_type, q.answers.map((a) => a.value)])).toEqual([['A', ['127.0.0.1']], ['AAAA', ['::1']]]);
    expect(m).toMatchObject({ failure: null, operation: null, app: 'testapp', vantage: 'test' });
    expect(m.timings.dns).toBeGreaterThan(0);
  });

  it('succeeds when only A answers (a missing AAAA is normal)', async () => {
    const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'v4.test' }, makeContext({ dns }));
    expect(m.queries[1].failure).toBe('dns_no_answer');
    expect(m.failure).toBeNull();
  });

  it('asks only the query types the target names', async () => {
    const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'dual.test', queryTypes: ['AAAA'] }, makeContext({ dns }));
    expect(m.queries.map((q) => q.query_type)).toEqual(['AAAA']);
  });

  it('fails with dns_nxdomain_error in resolve for NXDOMAIN', async () => {
    const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'nx.test' }, makeContext({ dns }));
    expect(m).toMatchObject({ failure: 'dns_nxdomain_error', operation: 'resolve' });
  });

  it('fails with generic_timeout_error when the resolver is silent', async () => {
    const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'silent.test' }, makeContext({ dns, timeoutMs: 200 }));
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'resolve' });
  });

  it('keeps both replies of an injected answer', async () => {
    const m = await dnsEngine({ id: 'd', kind: 'dns', host: 'injected.test', queryTypes: ['A'] }, makeContext({ dns, dnsReplyWindowMs: 150 }));
    expect(m.queries[0].replies.map((r) => r.answers[0]?.value)).toEqual(['127.0.0.9', '127.0.0.1']);
  });
});

describe('tcp engine', () => {
  it('connects to every resolved address, IPv4 and IPv6', async () => {
    const l = await acceptSilently('::');
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: 'dual.test', port: l.port }, makeContext({ dns }));
    await l.close();
    expect(m.tcp_connect.map((c) => [c.ip, c.status.success])).toEqual([['127.0.0.1', true], ['::1', true]]);
    expect(m.failure).toBeNull();
    expect(m.timings.connect).toBeGreaterThan(0);
  });

  it('succeeds when any address connects, recording the others failures', async () => {
    // The IPv6 listener is on another port than the IPv4 one: only ::1 answers on open6.port.
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: 'dual.test', port: open6.port }, makeContext({ dns }));
    const byIp = Object.fromEntries(m.tcp_connect.map((c) => [c.ip, c.status]));
    expect(byIp['::1']).toEqual({ success: true, failure: null });
    expect(m.failure).toBeNull();
  });

  it('skips resolution for a literal address', async () => {
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: '127.0.0.1', port: open4.port }, makeContext({ dns }));
    expect(m.queries).toEqual([]);
    expect(m.tcp_connect).toHaveLength(1);
    expect(m.failure).toBeNull();
  });

  it('fails with connection_refused in connect when nothing listens', async () => {
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: '127.0.0.1', port: refusedPort }, makeContext({ dns }));
    expect(m).toMatchObject({ failure: 'connection_refused', operation: 'connect' });
  });

  it('fails with generic_timeout_error in connect when the SYN is never answered', async () => {
    const l = await neverAccepting();
    await l.fill();
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: '127.0.0.1', port: l.port }, makeContext({ dns, timeoutMs: 200 }));
    await l.close();
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'connect' });
  });

  it('fails in resolve and connects nowhere when the name does not exist', async () => {
    const m = await tcpEngine({ id: 't', kind: 'tcp', host: 'nx.test', port: open4.port }, makeContext({ dns }));
    expect(m).toMatchObject({ failure: 'dns_nxdomain_error', operation: 'resolve', tcp_connect: [] });
  });
});

describe('registry', () => {
  it('has an engine for every target kind', () => {
    expect(Object.keys(engines).sort()).toEqual([...TARGET_KINDS].sort());
  });

  it('dispatches a target to the engine of its kind', async () => {
    const m = await probe({ id: 't', kind: 'tcp', host: '127.0.0.1', port: open4.port }, makeContext({ dns }));
    expect(m.tcp_connect).toHaveLength(1);
  });
});
