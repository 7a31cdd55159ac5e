// Diagnosis planning: which follow-ups each kind of failure or suspicion asks for.
import { describe, expect, it } from 'vitest';
import { diagnosisInput, planDiagnosis } from '../../../src/analysis/index.js';
import type { Target } from '../../../src/model/index.js';
import { connect, handshake, HOST, IP, measurement, okHttps, query } from './build.js';

describe('planDiagnosis', () => {
  it('swaps the SNI of a QUIC Initial that drew no answer, to the same address and port, and of nothing else', () => {
    const quic: Target = { id: 'h3', kind: 'quic', host: HOST, port: 8443 };
    const hs = (failure: 'generic_timeout_error' | 'connection_refused' | null, response: 'initial' | null = null) => ({
      address: `${IP}:8443`, server_name: HOST, alpn: ['h3'], sent: 3, received: response ? 1 : 0, response, server_hello: false, failure, t0: 0.01, t: 3,
    });
    const silent = measurement({ target: quic, queries: [query('A', [IP])], quic_handshakes: [hs('generic_timeout_error')], failure: 'generic_timeout_error', operation: 'quic_handshake' });
    const r = planDiagnosis(silent, [query('A', [IP])]);
    expect(r).toEqual([{ step: 'quic_sni_swap', ip: IP, port: 8443, sni: 'example.com' }]);
    expect(diagnosisInput(r[0])).toBe(`${IP}:8443 sni=example.com`);
    // Refused by ICMP, or answered: no swap.
    expect(planDiagnosis(measurement({ target: quic, queries: [query('A', [IP])], quic_handshakes: [hs('connection_refused')], failure: 'connection_refused', operation: 'quic_handshake' }), [query('A', [IP])])).toEqual([]);
    expect(planDiagnosis(measurement({ target: quic, queries: [query('A', [IP])], quic_handshakes: [hs(null, 'initial')] }), [query('A', [IP])])).toEqual([]);
  });

  it('asks nothing for a successful probe whose answers match the control', () => {
    expect(planDiagnosis(okHttps('isp'), [query('A', [IP])])).toEqual([]);
  });

  it('asks the control resolver when the name did not resolve and no control answered', () => {
    const m = measurement({ queries: [query('A', [], 'NXDOMAIN', 'dns_nxdomain_error')], failure: 'dns_nxdomain_error', operation: 'resolve' });
    expect(planDiagnosis(m, null)).toEqual([
      { step: 'control_resolve', hostname: HOST, queryType: 'A' },
      { step: 'control_resolve', hostname: HOST, queryType: 'AAAA' },
    ]);
  });

  it('checks each disjoint, non-bogon answer for a certificate and a blockpage', () => {
    const m = measurement({ queries: [query('A', ['203.0.113.9', '10.10.34.34'])] });
    expect(planDiagnosis(m, [query('A', [IP])])).toEqual([
      { step: 'answer_tls', ip: '203.0.113.9', port: 443, sni: HOST },
      { step: 'answer_http', ip: '203.0.113.9', url: `http://${HOST}/` },
    ]);
  });

  it("connects to the control's addresses when every connect failed", () => {
    const m = measurement({ queries: [query('A', [IP])], tcp_connect: [connect(IP, 443, 'generic_timeout_error')], failure: 'generic_timeout_error', operation: 'connect' });
    expect(planDiagnosis(m, [query('A', [IP]), query('AAAA', ['2001:67c:4e8:f004::9'])])).toEqual([
      { step: 'control_connect', ip: IP, port: 443 },
      { step: 'control_connect', ip: '2001:67c:4e8:f004::9', port: 443 },
    ]);
  });

  it('has the control connect to a literal address target', () => {
    const dc: Target = { id: 'dc2', kind: 'tcp', host: '149.154.167.51', port: 5222 };
    const m = measurement({ target: dc, tcp_connect: [connect('149.154.167.51', 5222, 'connection_refused')], failure: 'connection_refused', operation: 'connect' });
    expect(planDiagnosis(m, null)).toEqual([{ step: 'control_connect', ip: '149.154.167.51', port: 5222 }]);
  });

  it.each(['connection_reset', 'eof_error', 'generic_timeout_error'] as const)('swaps the SNI after a TLS %s', (failure) => {
    const m = measurement({ queries: [query('A', [IP])], tcp_connect: [connect(IP, 443)], tls_handshakes: [handshake(IP, failure)], failure, operation: 'tls_handshake' });
    expect(planDiagnosis(m, [query('A', [IP])])).toEqual([
      { step: 'sni_swap', ip: IP, port: 443, sni: 'example.com' },
      { step: 'sni_repeat', ip: IP, port: 443, sni: HOST },
    ]);
  });

  it('does not swap the SNI for an invalid certificate', () => {
    const m = measurement({ queries: [query('A', [IP])], tcp_connect: [connect(IP, 443)], tls_handshakes: [handshake(IP, 'ssl_unknown_authority', false)], failure: 'ssl_unknown_authority', operation: 'tls_handshake' });
    expect(planDiagnosis(m, [query('A', [IP])])).toEqual([]);
  });

  it('measures a baseline transfer when the transfer stalled', () => {
    const media: Target = { id: 'media', kind: 'https', url: 'https://web.telegram.org/1mb.bin', transfer: { bytes: 524288 } };
    const m = measurement({ target: media, transfer: { bytes: 16384, seconds: 10, bitsPerSecond: 13107, complete: false } });
    expect(planDiagnosis(m, null)).toEqual([{ step: 'throughput', url: 'https://web.telegram.org/1mb.bin', bytes: 524288 }]);
  });

  it('gives each request a stable input string', () => {
    expect(diagnosisInput({ step: 'sni_swap', ip: '2001:db8::1', port: 443, sni: 'example.com' })).toBe('[2001:db8::1]:443 sni=example.com');
    expect(diagnosisInput({ step: 'control_connect', ip: IP, port: 443 })).toBe(`${IP}:443`);
  });
});
