// The DNS step: rcodes against the control, injection, precedence of blockpage over bogon, disjoint answers.
import { describe, expect, it } from 'vitest';
import { classifyTarget } from '../../../src/analysis/index.js';
import { isInjected, queryPattern } from '../../../src/analysis/dns.js';
import type { DnsQuery, FingerprintDb } from '../../../src/model/index.js';
import { connect, handshake, HOST, input, IP, measurement, query, step } from './build.js';

const withReplies = (q: DnsQuery, replies: Array<[string, string[]]>): DnsQuery => ({
  ...q,
  replies: replies.map(([rcode, addrs], i) => ({ rcode, answers: addrs.map((value) => ({ answer_type: 'A' as const, value, ttl: 60 })), t: 0.01 * (i + 1), id: 7 })),
});

describe('isInjected', () => {
  it('is false for a single reply', () => {
    expect(isInjected(query('A', [IP]))).toBe(false);
  });
  it('is false for duplicate identical replies (a retransmission)', () => {
    expect(isInjected(withReplies(query('A', [IP]), [['NOERROR', [IP]], ['NOERROR', [IP]]]))).toBe(false);
  });
  it('is false for the same addresses in another order', () => {
    expect(isInjected(withReplies(query('A', [IP]), [['NOERROR', [IP, '1.1.1.1']], ['NOERROR', ['1.1.1.1', IP]]]))).toBe(false);
  });
  it('is true for two replies with differing addresses', () => {
    expect(isInjected(withReplies(query('A', ['31.13.72.36']), [['NOERROR', ['31.13.72.36']], ['NOERROR', [IP]]]))).toBe(true);
  });
  it('is true for two replies with differing rcodes', () => {
    expect(isInjected(withReplies(query('A', [], 'NXDOMAIN'), [['NXDOMAIN', []], ['NOERROR', [IP]]]))).toBe(true);
  });
});

describe('queryPattern', () => {
  it.each([
    [query('A', [], 'NXDOMAIN'), 'dns.nxdomain'],
    [query('A', [], 'SERVFAIL'), 'dns.servfail'],
    [query('A', [], 'REFUSED'), 'dns.refused'],
    [query('A', [], 'NOERROR'), 'dns.no_answer'],
    [query('A', [], null, 'generic_timeout_error'), 'dns.timeout'],
    [query('A', [], null, 'dns_nxdomain_error'), 'dns.nxdomain'],
    [query('A', [], null, 'dns_server_misbehaving'), 'dns.servfail'],
    [query('A', [IP], 'NOERROR'), null],
    [query('A', [], 'FORMERR'), null],
  ] as const)('%#: reads the failure of a query as %s', (q, want) => {
    expect(queryPattern(q)).toBe(want);
  });
});

const nx = measurement({ queries: [query('A', [], 'NXDOMAIN', 'dns_nxdomain_error'), query('AAAA', [], 'NXDOMAIN', 'dns_nxdomain_error')], failure: 'dns_nxdomain_error', operation: 'resolve' });

