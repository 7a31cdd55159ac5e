// Resolvers (UDP, TCP, DoH, system) against a real loopback DNS server and DoH server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectConnector } from '../../../src/net/connectors/index.js';
import { makeResolver, SystemResolver, TcpResolver, UdpResolver } from '../../../src/net/resolvers/index.js';
import { repliesSettled } from '../../../src/net/resolvers/udp.js';
import { startDnsServer, type Behaviour, type DnsServer } from '../../support/dns-server.js';
import { startDohServer } from '../../support/doh-server.js';
import { testPki, type Running } from '../../support/tls-servers.js';

const rules = (name: string): Behaviour => {
  switch (name) {
    case 'ok.test':
      return { kind: 'answer', a: ['192.0.2.10'], aaaa: ['2001:db8::10'] };
    case 'alias.test':
      return { kind: 'answer', cname: 'target.test', a: ['192.0.2.11'] };
    case 'nx.test':
      return { kind: 'rcode', rcode: 'NXDOMAIN' };
    case 'servfail.test':
      return { kind: 'rcode', rcode: 'SERVFAIL' };
    case 'refused.test':
      return { kind: 'rcode', rcode: 'REFUSED' };
    case 'empty.test':
      return { kind: 'answer' };
    case 'injected.test':
      return { kind: 'inject', forged: ['203.0.113.66'], real: ['192.0.2.12'], delayMs: 30 };
    case 'wrongid.test':
      return { kind: 'wrong_id' };
    case 'malformed.test':
      return { kind: 'malformed' };
    case 'oversize.test':
      return { kind: 'oversize' };
    case 'lossy.test':
      return { kind: 'lose_first', a: ['192.0.2.13'] };
    default:
      return { kind: 'silent' };
  }
};

let dns: DnsServer;
let doh: Running & { seen: string[] };
const pki = testPki(['doh.test']);
const direct = new DirectConnector();
const opts = (ms = 1500) => ({ signal: AbortSignal.timeout(ms), origin: performance.now() });

beforeAll(async () => {
  dns = await startDnsServer(rules);
  doh = await startDohServer(pki.leaf, rules);
});
afterAll(async () => {
  await dns.close();
  await doh.close();
});

describe('UDP resolver', () => {
  const udp = (): UdpResolver => new UdpResolver('127.0.0.1', dns.port, { replyWindowMs: 100 });

  it('returns A answers with TTLs and records the reply', async () => {
    const q = await udp().query('ok.test', 'A', opts());
    expect(q).toMatchObject({ engine: 'udp', resolver_address: `udp://127.0.0.1:${dns.port}`, rcode: 'NOERROR', failure: null });
    expect(q.answers).toEqual([{ answer_type: 'A', value: '192.0.2.10', ttl: 60 }]);
    expect(q.replies).toHaveLength(1);
  });

  it('returns AAAA answers for an AAAA query', async () => {
    const q = await udp().query('ok.test', 'AAAA', opts());
    expect(q.answers).toEqual([{ answer_type: 'AAAA', value: '2001:db8::10', ttl: 60 }]);
  });

  it('records CNAMEs alongside the addresses', async () => {
    const q = await udp().query('alias.test', 'A', opts());
    expect(q.answers.map((a) => `${a.answer_type} ${a.value}`)).toEqual(['CNAME target.test', 'A 192.0.2.11']);
  });

  it.each([
    ['nx.test', 'NXDOMAIN', 'dns_nxdomain_error'],
    ['servfail.test', 'SERVFAIL', 'dns_servfail_error'],
    ['refused.test', 'REFUSED', 'dns_refused_error'],
  ])('reports %s as rcode %s and failure %s', async (name, rcode, failure) => {
    const q = await udp().query(name, 'A', opts());
    expect(q.rcode).toBe(rcode);
    expect(q.failure).toBe(failure);
  });

  it('reports NOERROR without addresses as dns_no_answer', async () => {
    const q = await udp().query('empty.test', 'A', opts());
    expect(q).toMatchObject({ rcode: 'NOERROR', failure: 'dns_no_answer', answers: [] });
  });

  it('reports a silent server as generic_timeout_error with no rcode', async () => {
    const q = await udp().query('silent.test', 'A', opts(200));
    expect(q).toMatchObject({ rcode: null, failure: 'generic_timeout_error', replies: [] });
  });

  it('keeps listening after the first reply and records a forged reply followed by the true one', async () => {
    const q = await udp().query('injected.test', 'A', opts());
    // The first reply counts, as it would for any stub resolver, and answers at once…
    expect(q.answers.map((a) => a.value)).toEqual(['203.0.113.66']);
    expect(q.replies).toHaveLength(1);
    // …while the socket keeps listening: the true reply joins the record before it settles.
    await repliesSettled(q);
    expect(q.replies.map((r) => r.answers.map((a) => a.value))).toEqual([['203.0.113.66'], ['192.0.2.12']]);
  });

  it('times the query to its first reply, not to the end of the listening window', async () => {
    const q = await new UdpResolver(dns.host, dns.port, { replyWindowMs: 1000 }).query('ok.test', 'A', opts());
    await repliesSettled(q);
    expect(q.t).toBe(q.replies[0].t);
  });

  it('retransmits a query whose datagram was lost, on the same id', async () => {
    const q = await new UdpResolver(dns.host, dns.port, { replyWindowMs: 0, retransmitMs: 100 }).query('lossy.test', 'A', opts());
    expect(q).toMatchObject({ failure: null, rcode: 'NOERROR' });
    expect(q.answers.map((a) => a.value)).toEqual(['192.0.2.13']);
    expect(dns.seen.filter((x) => x === 'lossy.test/A')).toHaveLength(2);
  });

  it('ignores a reply with the wrong id and reports dns_reply_with_wrong_query_id when nothing valid came', async () => {
    const q = await udp().query('wrongid.test', 'A', opts(200));
    expect(q).toMatchObject({ failure: 'dns_reply_with_wrong_query_id', replies: [], answers: [] });
  });

  it('reports a malformed reply as dns_server_misbehaving', async () => {
    const q = await udp().query('malformed.test', 'A', opts(200));
    expect(q.failure).toBe('dns_server_misbehaving');
  });

  it('ignores a reply over 4096 bytes', async () => {
    const q = await udp().query('oversize.test', 'A', opts(200));
    expect(q).toMatchObject({ failure: 'dns_server_misbehaving', replies: [] });
  });

  it('uses a fresh source port for each query', async () => {
    const r = udp();
    const a = await r.query('ok.test', 'A', opts());
    const b = await r.query('ok.test', 'A', opts());
    expect(a.replies[0].from).toBe(`127.0.0.1:${dns.port}`);
    expect(b.failure).toBeNull();
    expect(dns.seen.filter((s) => s === 'ok.test/A').length).toBeGreaterThanOrEqual(2);
  });
});

