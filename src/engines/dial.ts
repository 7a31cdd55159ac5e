/** Reaching a host: resolve (unless it is an address), then connect and handshake address by address. */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Measurement, QueryType } from '../model/index.js';
import { isIpLiteral } from '../model/index.js';
import { addressesOf, fail, resolveFailure } from './measurement.js';
import { repliesSettled } from '../net/resolvers/udp.js';
import { connectStep, failedHandshake, resolveStep, tlsStep } from './steps.js';
import type { ProbeContext } from './types.js';

/** Resolves `host` into the measurement; returns its addresses, or none after recording the failure. */
export async function resolveInto(m: Measurement, host: string, ctx: ProbeContext, origin: number, types?: QueryType[]): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIpLiteral(bare)) return [bare];
  const t0 = performance.now();
  const queries = await resolveStep(bare, ctx, origin, types);
  m.queries.push(...queries);
  m.timings.dns = (m.timings.dns ?? 0) + (performance.now() - t0) / 1000;
  const addrs = addressesOf(queries);
  if (addrs.length === 0) fail(m, resolveFailure(queries), 'resolve');
  return addrs;
}

/**
 * Connects to addresses in order until one accepts; every attempt is recorded. A connection
 * lost right after the handshake ends the walk: the server was reached, the request failed.
 */
export async function connectFirst(m: Measurement, addrs: string[], port: number, ctx: ProbeContext, origin: number): Promise<{ socket: Socket; ip: string } | null> {
  for (const ip of addrs) {
    if (ctx.signal.aborted) break;
    const t0 = performance.now();
    const { socket, record, lost } = await connectStep(ip, port, ctx, origin);
    m.tcp_connect.push(record);
    m.timings.connect = (performance.now() - t0) / 1000;
    if (socket) return { socket, ip };
    if (lost) {
      fail(m, lost, 'http_round_trip');
      return null;
    }
  }
  const first = m.tcp_connect.find((c) => !c.status.success);
  fail(m, first?.status.failure ?? 'generic_timeout_error', 'connect');
  return null;
}

export interface TlsDial {
  sni: string | null;
  alpn: string[];
  ca?: readonly string[];
}

/**
 * Connect and handshake, address by address, until a handshake completes (validated or not: a
 * client that completes a handshake does not try elsewhere). Each attempt is recorded.
 */
export async function dialTls(m: Measurement, addrs: string[], port: number, d: TlsDial, ctx: ProbeContext, origin: number): Promise<{ tls: TLSSocket; raw: Socket; ip: string; validated: boolean } | null> {
  let firstFailure: { failure: NonNullable<Measurement['failure']>; operation: 'connect' | 'tls_handshake' } | null = null;
  for (const ip of addrs) {
    if (ctx.signal.aborted) break;
    const c0 = performance.now();
    const { socket, record, lost } = await connectStep(ip, port, ctx, origin);
    m.tcp_connect.push(record);
    m.timings.connect = (performance.now() - c0) / 1000;
    if (lost) {
      // Reached, then reset before the ClientHello could go: the handshake failed.
      m.tls_handshakes.push(failedHandshake(ip, port, d.sni, lost, record.t, record.t));
      firstFailure ??= { failure: lost, operation: 'tls_handshake' };
      continue;
    }
    if (!socket) {
      firstFailure ??= { failure: record.status.failure ?? 'generic_timeout_error', operation: 'connect' };
      continue;
    }
    const h0 = performance.now();
    const hs = await tlsStep(socket, ip, port, d.sni, d.alpn, d.ca, ctx, origin);
    m.tls_handshakes.push(hs.record);
    m.timings.tls = (performance.now() - h0) / 1000;
    if (hs.tlsSocket) {
      fail(m, hs.record.failure, 'tls_handshake');
      return { tls: hs.tlsSocket, raw: socket, ip, validated: hs.record.validated };
    }
    firstFailure ??= { failure: hs.record.failure ?? 'ssl_failed_handshake', operation: 'tls_handshake' };
  }
  if (firstFailure) fail(m, firstFailure.failure, firstFailure.operation);
  else fail(m, 'generic_timeout_error', 'connect');
  return null;
}

/** Rounds the phase timings to microseconds and sets the total. */
export async function finish(m: Measurement, started: number): Promise<Measurement> {
  // Late DNS replies (injection) belong in the measurement; the probe lasted until the window closed.
  await Promise.all(m.queries.map(repliesSettled));
  const t = m.timings;
  for (const k of ['dns', 'connect', 'tls', 'ttfb'] as const) {
    const v = t[k];
    if (v !== undefined) t[k] = Math.round(v * 1e6) / 1e6;
  }
  t.total = Math.round((performance.now() - started) * 1000) / 1e6;
  return m;
}
