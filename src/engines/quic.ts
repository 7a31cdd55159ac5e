/**
 * The quic engine: resolve, then a QUIC v1 Initial carrying a TLS 1.3 ClientHello
 * with the target's SNI and ALPN (default h3) to each address in turn until one
 * answers with a valid long-header packet. Every attempt is recorded in
 * quic_handshakes; timings.tls is the answering attempt's first send to its first
 * answer. A vantage that cannot carry UDP (its proxy) ends the probe with that
 * failure, so the verdict is unknown rather than blocked.
 */
import type { FailureString, Measurement, QuicHandshake, QuicTarget } from '../model/index.js';
import { hostPort, isIpLiteral, isVantageFailure } from '../model/index.js';
import { since } from '../net/clock.js';
import { abortReason, toFailure } from '../net/errors.js';
import { quicInitialExchange } from '../net/quic/index.js';
import { finish, resolveInto } from './dial.js';
import { fail, newMeasurement } from './measurement.js';
import type { Engine, ProbeContext } from './types.js';

const DEFAULT_ALPN = ['h3'];

interface QuicDial {
  port: number;
  sni: string | null;
  alpn: string[];
}

/** The record of an attempt that never sent: the channel could not be opened. */
function unopened(ip: string, d: QuicDial, failure: FailureString, t0: number, t: number): QuicHandshake {
  return { address: hostPort(ip, d.port), server_name: d.sni ?? '', alpn: [...d.alpn], sent: 0, received: 0, response: null, server_hello: false, failure, t0, t };
}

/** Tries the addresses in order until one answers; records each attempt and, when none answered, the first failure. */
async function dialQuic(m: Measurement, addrs: string[], d: QuicDial, ctx: ProbeContext, origin: number): Promise<void> {
  const attempts: QuicHandshake[] = (m.quic_handshakes ??= []);
  for (const ip of addrs) {
    if (ctx.signal.aborted) break;
    const t0 = since(origin);
    let channel;
    try {
      channel = await ctx.datagrams.open(ip, d.port, { signal: ctx.signal });
    } catch (err) {
      const { failure } = toFailure(err, 'quic_handshake');
      attempts.push(unopened(ip, d, failure, t0, since(origin)));
      // The vantage's path cannot carry UDP at all: no other address will fare better.
      if (isVantageFailure(failure)) break;
      continue;
    }
    try {
      const hs = await quicInitialExchange(channel, { signal: ctx.signal, origin, sni: d.sni, alpn: d.alpn });
      attempts.push(hs);
      if (hs.failure === null) {
        m.timings.tls = hs.t - hs.t0;
        return;
      }
    } finally {
      channel.close();
    }
  }
  const first = attempts.find((a) => a.failure !== null)?.failure ?? toFailure(abortReason(ctx.signal), 'quic_handshake').failure;
  fail(m, first, 'quic_handshake');
}

export const quicEngine: Engine<QuicTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  m.quic_handshakes = [];
  const addrs = await resolveInto(m, target.host, ctx, started);
  if (addrs.length > 0) {
    const sni = target.sni ?? (isIpLiteral(target.host) ? null : target.host);
    await dialQuic(m, addrs, { port: target.port, sni, alpn: target.alpn ?? DEFAULT_ALPN }, ctx, started);
  }
  return finish(m, started);
};