describe('TCP resolver', () => {
  const tcp = (): TcpResolver => new TcpResolver('127.0.0.1', dns.port, direct);

  it('answers over TCP with length framing', async () => {
    const q = await tcp().query('ok.test', 'A', opts());
    expect(q).toMatchObject({ engine: 'tcp', resolver_address: `tcp://127.0.0.1:${dns.port}`, rcode: 'NOERROR', failure: null });
    expect(q.answers[0].value).toBe('192.0.2.10');
  });

  it('reports NXDOMAIN over TCP', async () => {
    expect((await tcp().query('nx.test', 'A', opts())).failure).toBe('dns_nxdomain_error');
  });

  it('reports a silent server as generic_timeout_error', async () => {
    expect((await tcp().query('silent.test', 'A', opts(200))).failure).toBe('generic_timeout_error');
  });

  it('reports a wrong id as dns_reply_with_wrong_query_id', async () => {
    expect((await tcp().query('wrongid.test', 'A', opts())).failure).toBe('dns_reply_with_wrong_query_id');
  });

  it('reports a refused connection to the resolver as connection_refused', async () => {
    const r = new TcpResolver('127.0.0.1', 1, direct);
    expect((await r.query('ok.test', 'A', opts())).failure).toBe('connection_refused');
  });
});

describe('DoH resolver', () => {
  const url = (): string => `https://127.0.0.1:${doh.port}/dns-query`;

  it('answers through an RFC 8484 POST, trusting tls.extraCA', async () => {
    const r = makeResolver({ type: 'doh', url: url() }, direct, [pki.ca.cert]);
    const q = await r.query('ok.test', 'A', opts());
    expect(q).toMatchObject({ engine: 'doh', resolver_address: url(), rcode: 'NOERROR', failure: null });
    expect(q.answers[0].value).toBe('192.0.2.10');
  });

  it('reports NXDOMAIN and SERVFAIL from the DoH reply', async () => {
    const r = makeResolver({ type: 'doh', url: url() }, direct, [pki.ca.cert]);
    expect((await r.query('nx.test', 'A', opts())).failure).toBe('dns_nxdomain_error');
    expect((await r.query('servfail.test', 'A', opts())).failure).toBe('dns_servfail_error');
  });

  it('reports an untrusted DoH server as ssl_unknown_authority', async () => {
    const r = makeResolver({ type: 'doh', url: url() }, direct, []);
    expect((await r.query('ok.test', 'A', opts())).failure).toBe('ssl_unknown_authority');
  });

  it('reports a DoH server that never answers as generic_timeout_error', async () => {
    const r = makeResolver({ type: 'doh', url: url() }, direct, [pki.ca.cert]);
    expect((await r.query('silent.test', 'A', opts(300))).failure).toBe('generic_timeout_error');
  });
});

describe('system resolver', () => {
  it('returns the addresses of localhost with the family asked for', async () => {
    const r = new SystemResolver();
    const o = opts();
    const [a, aaaa] = await Promise.all([r.query('localhost', 'A', o), r.query('localhost', 'AAAA', o)]);
    expect(a).toMatchObject({ engine: 'getaddrinfo', resolver_address: 'system', failure: null });
    expect(a.answers.map((x) => x.value)).toContain('127.0.0.1');
    expect(aaaa.answers.every((x) => x.answer_type === 'AAAA')).toBe(true);
  });
});
