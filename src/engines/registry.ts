/** The engine registry: one engine per target kind, and the dispatcher the scheduler calls. */
import type { Measurement, Target, TargetKind } from '../model/index.js';
import { dnsEngine } from './dns.js';
import { httpsEngine } from './https.js';
import { mtprotoEngine } from './mtproto.js';
import { quicEngine } from './quic.js';
import { tcpEngine } from './tcp.js';
import { tlsEngine } from './tls.js';
import { udpEngine } from './udp.js';
import type { Engine, ProbeContext } from './types.js';

export const engines: Record<TargetKind, Engine> = {
  dns: dnsEngine as Engine,
  tcp: tcpEngine as Engine,
  tls: tlsEngine as Engine,
  https: httpsEngine as Engine,
  udp: udpEngine as Engine,
  quic: quicEngine as Engine,
  mtproto: mtprotoEngine as Engine,
};

/** Probes one target with the engine for its kind. */
export function probe(target: Target, ctx: ProbeContext): Promise<Measurement> {
  const engine = engines[target.kind];
  if (!engine) throw new Error(`no engine for target kind ${String(target.kind)}`);
  return engine(target, ctx);
}
