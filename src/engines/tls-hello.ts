/**
 * The tls engine's path for a hand-written hello (`hello:` a profile other than node:tls):
 * resolve, connect address by address, and one hello exchange on each until a server answers
 * with a ServerHello or HelloRetryRequest. Every attempt is recorded.
 */
import type { Measurement, TlsTarget } from '../model/index.js';
import { helloExchange, sendsEch, type HelloProfile } from '../net/tls-hello/index.js';
import { finish, resolveInto } from './dial.js';
import { fail } from './measurement.js';
import { connectStep, failedHandshake } from './steps.js';
import type { ProbeContext } from './types.js';

export async function helloProbe(m: Measurement, target: TlsTarget, profile: HelloProfile, sni: string | null, ctx: ProbeContext, started: number): Promise<Measurement> {
  const addrs = await resolveInto(m, target.host, ctx, started);
  let first: { failure: NonNullable<Measurement['failure']>; operation: 'connect' | 'tls_handshake' } | null = null;
  for (const ip of addrs) {
    if (ctx.signal.aborted) break;
    const c0 = performance.now();
    const { socket, record, lost } = await connectStep(ip, target.port, ctx, started);
    m.tcp_connect.push(record);
    m.timings.connect = (performance.now() - c0) / 1000;
    if (lost) {
      // Reached, then reset before the ClientHello could go: the handshake failed.
      m.tls_handshakes.push({ ...failedHandshake(ip, target.port, sni, lost, record.t, record.t), hello: profile.name, ech: sendsEch(profile, target.ech), server_response: null, alert: null });
      first ??= { failure: lost, operation: 'tls_handshake' };
      continue;
    }
    if (!socket) {
      first ??= { failure: record.status.failure ?? 'generic_timeout_error', operation: 'connect' };
      continue;
    }
    const h0 = performance.now();
    const hs = await helloExchange(socket, { profile, sni, alpn: target.alpn, ech: target.ech, signal: ctx.signal, origin: started, ip, port: target.port });
    m.tls_handshakes.push(hs);
    m.timings.tls = (performance.now() - h0) / 1000;
    if (hs.failure === null) return finish(m, started);
    first ??= { failure: hs.failure, operation: 'tls_handshake' };
  }
  if (addrs.length > 0) fail(m, first?.failure ?? 'generic_timeout_error', first?.operation ?? 'connect');
  return finish(m, started);
}
