// Connect, handshake and request steps: failure mapping, partial blocking, SNI swap, 451 and blockpages against the control.
import { describe, expect, it } from 'vitest';
import { classifyTarget } from '../../../src/analysis/index.js';
import { requestPattern } from '../../../src/analysis/http.js';
import { connectPattern } from '../../../src/analysis/tcp.js';
import { handshakePattern } from '../../../src/analysis/tls.js';
import type { FingerprintDb, Target } from '../../../src/model/index.js';
import { connect, handshake, HOST, input, IP, measurement, okHttps, query, request, response, step } from './build.js';

const DC: Target = { id: 'dc2', kind: 'tcp', host: '149.154.167.51', port: 443 };

describe('failure mapping', () => {
  it.each([
    ['generic_timeout_error', 'tcp.timeout'],
    ['connection_refused', 'tcp.refused'],
    ['connection_reset', 'tcp.refused'],
    ['host_unreachable', 'tcp.unreachable'],
    ['network_unreachable', 'tcp.unreachable'],
    ['eof_error', null],
  ] as const)('connect %s → %s', (f, p) => expect(connectPattern(f)).toBe(p));

  it.each([
    ['connection_reset', 'tls.reset'],
    ['ssl_failed_handshake', 'tls.reset'],
    ['eof_error', 'tls.eof'],
    ['generic_timeout_error', 'tls.timeout'],
    ['ssl_invalid_hostname', null],
  ] as const)('handshake %s → %s', (f, p) => expect(handshakePattern(f)).toBe(p));

  it.each([
    ['connection_reset', 'http.reset'],
    ['eof_error', 'http.reset'],
    ['generic_timeout_error', 'http.timeout'],
    ['dns_nxdomain_error', null],
  ] as const)('request %s → %s', (f, p) => expect(requestPattern(f)).toBe(p));
});

describe('TCP', () => {
  it('reports the addresses that failed while another connected, and calls the target ok', () => {
    const m = measurement({ target: DC, tcp_connect: [connect('149.154.167.51', 443, 'generic_timeout_error'), connect('149.154.167.52', 443)] });
    const v = classifyTarget(input(m));
    expect(v.status).toBe('ok');
    expect((v.evidence.tcp as { partial: unknown[] }).partial).toEqual([{ ip: '149.154.167.51', port: 443, success: false, failure: 'generic_timeout_error' }]);
  });

  it('names the commonest failure when addresses fail differently', () => {
    const m = measurement({
      target: DC,
      tcp_connect: [connect('149.154.167.51', 443, 'connection_refused'), connect('149.154.167.52', 443, 'generic_timeout_error'), connect('149.154.167.53', 443, 'generic_timeout_error')],
      failure: 'generic_timeout_error',
      operation: 'connect',
    });
    expect(classifyTarget(input(m)).pattern).toBe('tcp.timeout');
  });

  it('takes a failed control_connect from the vantage as no control (anomaly), and one from the control as an outage', () => {
    const m = measurement({ target: DC, tcp_connect: [connect('149.154.167.51', 443, 'generic_timeout_error')], failure: 'generic_timeout_error', operation: 'connect' });
    const fromVantage = step('control_connect', '149.154.167.51:443', 'failure', 'generic_timeout_error', { from: 'vantage' });
    const fromControl = step('control_connect', '149.154.167.51:443', 'failure', 'generic_timeout_error', { from: 'control' });
    expect(classifyTarget(input(m, { diagnosis: [fromVantage] })).status).toBe('anomaly');
    expect(classifyTarget(input(m, { diagnosis: [fromControl] })).status).toBe('down');
  });
});

const tlsM = (failure: Parameters<typeof handshake>[1], validated?: boolean) =>
  measurement({ queries: [query('A', [IP])], tcp_connect: [connect(IP, 443)], tls_handshakes: [handshake(IP, failure, validated)], failure, operation: failure ? 'tls_handshake' : null });

