/**
 * The mtproto engine: resolve (unless the host is an address), connect, and MTProto's first
 * exchange (req_pq_multi → resPQ) in the target's transport, address by address until one
 * answers with a resPQ carrying our nonce. Every connect goes in tcp_connect and every
 * exchange in app_exchanges; timings.ttfb is the answering (or last) exchange's time to its
 * answer. A data centre that accepts TCP and then drops, resets or garbles MTProto is what
 * this kind exists to see (DESIGN §13).
 */
import type { FailureString, Measurement, MtprotoTarget } from '../model/index.js';
import { hostPort } from '../model/index.js';
import { DEFAULT_DC, mtprotoExchange } from '../net/mtproto/index.js';
import { finish, resolveInto } from './dial.js';
import { fail, newMeasurement } from './measurement.js';
import { connectStep } from './steps.js';
import type { Engine, ProbeContext } from './types.js';

export const DEFAULT_TRANSPORT = 'intermediate' as const;

async function dialMtproto(m: Measurement, addrs: string[], t: MtprotoTarget, ctx: ProbeContext, origin: number): Promise<void> {
  const transport = t.transport ?? DEFAULT_TRANSPORT;
  const exchanges = (m.app_exchanges ??= []);
  let first: { failure: FailureString; operation: 'connect' | 'mtproto_handshake' } | null = null;
  for (const ip of addrs) {
    if (ctx.signal.aborted) break;
    const address = hostPort(ip, t.port);
    const c0 = performance.now();
    const { socket, record, lost } = await connectStep(ip, t.port, ctx, origin);
    m.tcp_connect.push(record);
    m.timings.connect = (performance.now() - c0) / 1000;
    if (lost) {
      // Reached, then reset before req_pq_multi could go: the exchange failed, not the connect.
      exchanges.push({ protocol: 'mtproto', address, transport, sent: 0, received: 0, response: null, failure: lost, t0: record.t, t: record.t });
      first ??= { failure: lost, operation: 'mtproto_handshake' };
      continue;
    }
    if (!socket) {
      first ??= { failure: record.status.failure ?? 'generic_timeout_error', operation: 'connect' };
      continue;
    }
    try {
      const x = await mtprotoExchange(socket, { address, transport, dc: t.dc ?? DEFAULT_DC, signal: ctx.signal, origin });
      exchanges.push(x);
      m.timings.ttfb = x.t - x.t0;
      if (x.failure === null) return;
      first ??= { failure: x.failure, operation: 'mtproto_handshake' };
    } finally {
      socket.destroy();
    }
  }
  if (first) fail(m, first.failure, first.operation);
  else fail(m, 'generic_timeout_error', 'connect');
}

export const mtprotoEngine: Engine<MtprotoTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  m.app_exchanges = [];
  const addrs = await resolveInto(m, target.host, ctx, started);
  if (addrs.length > 0) await dialMtproto(m, addrs, target, ctx, started);
  return finish(m, started);
};
