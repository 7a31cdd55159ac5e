/**
 * The tls engine: resolve, connect, and a TLS handshake with the target's SNI and ALPN, validated;
 * with a hand-written hello profile, the exchange stops at the ServerHello (tls-hello.ts).
 */
import type { Measurement, TlsTarget } from '../model/index.js';
import { isIpLiteral } from '../model/index.js';
import { helloProfile } from '../config/hellos.js';
import { dialTls, finish, resolveInto } from './dial.js';
import { helloProbe } from './tls-hello.js';
import { newMeasurement } from './measurement.js';
import type { Engine } from './types.js';

const DEFAULT_ALPN = ['h2', 'http/1.1'];

export const tlsEngine: Engine<TlsTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  const sni = target.sni ?? (isIpLiteral(target.host) ? null : target.host);
  const profile = target.hello === undefined ? null : helloProfile(target.hello);
  if (profile?.engine === 'hand') return helloProbe(m, target, profile, sni, ctx, started);
  const addrs = await resolveInto(m, target.host, ctx, started);
  if (addrs.length > 0) {
    const done = await dialTls(m, addrs, target.port, { sni, alpn: target.alpn ?? DEFAULT_ALPN, ca: target.ca }, ctx, started);
    done?.tls.destroy();
  }
  return finish(m, started);
};
