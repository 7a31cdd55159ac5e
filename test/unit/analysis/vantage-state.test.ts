/** The pure decisions behind a vantage's state: which attempt shows what, and why an offline vantage is offline. */
import { describe, expect, it } from 'vitest';
import { attemptState, offlineReason, silentMeasurement, type CanaryResult, type OfflineEvidence } from '../../../src/analysis/index.js';
import type { DnsQuery, Measurement } from '../../../src/model/index.js';
import { connect, IP, measurement, okHttps, query } from './build.js';

const timedOutDns: Measurement = measurement({ queries: [query('A', [], null, 'generic_timeout_error')], failure: 'generic_timeout_error', operation: 'resolve' });
const synTimeout: Measurement = measurement({ queries: [query('A', [IP])], tcp_connect: [connect(IP, 443, 'generic_timeout_error')], failure: 'generic_timeout_error', operation: 'connect' });
const refused: Measurement = measurement({ tcp_connect: [connect(IP, 443, 'connection_refused')], failure: 'connection_refused', operation: 'connect' });
const unreachable: Measurement = measurement({ tcp_connect: [connect(IP, 443, 'network_unreachable')], failure: 'network_unreachable', operation: 'connect' });
const r = (id: string, scope: CanaryResult['scope'], m: Measurement): CanaryResult => ({ id, scope, measurement: m });

function evidence(over: Partial<OfflineEvidence>): OfflineEvidence {
  return { measurements: [unreachable], routes: { checked: 1, noRoute: 0 }, resolverQuery: null, siblingOnline: false, ...over };
}

describe('attemptState', () => {
  it('is online when a foreign canary answers, walled when only domestic ones do, offline when none does', () => {
    expect(attemptState([r('f', 'foreign', okHttps()), r('d', 'domestic', refused)])).toBe('online');
    expect(attemptState([r('f', 'foreign', synTimeout), r('d', 'domestic', okHttps())])).toBe('walled');
    expect(attemptState([r('f', 'foreign', synTimeout), r('d', 'domestic', refused)])).toBe('offline');
  });

  it('is online when only domestic canaries apply and one answers: walled needs a foreign one to fail', () => {
    expect(attemptState([r('d', 'domestic', okHttps())])).toBe('online');
  });
});

describe('silentMeasurement', () => {
  it('holds for timeouts and unreachables at resolve or connect, and nothing else', () => {
    expect(silentMeasurement(timedOutDns)).toBe(true);
    expect(silentMeasurement(unreachable)).toBe(true);
    expect(silentMeasurement(measurement({ tcp_connect: [connect(IP, 443, 'generic_timeout_error')], failure: 'generic_timeout_error', operation: 'connect' }))).toBe(true);
    // The same SYN timeout after the resolver answered: something answers.
    expect(silentMeasurement(synTimeout)).toBe(false);
    expect(silentMeasurement(refused)).toBe(false);
    expect(silentMeasurement(measurement({ failure: 'generic_timeout_error', operation: 'tls_handshake' }))).toBe(false);
  });

  it("counts glibc's dns_server_misbehaving as silence only through the system resolver, which reports a dead resolver so", () => {
    const q = (engine: DnsQuery['engine']): DnsQuery => ({ ...query('A', [], null, 'dns_server_misbehaving'), engine });
    expect(silentMeasurement(measurement({ queries: [q('getaddrinfo')], failure: 'dns_server_misbehaving', operation: 'resolve' }))).toBe(true);
    expect(silentMeasurement(measurement({ queries: [q('udp')], failure: 'dns_server_misbehaving', operation: 'resolve' }))).toBe(false);
  });

  it('does not hold when one address refused although another timed out', () => {
    expect(silentMeasurement(measurement({ tcp_connect: [connect(IP, 443, 'generic_timeout_error'), connect('192.0.2.7', 443, 'connection_refused')], failure: 'generic_timeout_error', operation: 'connect' }))).toBe(false);
  });
});

describe('offlineReason', () => {
  it('is link when the host has no route to any first hop, whatever the canaries saw', () => {
    expect(offlineReason(evidence({ routes: { checked: 2, noRoute: 2 }, measurements: [refused] }))).toBe('link');
    expect(offlineReason(evidence({ routes: { checked: 2, noRoute: 1 } }))).toBe('silent');
    expect(offlineReason(evidence({ routes: { checked: 0, noRoute: 0 } }))).toBe('silent');
  });

  it('is shutdown for silence while another vantage of the host is online, silent otherwise', () => {
    expect(offlineReason(evidence({ measurements: [timedOutDns, unreachable], siblingOnline: true }))).toBe('shutdown');
    expect(offlineReason(evidence({ measurements: [timedOutDns, unreachable], siblingOnline: false }))).toBe('silent');
  });

  it('is unknown when anything answered: a canary refused, the resolver replied, or the resolver asked directly replied', () => {
    expect(offlineReason(evidence({ measurements: [timedOutDns, refused], siblingOnline: true }))).toBe('unknown');
    expect(offlineReason(evidence({ measurements: [synTimeout], siblingOnline: true }))).toBe('unknown');
    expect(offlineReason(evidence({ measurements: [unreachable], resolverQuery: query('A', ['192.0.2.1']), siblingOnline: true }))).toBe('unknown');
    expect(offlineReason(evidence({ measurements: [unreachable], resolverQuery: query('A', [], null, 'generic_timeout_error'), siblingOnline: true }))).toBe('shutdown');
  });
});