describe('DNS verdicts', () => {
  it('takes the control from a control_resolve diagnosis when no control resolver answered', () => {
    const v = classifyTarget(input(nx, { diagnosis: [step('control_resolve', `${HOST} A`, 'success', null, { answers: [IP], rcode: 'NOERROR' })] }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'dns.nxdomain']);
  });

  it("falls back to the control vantage's own queries", () => {
    const control = measurement({ vantage: 'abroad', queries: [query('A', [], 'NXDOMAIN', 'dns_nxdomain_error')], failure: 'dns_nxdomain_error', operation: 'resolve' });
    const v = classifyTarget(input(nx, { control }));
    expect([v.status, v.pattern]).toEqual(['down', null]);
  });

  it('prefers a known blockpage address over the bogon it also is', () => {
    const fps: FingerprintDb = { dns: [{ name: 'ir.sink', location: 'dns', patternType: 'full', pattern: '10.10.34.34', countries: ['IR'], source: 'test' }], http: [] };
    const m = measurement({ queries: [query('A', ['10.10.34.34'])] });
    const v = classifyTarget(input(m, { fingerprints: fps }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'dns.blockpage']);
    expect(v.evidence.dns).toMatchObject({ fingerprint: { name: 'ir.sink', address: '10.10.34.34' } });
  });

  it('keeps every reply of an injected query in evidence', () => {
    const q = withReplies(query('A', ['31.13.72.36']), [['NOERROR', ['31.13.72.36']], ['NOERROR', [IP]]]);
    const v = classifyTarget(input(measurement({ queries: [q] })));
    expect([v.status, v.pattern]).toEqual(['blocked', 'dns.injected']);
    const ev = v.evidence.dns as { queries: Array<{ replies: Array<{ answers: string[] }> }> };
    expect(ev.queries[0].replies.map((r) => r.answers)).toEqual([['31.13.72.36'], [IP]]);
  });

  it('calls a disjoint answer genuine when one answered address validates, even if another does not', () => {
    const m = measurement({ queries: [query('A', ['149.154.167.41', '203.0.113.9'])] });
    const v = classifyTarget(
      input(m, {
        controlQueries: [query('A', [IP])],
        diagnosis: [
          step('answer_tls', '149.154.167.41:443 sni=web.telegram.org', 'success', null, { ip: '149.154.167.41', validated: true }),
          step('answer_tls', '203.0.113.9:443 sni=web.telegram.org', 'success', null, { ip: '203.0.113.9', validated: false }),
        ],
      }),
    );
    expect([v.status, v.pattern]).toEqual(['ok', null]);
  });

  it("reads the probe's own invalid handshake to a disjoint answer as confirmation", () => {
    const m = measurement({ queries: [query('A', ['203.0.113.9'])], tcp_connect: [connect('203.0.113.9', 443)], tls_handshakes: [handshake('203.0.113.9', 'ssl_invalid_hostname', false)], failure: 'ssl_invalid_hostname', operation: 'tls_handshake' });
    const v = classifyTarget(input(m, { controlQueries: [query('A', [IP])] }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'dns.inconsistent']);
  });

  it('without a control, reads the same invalid handshake as tls.mitm, not dns.inconsistent', () => {
    const m = measurement({ queries: [query('A', ['203.0.113.9'])], tcp_connect: [connect('203.0.113.9', 443)], tls_handshakes: [handshake('203.0.113.9', 'ssl_invalid_hostname', false)], failure: 'ssl_invalid_hostname', operation: 'tls_handshake' });
    const v = classifyTarget(input(m));
    expect([v.status, v.pattern]).toEqual(['anomaly', 'tls.mitm']);
  });

  it('calls disjoint answers inconsistent when they are unreachable while the control address connects from the vantage', () => {
    const m = measurement({ queries: [query('A', ['203.0.113.9'])], tcp_connect: [connect('203.0.113.9', 443, 'generic_timeout_error')], failure: 'generic_timeout_error', operation: 'connect' });
    const v = classifyTarget(input(m, { controlQueries: [query('A', [IP])], diagnosis: [step('control_connect', `${IP}:443`, 'success', null, { ip: IP, port: 443, from: 'vantage' })] }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'dns.inconsistent']);
  });

  it('does not call an empty AAAA a block when A resolves', () => {
    const m = measurement({ target: { id: 'dns', kind: 'dns', host: HOST }, queries: [query('A', [IP]), query('AAAA', [], 'NOERROR')] });
    const v = classifyTarget(input(m, { controlQueries: [query('A', [IP]), query('AAAA', ['2001:67c:4e8:f004::9'])] }));
    expect(v.status).toBe('ok');
  });
});

describe('a control that cannot be reached is no control', () => {
  const nxName = measurement({ queries: [query('A', [], 'NXDOMAIN', 'dns_nxdomain_error')], failure: 'dns_nxdomain_error', operation: 'resolve' });
  const silent = [query('A', [], null, 'generic_timeout_error'), query('AAAA', [], null, 'generic_timeout_error')];

  it('reads NXDOMAIN as anomaly, never down, when the trusted resolver never answered, and says why', () => {
    const v = classifyTarget(input(nxName, { controlQueries: silent }));
    expect([v.status, v.pattern]).toEqual(['anomaly', 'dns.nxdomain']);
    expect(v.evidence.controlMissing).toEqual(['control resolver: no reply (generic_timeout_error)']);
  });

  it('falls back to the control vantage when the trusted resolver is silent: resolved there, the NXDOMAIN is blocking', () => {
    const v = classifyTarget(input(nxName, { controlQueries: silent, control: measurement({ vantage: 'abroad', queries: [query('A', [IP])] }) }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'dns.nxdomain']);
  });

  it('reads a target as anomaly, never down, when the control vantage could not look the name up either', () => {
    const control = measurement({ vantage: 'abroad', queries: silent, failure: 'generic_timeout_error', operation: 'resolve' });
    const v = classifyTarget(input(nxName, { controlQueries: silent, control }));
    expect([v.status, v.pattern]).toEqual(['anomaly', 'dns.nxdomain']);
    expect(v.evidence.controlMissing).toEqual([
      'control resolver: no reply (generic_timeout_error)',
      'control vantage abroad: its resolver did not answer (generic_timeout_error)',
    ]);
  });

  it('still reads an NXDOMAIN the trusted resolver also gives as down: a reply is a control', () => {
    const v = classifyTarget(input(nxName, { controlQueries: [query('A', [], 'NXDOMAIN', 'dns_nxdomain_error')] }));
    expect([v.status, v.pattern]).toEqual(['down', null]);
  });

  it('names control vantages the round found offline', () => {
    const v = classifyTarget(input(nxName, { controlQueries: silent, controlsMissing: ['control vantage abroad: offline'] }));
    expect(v.status).toBe('anomaly');
    expect(v.evidence.controlMissing).toEqual(['control vantage abroad: offline', 'control resolver: no reply (generic_timeout_error)']);
  });
});