describe('TLS', () => {
  it('reads an SNI swap to another address of the target as SNI filtering too', () => {
    const v = classifyTarget(input(tlsM('connection_reset'), { diagnosis: [step('sni_swap', '149.154.167.100:443 sni=example.com', 'success', null, { ip: '149.154.167.100' })] }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'tls.sni_filter']);
  });

  it('calls a failed handshake that completes when repeated with the same name transient: never a filter or a block, even with a control', () => {
    const swap = step('sni_swap', `${IP}:443 sni=example.com`, 'success', null, { ip: IP });
    const repeat = step('sni_repeat', `${IP}:443 sni=${HOST}`, 'success', null, { ip: IP });
    const v = classifyTarget(input(tlsM('generic_timeout_error'), { control: okHttps(), diagnosis: [swap, repeat] }));
    expect([v.status, v.pattern]).toEqual(['anomaly', null]);
    expect((v.evidence.basis as { reason: string }).reason).toMatch(/transient/);
    // The repeat failing too is what a filter looks like.
    const failed = step('sni_repeat', `${IP}:443 sni=${HOST}`, 'failure', 'generic_timeout_error', { ip: IP });
    const w = classifyTarget(input(tlsM('generic_timeout_error'), { control: okHttps(), diagnosis: [swap, failed] }));
    expect([w.status, w.pattern]).toEqual(['blocked', 'tls.sni_filter']);
  });

  it('keeps tls.reset when the SNI swap is reset too', () => {
    const v = classifyTarget(input(tlsM('connection_reset'), { diagnosis: [step('sni_swap', `${IP}:443 sni=example.com`, 'failure', 'connection_reset')] }));
    expect([v.status, v.pattern]).toEqual(['anomaly', 'tls.reset']);
  });

  it('calls a completed handshake that did not validate tls.mitm', () => {
    const v = classifyTarget(input(tlsM(null, false), { control: okHttps() }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'tls.mitm']);
    expect((v.evidence.tls as { handshakes: Array<{ certificate: { subject: string } }> }).handshakes[0].certificate.subject).toBe('CN=web.telegram.org');
  });

  it('does not call an SNI swap success a filter when the control is reset the same way', () => {
    const control = { ...tlsM('connection_reset'), vantage: 'abroad' };
    const v = classifyTarget(input(tlsM('connection_reset'), { control, diagnosis: [step('sni_swap', `${IP}:443 sni=example.com`, 'success')] }));
    expect([v.status, v.pattern]).toEqual(['down', null]);
  });
});

const httpM = (res: ReturnType<typeof response> | null, failure: Parameters<typeof request>[1] = null) =>
  measurement({ queries: [query('A', [IP])], tcp_connect: [connect(IP, 443)], tls_handshakes: [handshake(IP)], requests: [request(res, failure)], failure, operation: failure ? 'http_round_trip' : null });

describe('HTTP', () => {
  it('calls 451 down when the control gets 451 too', () => {
    const control = { ...httpM(response(451)), vantage: 'abroad' };
    expect(classifyTarget(input(httpM(response(451)), { control })).status).toBe('down');
  });

  it('calls 451 blocked when the control gets the page', () => {
    expect(classifyTarget(input(httpM(response(451)), { control: okHttps() })).pattern).toBe('http.451');
  });

  it('calls a fingerprinted blockpage blocked whatever the control shows', () => {
    const fps: FingerprintDb = { dns: [], http: [{ name: 'lab', location: 'header.server', patternType: 'full', pattern: 'lab-censor/1.0', countries: [], source: 'test' }] };
    const page = response(200, { Server: 'lab-censor/1.0' });
    const control = { ...httpM(page), vantage: 'abroad' };
    const v = classifyTarget(input(httpM(page), { control, fingerprints: fps }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'http.blockpage']);
    expect(v.evidence.http).toMatchObject({ fingerprint: { name: 'lab', source: 'test' } });
  });

  it('keeps status, selected headers, length, hash and title of the response in evidence', () => {
    const v = classifyTarget(input(httpM({ ...response(302, { Location: 'http://x/', 'Set-Cookie': 'a=b' }), title: 'T' })));
    const r = (v.evidence.http as { requests: Array<{ response: Record<string, unknown> }> }).requests[0].response;
    expect(r).toEqual({ status: 302, headers: { location: 'http://x/' }, body_length: 30, body_is_truncated: false, body_sha256: 'cd'.repeat(32), title: 'T' });
  });
});

describe('TLS with a hand-written hello', () => {
  const WEB: Target = { id: 'web', kind: 'tls', host: HOST, port: 443, hello: 'chromium' };
  it('takes a ServerHello or HelloRetryRequest as the handshake reached (no certificate is read), not as tls.mitm', () => {
    for (const server_response of ['server_hello', 'hello_retry_request'] as const) {
      const m = measurement({ target: WEB, tcp_connect: [connect(IP, 443)], tls_handshakes: [{ ...handshake(IP, null, false), hello: 'chromium', server_response }] });
      expect(classifyTarget(input(m)).status).toBe('ok');
    }
  });

  it('still calls an unvalidated completed node:tls handshake tls.mitm', () => {
    const m = measurement({ target: WEB, tcp_connect: [connect(IP, 443)], tls_handshakes: [handshake(IP, null, false)] });
    expect(classifyTarget(input(m)).pattern).toBe('tls.mitm');
  });
});
