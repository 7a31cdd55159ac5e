/** The tls engine: resolve, connect, and a TLS handshake with the target's SNI and ALPN, validated. */
import type { Measurement, TlsTarget } from '../model/index.js';
import { isIpLiteral } from '../model/index.js';
import { dialTls, finish, resolveInto } from './dial.js';
import { newMeasurement } from './measurement.js';
import type { Engine } from './types.js';

const DEFAULT_ALPN = ['h2', 'http/1.1'];

export const tlsEngine: Engine<TlsTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  const addrs = await resolveInto(m, target.host, ctx, started);
  if (addrs.length > 0) {
    const sni = target.sni ?? (isIpLiteral(target.host) ? null : target.host);
    const done = await dialTls(m, addrs, target.port, { sni, alpn: target.alpn ?? DEFAULT_ALPN, ca: target.ca }, ctx, started);
    done?.tls.destroy();
  }
  return finish(m, started);
};
